"""The HTTP edge of /graphql: a request read within limits, and answers in GraphQL's shape.

Transport only; `server.GraphQLApp` runs the operation. What is checked here, before any
GraphQL work, each failure a `RequestError` answered as `{"errors": [{message, extensions:
{code}}]}` in the client's language and the media type it accepts:

- size: `Content-Length` over MAX_BODY_BYTES (multipart: `Settings.max_multipart_bytes`) is
  refused before a byte is read, and a body that grows past it while streaming is cut off
  (413); a GET's query string has the same limit (414);
- shape: JSON that is malformed, not UTF-8, nested past the parser's stack, holding an
  integer past Python's digit limit or a lone surrogate (text no database or response can
  encode), or that is not an object (`null`, a string, a number) or a batch of objects: 400;
  a multipart `map` that is not an object of paths into `operations`: 400;
- batches (Apollo's `BatchHttpLink`): a JSON array of 1 to MAX_BATCH_OPERATIONS requests
  (413 `BATCH_TOO_LARGE` past it; the body limit covers the whole array); each operation then
  meets every limit of its own, as if sent alone;
- media types: POST bodies are `application/json` or `multipart/form-data` (else 415);
  answers are `application/graphql-response+json` when the client accepts it (with 4xx for
  requests that fail before execution, as the GraphQL-over-HTTP spec says) and
  `application/json` otherwise (406 when it accepts neither);
- Apollo's automatic persisted queries (`PersistedQueries`).

Also the origin rule shared by CORS and the websocket handshake, and the `/metrics` guard.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from core.config import Settings
from core.errors import register_messages, translate

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"

register_messages(
    {
        "http_body_too_large": (
            "请求体不能超过 {max} 字节。",
            "The request body may be at most {max} bytes.",
        ),
        "http_url_too_long": (
            "GET 请求的查询参数不能超过 {max} 字节，请改用 POST。",
            "A GET request's query string may be at most {max} bytes; use POST.",
        ),
        "http_bad_length": ("Content-Length 无效。", "Not a valid Content-Length."),
        "http_bad_json": ("{what}不是有效的 JSON。", "{what_en} is not valid JSON."),
        "http_too_deep": ("{what}嵌套过深。", "{what_en} is nested too deeply."),
        "http_bad_unicode": (
            "{what}包含无效的 Unicode（孤立的代理字符）。",
            "{what_en} contains invalid Unicode (a lone surrogate).",
        ),
        "http_not_object": (
            '请求必须是一个 JSON 对象，例如 {{"query": "{{ viewer {{ id }} }}"}}。',
            'The request must be a JSON object, such as {{"query": "{{ viewer {{ id }} }}"}}.',
        ),
        "http_batch": (
            "不接受批量请求：每个请求只发送一个操作。",
            "Batched requests are not accepted: send one operation per request.",
        ),
        "http_batch_size": (
            "批量请求须包含 1 到 {max} 个操作。",
            "A batch must hold 1 to {max} operations.",
        ),
        "http_batch_upload": (
            "上传照片的请求不能批量发送：每个 multipart 请求只发送一个操作。",
            "Uploads cannot be batched: send one operation per multipart request.",
        ),
        "http_bad_param": ("`{name}` 必须是{what}。", "`{name}` must be {what_en}."),
        "http_no_query": ("请求中没有 GraphQL 查询（query）。", "No GraphQL query in the request."),
        "http_method": (
            "/graphql 只接受 GET 和 POST。",
            "/graphql accepts GET and POST only.",
        ),
        "http_get_mutation": (
            "GET 请求只能执行查询；变更请用 POST。",
            "Only queries may be sent with GET; send mutations with POST.",
        ),
        "http_subscription": (
            "订阅通过 /graphql 的 WebSocket（graphql-transport-ws）提供。",
            "Subscriptions are served over websockets at /graphql (graphql-transport-ws).",
        ),
        "http_operation": (
            "找不到要执行的操作：{why}",
            "Cannot tell which operation to run: {why}",
        ),
        "http_content_type": (
            "不支持的 Content-Type：请用 application/json，上传照片用 multipart/form-data。",
            "Unsupported Content-Type: send application/json, or multipart/form-data with photos.",
        ),
        "http_not_acceptable": (
            "只能以 application/graphql-response+json 或 application/json 回答。",
            "Answers are application/graphql-response+json or application/json only.",
        ),
        "http_multipart": (
            "multipart 请求有误：{why}",
            "Malformed multipart request: {why}",
        ),
        "http_query_too_large": (
            "查询文本不能超过 {max} 字节。",
            "The query text may be at most {max} bytes.",
        ),
        "http_apq_version": (
            "只支持第 1 版持久化查询。",
            "Only version 1 of persisted queries is supported.",
        ),
        "http_apq_hash": (
            "persistedQuery.sha256Hash 必须是 64 位十六进制 SHA-256。",
            "persistedQuery.sha256Hash must be a SHA-256 in 64 hex digits.",
        ),
        "http_apq_mismatch": (
            "provided sha does not match query",  # Apollo's words, which its clients know
            "provided sha does not match query",
        ),
        "http_forbidden": ("无权访问。", "Forbidden."),
        "media_link_invalid": (
            "照片链接已过期或无效。",
            "The photo link expired or is not valid: read the issue again for a fresh one.",
        ),
        "media_not_found": ("找不到该照片。", "No such photo."),
    }
)

# What the messages call each part of a request, in both languages.
WHAT = {
    "body": ("请求体", "The request body"),
    "variables": ("`variables`", "`variables`"),
    "extensions": ("`extensions`", "`extensions`"),
    "operations": ("multipart 的 `operations`", "The multipart `operations`"),
    "map": ("multipart 的 `map`", "The multipart `map`"),
}


class RequestError(Exception):
    """A request refused at the edge: HTTP `status`, `extensions.code`, a message key."""

    def __init__(
        self,
        status: int,
        code: str,
        key: str,
        params: Mapping[str, object] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        message: str | None = None,
    ) -> None:
        super().__init__(key)
        self.status, self.code, self.key = status, code, key
        self.params = dict(params or {})
        self.headers = dict(headers or {})
        self.fixed_message = message

    def message(self, lang: str) -> str:
        if self.fixed_message is not None:
            return self.fixed_message
        return translate(self.key, lang, **self.params)

    def body(self, lang: str) -> dict[str, Any]:
        error = {"message": self.message(lang), "extensions": {"code": self.code}}
        return {"errors": [error]}

    def response(self, lang: str, media_type: str = JSON) -> Response:
        return json_response(self.body(lang), self.status, media_type, self.headers)


def bad_request(key: str, **params: object) -> RequestError:
    return RequestError(400, "BAD_REQUEST", key, params)


def _what(part: str) -> dict[str, str]:
    zh, en = WHAT[part]
    return {"what": zh, "what_en": en}


# --- answers ---------------------------------------------------------------------------


def encode(body: object) -> bytes:
    """JSON with Chinese as itself. Any lone surrogate that got this far is written as a
    `\\udxxx` escape (valid JSON) rather than failing the response."""
    return json.dumps(body, ensure_ascii=False).encode("utf-8", "backslashreplace")


def json_response(
    body: object,
    status: int = 200,
    media_type: str = JSON,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return Response(encode(body), status, headers=dict(headers or {}), media_type=media_type)


def negotiate(accept: str | None) -> str:
    """The media type to answer in: `application/graphql-response+json` when the client
    accepts it at least as much as `application/json`; `application/json` when it accepts
    that, or says nothing, or accepts anything (`*/*`, as older clients send)."""
    weights: dict[str, float] = {}
    for part in (accept or "").split(","):
        kind, *options = (p.strip() for p in part.split(";"))
        kind = kind.lower()
        if not kind:
            continue
        q = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        weights[kind] = max(weights.get(kind, 0.0), q)
    if not weights:
        return JSON
    response_q = weights.get(GRAPHQL_RESPONSE, 0.0)
    json_q = max(weights.get(JSON, 0.0), weights.get("application/*", 0.0), weights.get("*/*", 0))
    if response_q > 0 and response_q >= json_q:
        return GRAPHQL_RESPONSE
    if json_q > 0:
        return JSON
    raise RequestError(406, "NOT_ACCEPTABLE", "http_not_acceptable")


# --- reading a request -------------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    """What a GraphQL-over-HTTP request asks for, checked for type."""

    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


class BadJson(ValueError):
    """Text that is not JSON this API can use; `str()` says why, in English. `key` is the
    message key of the HTTP refusal."""

    def __init__(self, key: str, why: str) -> None:
        super().__init__(why)
        self.key = key


def load_json(raw: bytes | str) -> Any:
    """JSON as every edge of the API reads it (HTTP bodies and parameters, websocket
    messages): not JSON, not UTF-8, an integer past Python's 4,300 digits, nesting past the
    parser's stack, or a lone surrogate anywhere (valid JSON, but no text: it cannot be
    stored, compared or sent back) is a `BadJson`, never an unexpected error."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BadJson("http_too_deep", "nested too deeply") from None
    except ValueError:  # not JSON, not UTF-8, or an integer past Python's digit limit
        raise BadJson("http_bad_json", "not JSON") from None
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise BadJson("http_bad_unicode", "invalid Unicode (a lone surrogate)") from None
    except RecursionError:
        raise BadJson("http_too_deep", "nested too deeply") from None
    return value


