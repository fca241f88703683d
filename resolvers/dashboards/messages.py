"""The dashboard domain's error messages, in Chinese and English (see core/errors.py)."""

from __future__ import annotations

from core.errors import register_messages

MESSAGES: dict[str, tuple[str, str]] = {
    "dashboard_period_order": ("开始时间不能晚于结束时间。", "`from` must not be after `to`."),
    "dashboard_period_too_long": (
        "统计区间最长 {max} 天。",
        "A dashboard covers at most {max} days.",
    ),
}

register_messages(MESSAGES)
