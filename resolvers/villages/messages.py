"""The village domain's error messages, in Chinese and English (see core/errors.py)."""

from __future__ import annotations

from core.errors import register_messages

MESSAGES: dict[str, tuple[str, str]] = {
    "not_a_village": ("该地区不是村或社区。", "That region is not a village or community."),
    "out_of_range": ("须在 {min} 到 {max} 之间。", "Must be between {min} and {max}."),
    "too_many_members": (
        "村委会最多列出 {max} 人。",
        "A committee lists at most {max} members.",
    ),
    "not_in_village": (
        "只能关联在本村有角色的账号。",
        "Only an account holding a role in this village can be linked.",
    ),
}

register_messages(MESSAGES)