def decode_json(raw: bytes | str, part: str = "body") -> Any:
    try:
        return load_json(raw)
    except BadJson as bad:
        raise bad_request(bad.key, **_what(part)) from None


def params_of(data: object) -> Params:
    """The request object's fields, each of the type the spec says, or a 400."""
    if not isinstance(data, dict):
        raise bad_request("http_not_object")
    query, variables = data.get("query"), data.get("variables")
    operation_name, extensions = data.get("operationName"), data.get("extensions")
    if query is not None and not isinstance(query, str):
        raise bad_request("http_bad_param", name="query", what="字符串", what_en="a string")
    if variables is not None and not isinstance(variables, dict):
        raise bad_request("http_bad_param", name="variables", what="对象", what_en="an object")
    if operation_name is not None and not isinstance(operation_name, str):
        raise bad_request("http_bad_param", name="operationName", what="字符串", what_en="a string")
    if extensions is not None and not isinstance(extensions, dict):
        raise bad_request("http_bad_param", name="extensions", what="对象", what_en="an object")
    return Params(query, variables, operation_name, extensions)


def batch_of(data: object, max_operations: int) -> Params | list[Params]:
    """A request object, or a batch: an array of 1 to `max_operations` request objects
    (0: no batches), each checked as one request is (a malformed one refuses the batch)."""
    if not isinstance(data, list):
        return params_of(data)
    if max_operations <= 0:
        raise bad_request("http_batch")
    if not data:
        raise bad_request("http_batch_size", max=max_operations)
    if len(data) > max_operations:
        raise RequestError(413, "BATCH_TOO_LARGE", "http_batch_size", {"max": max_operations})
    return [params_of(item) for item in data]


