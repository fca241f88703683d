"""Errors the API returns on purpose, with their messages in Chinese and English.

Two kinds, as the contract says: `UserFailure` becomes `errors: [UserError!]!` in a mutation
payload (bad input, wrong state); `Unauthenticated` / `Forbidden` / `BadRequest` become GraphQL
errors with `extensions.code`. Anything else is a bug and is masked in production.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ErrorCode(enum.Enum):
    VALIDATION = "VALIDATION"
    NOT_FOUND = "NOT_FOUND"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    RATE_LIMITED = "RATE_LIMITED"
    CONFLICT = "CONFLICT"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"


# key -> (Chinese, English); "{name}" placeholders are filled from the error's params.
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("此项必填。", "This field is required."),
    "blank": ("不能为空。", "Must not be blank."),
    "too_long": ("不能超过 {max} 个字符。", "Must be at most {max} characters."),
    "bad_id": ("ID 无效。", "Not a valid ID."),
    "bad_chars": ("包含不允许的控制字符。", "Contains a control character that is not allowed."),
    "not_found": ("找不到该对象，或您无权查看。", "Not found, or not visible to you."),
    "bad_phone": ("手机号格式不正确。", "Not a valid phone number."),
    "bad_credentials": ("手机号或密码错误。", "Wrong phone number or password."),
    "login_throttled": (
        "登录失败次数过多，请一小时后再试。",
        "Too many failed logins; try again in an hour.",
    ),
    "report_throttled": (
        "提交过于频繁：每小时最多 {max} 条。",
        "Too many reports: at most {max} an hour.",
    ),
    "invalid_transition": (
        "状态为“{status}”的诉求不能执行此操作。",
        "This cannot be done to an issue whose status is {status}.",
    ),
    "reopen_window": (
        "办结超过 {days} 天的诉求不能再重新打开，请重新反映。",
        "An issue closed more than {days} days ago cannot be reopened; report it anew.",
    ),
    "top_level": ("已在县级处理，无法继续上报。", "Already at county level: nowhere to escalate."),
    "conflict": (
        "该诉求刚被他人修改，请刷新后重试。",
        "The issue was just changed by someone else; reload and try again.",
    ),
    "evidence_needed": (
        "办结需要说明和至少一张照片。",
        "Resolving needs a note and at least one photo.",
    ),
    "too_many_photos": ("最多上传 {max} 张照片。", "At most {max} photos."),
    "photo_too_large": ("照片不能超过 {max} MB。", "A photo may be at most {max} MB."),
    "not_an_image": (
        "不是有效的图片（支持 JPEG、PNG、WebP）。",
        "Not a valid image (JPEG, PNG or WebP).",
    ),
    "rating_range": ("评分必须在 1 到 5 之间。", "The rating must be between 1 and 5."),
    "not_staff": (
        "只能指派给本辖区内具有工作人员（STAFF）角色的人。",
        "Only a STAFF member whose region covers the issue can be assigned.",
    ),
    "duplicate_self": ("不能标记为自身的重复。", "An issue cannot duplicate itself."),
    "duplicate_of_duplicate": (
        "目标诉求本身是重复诉求，请指向原始诉求。",
        "That issue is itself a duplicate; point to the original.",
    ),
    "service_window": (
        "上门服务需要预约时间段和地址。",
        "A home service request needs a time window and an address.",
    ),
    "window_order": ("结束时间必须晚于开始时间。", "The end must be after the start."),
    "window_past": ("预约时间段已经过去。", "That time window is already over."),
    "window_range": (
        "预约时间须在一年之内。",
        "A home visit can be booked up to a year ahead.",
    ),
    "needs_offset": (
        "时间须带时区，例如 2026-12-01T09:00:00+08:00。",
        "Give the time with its offset, e.g. 2026-12-01T09:00:00+08:00.",
    ),
    "proxy_not_allowed": (
        "只有网格员或辖区干部可以代为上报。",
        "Only grid heads and officials of the region can report on someone's behalf.",
    ),
    "region_level": ("只能在村或院落上报诉求。", "Issues are reported in a village or courtyard."),
    "unauthenticated": ("请先登录。", "Sign in first."),
    "token_invalid": (
        "登录已失效（令牌无效、过期或已注销），请重新登录。",
        "Your sign-in is no longer valid (unknown, expired or revoked token); sign in again.",
    ),
    "forbidden": ("您无权执行此操作。", "You are not allowed to do this."),
    "token_expired": ("登录已过期，请重新登录。", "Your sign-in expired; sign in again."),
    "token_revoked": ("您已退出登录，订阅已结束。", "You signed out; the subscription ended."),
    "roles_changed": (
        "您的角色或辖区已变更，请重新连接。",
        "Your roles or jurisdiction changed; reconnect.",
    ),
    "too_many_subscriptions": (
        "每个连接最多 {max} 个订阅。",
        "At most {max} subscriptions per connection.",
    ),
    "replay_too_long": (
        "错过的事件太多，请重新查询后再订阅。",
        "Too many missed events to replay: query the current state, then subscribe again.",
    ),
    "page_size": ("每页最多 {max} 条。", "At most {max} items per page."),
    "bad_cursor": ("分页游标无效。", "Not a valid cursor."),
    "negative": ("不能为负数。", "Must not be negative."),
}


def translate(key: str, lang: str, **params: object) -> str:
    zh, en = MESSAGES[key]
    return (en if lang == "en" else zh).format(**params)


def language(accept_language: str | None) -> str:
    """'en' when the client prefers English over Chinese; Chinese otherwise and by default."""
    best, best_q = "zh", -1.0
    for part in (accept_language or "").split(","):
        tag, _, q = part.strip().partition(";q=")
        tag = tag.strip().lower()[:2]
        if tag not in {"zh", "en"}:
            continue
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        if weight > best_q:
            best, best_q = tag, weight
    return best


@dataclass
class Problem:
    code: ErrorCode
    field: str | None
    key: str
    params: dict[str, object]


class UserFailure(Exception):
    """Raised anywhere in a mutation; the mutation rolls back and returns these as errors."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__(", ".join(p.key for p in problems))
        self.problems = list(problems)

    @classmethod
    def of(cls, code: ErrorCode, key: str, field: str | None = None, **params) -> UserFailure:
        return cls(Problem(code, field, key, params))


def invalid(field: str | None, key: str, **params: object) -> UserFailure:
    return UserFailure.of(ErrorCode.VALIDATION, key, field, **params)


def not_found(field: str | None = "id") -> UserFailure:
    return UserFailure.of(ErrorCode.NOT_FOUND, "not_found", field)


class CodedError(Exception):
    """An error with a stable `extensions.code`, worded in the request's language at the end.

    Raised from any resolver; the `ErrorPolicy` schema extension turns it into a GraphQL error.
    """

    code = "VALIDATION"
    key = "forbidden"

    def __init__(self, key: str | None = None, *, field: str | None = None, **params: object):
        self.key = key or type(self).key
        self.field = field
        self.params = params
        super().__init__(self.key)


class Unauthenticated(CodedError):
    code = "UNAUTHENTICATED"
    key = "unauthenticated"


class Forbidden(CodedError):
    code = "FORBIDDEN"
    key = "forbidden"


class BadRequest(CodedError):
    """Bad arguments to a query (not a mutation): page size, cursor, malformed ID."""

    code = "VALIDATION"
    key = "bad_id"
