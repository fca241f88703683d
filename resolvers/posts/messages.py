"""The post domain's error messages, in Chinese and English (see core/errors.py)."""

from __future__ import annotations

from core.errors import register_messages

MESSAGES: dict[str, tuple[str, str]] = {
    "empty_post": ("内容不能为空：请写几句话或附上照片。", "Write something or add a photo."),
    "kind_not_allowed": (
        "您不能在本村发布此类信息。",
        "You may not publish this kind of post in this village.",
    ),
    "affairs_kind_required": (
        "村务公开须注明类别（财务、党务、政务或其他）。",
        "Open village affairs need a kind: finance, party, government or other.",
    ),
    "only_for_affairs": ("只有村务公开可以填写此项。", "Only for AFFAIRS posts."),
    "market_required": (
        "农产品信息须填写价格和单位。",
        "A market post needs a price and a unit.",
    ),
    "only_for_market": ("只有农产品信息可以填写此项。", "Only for MARKET posts."),
    "honorees_required": (
        "光荣榜须列出至少一户。",
        "An honour list names at least one household.",
    ),
    "only_for_honor": ("只有光荣榜可以填写此项。", "Only for HONOR posts."),
    "too_many_honorees": ("光荣榜最多 {max} 户。", "At most {max} households."),
    "must_be_positive": ("须大于零。", "Must be more than zero."),
    "in_the_past": ("时间已经过去。", "That time is already past."),
    "post_throttled": (
        "发布过于频繁：每小时最多 {max} 条。",
        "Too many posts: at most {max} an hour.",
    ),
    "comment_throttled": (
        "评论过于频繁：每分钟最多 {max} 条。",
        "Too many comments: at most {max} a minute.",
    ),
    "reply_elsewhere": (
        "只能回复同一条信息下的评论。",
        "A reply answers a comment on the same post.",
    ),
    "too_many_terms": ("最多 {max} 个关键词。", "At most {max} words."),
    "post_hidden": (
        "该信息已被村干部隐藏，不能评论或点赞。",
        "This post was hidden by the village's officials: no comments or likes.",
    ),
    "title_required": ("此类信息须有标题。", "This kind of post needs a title."),
}

register_messages(MESSAGES)