def content_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    if value is None:
        return None
    if not value.isdigit() or len(value) > 18:
        raise bad_request("http_bad_length")
    return int(value)


def limit_body(request: Request, limit: int) -> Request:
    """The request with its body cut off at `limit` bytes: refused at once when
    Content-Length says more, and with a 413 as soon as the stream passes it."""
    declared = content_length(request)
    if declared is not None and declared > limit:
        raise RequestError(413, "REQUEST_TOO_LARGE", "http_body_too_large", {"max": limit})
    receive = request.receive
    seen = 0

    async def limited() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise RequestError(413, "REQUEST_TOO_LARGE", "http_body_too_large", {"max": limit})
        return message

    return Request(request.scope, limited)


async def read_params(request: Request, settings: Settings) -> Params | list[Params]:
    """The GraphQL request in a GET's query string, a JSON body (or a batch of them), or a
    multipart upload."""
    if request.method == "GET":
        raw = request.scope.get("query_string", b"")
        if len(raw) > settings.max_body_bytes:
            raise RequestError(
                414, "REQUEST_TOO_LARGE", "http_url_too_long", {"max": settings.max_body_bytes}
            )
        query = request.query_params
        data: dict[str, Any] = {k: query[k] for k in ("query", "operationName") if k in query}
        for name in ("variables", "extensions"):
            if query.get(name):
                data[name] = decode_json(query[name], name)
        return params_of(data)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == JSON:
        body = await limit_body(request, settings.max_body_bytes).body()
        return batch_of(decode_json(body), settings.max_batch_operations)
    if media_type == "multipart/form-data":
        return await multipart_params(limit_body(request, settings.max_multipart_bytes), settings)
    raise RequestError(415, "UNSUPPORTED_MEDIA_TYPE", "http_content_type")


