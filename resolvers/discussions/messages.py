"""The discussion domain's error messages, in Chinese and English (see core/errors.py)."""

from __future__ import annotations

from core.errors import register_messages

MESSAGES: dict[str, tuple[str, str]] = {
    "poll_options": ("投票须有 {min} 到 {max} 个选项。", "A poll has {min} to {max} options."),
    "duplicate_option": ("选项重复。", "The same option twice."),
    "poll_required": ("投票须填写选项和截止时间。", "A poll needs options and a closing time."),
    "only_for_polls": ("只有投票可以填写此项。", "Only for polls."),
    "closes_in_past": ("截止时间须晚于现在。", "The closing time must be in the future."),
    "discussion_closed": ("议事已结束。", "The discussion is closed."),
    "poll_closed": ("投票已截止。", "The poll is closed."),
    "not_a_poll": ("这不是投票。", "This is not a poll."),
    "one_choice": ("本投票只能选一项。", "This poll takes one choice."),
    "no_choice": ("请至少选择一项。", "Choose at least one option."),
    "not_an_option": ("不是本投票的选项。", "Not an option of this poll."),
    "not_a_voter": (
        "只有本村村民可以参加此投票。",
        "Only residents of the village vote in this poll.",
    ),
}

register_messages(MESSAGES)
