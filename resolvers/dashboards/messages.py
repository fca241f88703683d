"""The dashboard domain's error messages, in Chinese and English (see core/errors.py)."""

from __future__ import annotations

from core.errors import register_messages

MESSAGES: dict[str, tuple[str, str]] = {
    # A dashboard's period and an export's.
    "dashboard_period_order": ("开始时间不能晚于结束时间。", "`from` must not be after `to`."),
    "dashboard_period_too_long": (
        "统计区间最长 {max} 天。",
        "A dashboard covers at most {max} days.",
    ),
    "export_period_required": (
        "请给出导出期间：from 和 to（ISO 8601 日期或带时区的时间）。",
        "Give the period: `from` and `to` (ISO 8601 dates, or times with an offset).",
    ),
    "export_period_too_long": (
        "导出期间最长 {max} 天。",
        "The period may be at most {max} days long.",
    ),
    "export_link_invalid": (
        "下载链接无效或已过期，请在看板上重新获取。",
        "This download link is invalid or expired: get a new one from the dashboard.",
    ),
}

register_messages(MESSAGES)