async def multipart_params(request: Request, settings: Settings) -> Params:
    """The GraphQL multipart request spec: `operations` (the request, JSON), `map` (JSON: an
    object from file field names to the variable paths each file goes to), then the files."""
    try:
        # Many more files than photos are allowed here, so too many photos is the mutation's
        # coded error at its field; the byte limit is `limit_body`'s.
        form = await request.form(
            max_files=1000, max_fields=100, max_part_size=settings.max_body_bytes
        )
    except RequestError:
        raise
    except Exception as error:  # starlette's MultiPartException, or HTTPException(400)
        why = getattr(error, "detail", None) or getattr(error, "message", None) or "bad body"
        raise bad_request("http_multipart", why=str(why)[:200]) from None
    operations_field, map_field = form.get("operations"), form.get("map")
    if not isinstance(operations_field, str) or not isinstance(map_field, str):
        raise bad_request("http_multipart", why="`operations` and `map` fields are required")
    operations = decode_json(operations_field, "operations")
    files_map = decode_json(map_field, "map")
    if isinstance(operations, list):
        raise bad_request("http_batch_upload")
    if not isinstance(operations, dict):
        raise bad_request("http_not_object")
    if not isinstance(files_map, dict) or not all(
        isinstance(paths, list) and all(isinstance(p, str) for p in paths)
        for paths in files_map.values()
    ):
        raise bad_request(
            "http_multipart", why='`map` must be an object like {"0": ["variables.photo"]}'
        )
    for name, paths in files_map.items():
        upload = form.get(name)
        if not isinstance(upload, UploadFile):
            raise bad_request("http_multipart", why=f"no file in field {name[:40]!r}")
        for path in paths:
            _put(operations, path, upload)
    return params_of(operations)


def _put(operations: dict, path: str, value: object) -> None:
    """Put a file where `path` ("variables.input.photos.0") says, in place of its null."""
    *steps, last = path.split(".")
    target: Any = operations
    try:
        for step in steps:
            target = target[int(step)] if isinstance(target, list) else target[step]
        if isinstance(target, list):
            index = int(last)
            if not 0 <= index < len(target):
                raise IndexError(index)
            target[index] = value
        elif isinstance(target, dict) and last in target:
            target[last] = value
        else:
            raise KeyError(last)
    except (KeyError, IndexError, ValueError, TypeError):
        raise bad_request(
            "http_multipart", why=f"map path {path[:80]!r} is not a null in operations"
        ) from None


# --- Apollo automatic persisted queries --------------------------------------------------


