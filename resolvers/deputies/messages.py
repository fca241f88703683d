"""The deputy domain's error messages, in Chinese and English (see core/errors.py)."""

from __future__ import annotations

from core.errors import register_messages

MESSAGES: dict[str, tuple[str, str]] = {
    "deputy_code_unknown": (
        "无效的代表二维码，请核对后重新扫描。",
        "This is not a deputy's QR code; check it and scan again.",
    ),
    "deputy_code_rotated": (
        "该代表已更换二维码，旧码已停用，请扫描代表最新的二维码。",
        "The deputy has replaced this QR code and it no longer works: scan their new code.",
    ),
    "term_order": ("任期结束日期须晚于开始日期。", "The term must end after it starts."),
    "constituency_level": (
        "选区须是该级人大所在的行政区或其下级。",
        "The constituency must be at the congress's level or below it.",
    ),
    "deputy_conflict": (
        "二维码刚被更换，请刷新后重试。",
        "The code was just replaced; reload and try again.",
    ),
    "message_throttled": (
        "留言过于频繁：每小时最多 {max} 条。",
        "Too many messages: at most {max} an hour.",
    ),
    "message_transition": (
        "状态为“{status}”的留言不能执行此操作。",
        "This cannot be done to a message whose status is {status}.",
    ),
    "message_conflict": (
        "该留言刚被修改，请刷新后重试。",
        "The message was just changed; reload and try again.",
    ),
    "outside_constituency": (
        "只能在本选区内的村或院落立案。",
        "The issue must be in a village or courtyard of the deputy's constituency.",
    ),
    "follow_up_not_due": (
        "代表答复或立案后才能回访，且只回访一次。",
        "The follow-up comes once, after the deputy's reply or the issue.",
    ),
    "record_future": ("履职日期不能晚于今天。", "A record cannot be dated in the future."),
    "record_outside_term": (
        "履职日期须在任期内（{start} 至 {end}）。",
        "A record must be dated within the term ({start} to {end}).",
    ),
    "outcome_for_proposals": (
        "只有议案/建议才有办理结果。",
        "Only proposals have an outcome.",
    ),
    "too_many_links": ("最多关联 {max} 项。", "At most {max} links."),
    "verify_not_allowed": (
        "只有代表所在人大同级或上级、辖区覆盖其选区的干部可以核实履职记录，代表本人不能核实。",
        "Only officials of the deputy's congress level or above, whose jurisdiction covers the "
        "constituency, verify records; never the deputy.",
    ),
    "already_verified": ("该履职记录已核实。", "This record is already verified."),
    "period_required": (
        "请以 from 和 to 给出期间（日期，如 2026-01-01）。",
        "Give the period as `from` and `to` (dates, e.g. 2026-01-01).",
    ),
    "period_order": ("起始日期不能晚于结束日期。", "`from` must not be after `to`."),
    "already_deputy": (
        "该账号已是这一级人大的代表。",
        "This account already sits in that congress.",
    ),
}

register_messages(MESSAGES)
