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
# These are the messages every domain shares; each domain registers its own beside its code.
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("此项必填。", "This field is required."),
    "blank": ("不能为空。", "Must not be blank."),
    "too_long": ("不能超过 {max} 个字符。", "Must be at most {max} characters."),
    "bad_id": ("ID 无效。", "Not a valid ID."),
    "bad_chars": ("包含不允许的控制字符。", "Contains a control character that is not allowed."),
    "not_found": ("找不到该对象，或您无权查看。", "Not found, or not visible to you."),
    "contention": (
        "其他操作正在修改同一数据，本次未保存任何内容，请重试。",
        "Another change to the same data came first; nothing was saved. Try again.",
    ),
    "bad_phone": ("手机号格式不正确。", "Not a valid phone number."),
    "bad_credentials": ("手机号或密码错误。", "Wrong phone number or password."),
    "login_throttled": (
        "登录失败次数过多，请一小时后再试。",
        "Too many failed logins; try again in an hour.",
    ),
    "login_source_throttled": (
        "来自您所在网络的登录失败次数过多，请稍后再试。",
        "Too many failed logins from your network; try again later.",
    ),
    "login_busy": (
        "登录请求过多，请一分钟后再试。",
        "Too many logins right now; try again in a minute.",
    ),
    "too_many_photos": ("最多上传 {max} 张照片。", "At most {max} photos."),
    "photo_too_large": ("照片不能超过 {max} MB。", "A photo may be at most {max} MB."),
    "not_an_image": (
        "不是有效的图片（支持 JPEG、PNG、WebP）。",
        "Not a valid image (JPEG, PNG or WebP).",
    ),
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


def register_messages(messages: dict[str, tuple[str, str]]) -> None:
    """A domain adds its own messages (resolvers/<domain>/messages.py), under keys no other
    domain uses."""
    clash = MESSAGES.keys() & messages.keys()
    if clash:
        raise ValueError(f"message keys already registered: {sorted(clash)}")
    MESSAGES.update(messages)


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