class PersistedQueries:
    """Apollo's automatic persisted queries: a client sends only the SHA-256 of its query;
    on PERSISTED_QUERY_NOT_FOUND (HTTP 200, so Apollo's link retries) it sends query and
    hash, which is checked and kept, least recently used out past `size`. Per worker."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.queries: OrderedDict[str, str] = OrderedDict()

    def resolve(self, params: Params) -> str | None:
        """The query to run: the one sent, or the one its hash names."""
        persisted = (params.extensions or {}).get("persistedQuery")
        if persisted is None:
            return params.query
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise RequestError(400, "PERSISTED_QUERY_NOT_SUPPORTED", "http_apq_version")
        digest = persisted.get("sha256Hash")
        if (
            not isinstance(digest, str)
            or len(digest) != 64
            or any(c not in "0123456789abcdefABCDEF" for c in digest)
        ):
            raise bad_request("http_apq_hash")
        digest = digest.lower()
        if params.query is None:
            query = self.queries.get(digest)
            if query is None:
                raise RequestError(
                    200,
                    "PERSISTED_QUERY_NOT_FOUND",
                    "persisted_query_not_found",
                    message="PersistedQueryNotFound",  # what Apollo's link looks for
                )
            self.queries.move_to_end(digest)
            return query
        actual = hashlib.sha256(params.query.encode("utf-8", "surrogatepass")).hexdigest()
        if actual != digest:
            raise RequestError(400, "PERSISTED_QUERY_HASH_MISMATCH", "http_apq_mismatch")
        self.queries[digest] = params.query
        self.queries.move_to_end(digest)
        while len(self.queries) > self.size:
            self.queries.popitem(last=False)
        return params.query


# --- origins -----------------------------------------------------------------------------


def normalize_origin(origin: str) -> str:
    """`HTTP://LocalHost:5173/` -> `http://localhost:5173`, as browsers send it; default
    ports dropped. `*` stays `*`."""
    origin = origin.strip()
    if origin == "*":
        return origin
    parts = urlsplit(origin)
    if not parts.scheme or not parts.hostname:
        return origin.rstrip("/").lower()
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(parts.scheme.lower())
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme.lower()}://{host}{port}"


def allowed_origins(settings: Settings) -> list[str]:
    """ALLOWED_ORIGINS as CORS compares them: normalized, `*` for any origin."""
    return [normalize_origin(o) for o in settings.allowed_origins]


def origin_allowed(origin: str | None, host: str | None, allowed: tuple[str, ...]) -> bool:
    """Whether a websocket handshake with this `Origin` may open, by the rule CORS applies
    to HTTP: no Origin (not a browser), the page's own origin (its host is the `Host` it
    connects to), `*` in ALLOWED_ORIGINS, or an origin listed there."""
    if origin is None:
        return True
    normalized = normalize_origin(origin)
    if host and urlsplit(normalized).netloc == host.strip().lower():
        return True
    listed = {normalize_origin(o) for o in allowed}
    return "*" in listed or normalized in listed


# --- /metrics ----------------------------------------------------------------------------


def metrics_allowed(request: Request, token: str | None) -> bool:
    """With METRICS_TOKEN: `Authorization: Bearer <METRICS_TOKEN>`. Without: loopback
    clients only (a scraper on the same machine)."""
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode("latin-1"), token.encode()
        )
    host = request.client.host if request.client else None
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:  # "testclient", a unix socket path
        return False


def guard_metrics(
    endpoint: Callable[[Request], Awaitable[Response]], token: str | None
) -> Callable[[Request], Awaitable[Response]]:
    async def metrics(request: Request) -> Response:
        if not metrics_allowed(request, token):
            headers = {"WWW-Authenticate": "Bearer"} if token else {}
            status = 401 if token else 403
            return RequestError(status, "FORBIDDEN", "http_forbidden", headers=headers).response(
                "en"
            )
        return await endpoint(request)

    return metrics
