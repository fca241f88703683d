"""The websocket endpoint: `graphql-transport-ws` (and, if configured, legacy `graphql-ws`).

Pure ASGI. Every client message is parsed once, by `parse_message`, into a typed message;
anything malformed or unknown closes the socket with 4400. Subscriptions are joined to the
process's hub (grouped, executed once per event); queries and mutations sent over the socket
run through the schema as over HTTP. Every operation meets the validation rules and error
policy of HTTP. Each connection has a bounded outbox, so a client that stops reading is cut
off (close code 4413) instead of growing memory or slowing anyone else; it may reconnect and
resume with `after`. The connection keeps itself alive: a `ping` every WS_PING_INTERVAL, and a
client that sends nothing back within WS_PONG_TIMEOUT is closed with 4413 too, which the
graphql-ws client retries (uvicorn's own keepalive, which it takes over, would close with
1011, which graphql-ws takes as fatal).

Sockets, subscriptions and distinct documents are capped per account and per source (client
address), counted by the `Gate` of this process: with several workers each holds its own
counts, so the caps hold per worker. Documents are grouped on their printed form, so
whitespace and comment variants share one group and count as one document.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import time
import weakref
from collections import Counter, deque
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLFormattedError,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    get_operation_ast,
    print_ast,
)
from graphql.execution import Executor, create_source_event_stream

from core.config import Settings
from core.errors import BadRequest, language, register_messages, translate
from core.http import BadJson, load_json, origin_allowed
from core.identity import ANONYMOUS, Viewer, bearer_token
from core.pagination import decode_cursor
from core.throttle import source_key
from models.base import utcnow
from schema import document_cache
from schema.extensions import log_unexpected, present
from subscriptions.hub import GroupKey, Hub, ReplayTooLong, UnknownCursor
from subscriptions.metrics import CONNECTIONS, SLOW_CLIENTS
from subscriptions.topics import LiveStream

log = logging.getLogger("grassroots.ws")

CLOSE_BAD_MESSAGE = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_SUBPROTOCOL = 4406
CLOSE_INIT_TIMEOUT = 4408
CLOSE_DUPLICATE_ID = 4409
CLOSE_SLOW_CONSUMER = 4413
# No answer to our `ping`: the client stopped reading, or is gone. The same code as a client
# that stopped reading (its backlog is dropped the same way); graphql-ws retries it.
CLOSE_PING_TIMEOUT = CLOSE_SLOW_CONSUMER
CLOSE_TOO_MANY_INITS = 4429
CLOSE_INTERNAL = 4500
# Too many sockets for this account or source: "Try Again Later", which the graphql-ws
# client retries with its backoff (4429 it takes as fatal; it means a second init).
CLOSE_TRY_AGAIN_LATER = 1013
PING = json.dumps({"type": "ping"}, separators=(",", ":"))

register_messages(
    {
        "too_many_account_subscriptions": (
            "每个账号最多同时 {max} 个订阅（所有连接合计）。",
            "At most {max} subscriptions at once per account, over all its connections.",
        ),
        "too_many_documents": (
            "每个账号最多同时使用 {max} 种不同的订阅文档。",
            "At most {max} different subscription documents at once per account.",
        ),
    }
)


# --- what clients send -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectionInit:
    payload: dict[str, Any]  # {} when absent or null


@dataclass(frozen=True, slots=True)
class Ping:
    payload: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Pong:
    payload: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Subscribe:
    """`subscribe` (legacy: `start`): a subscription, query or mutation."""

    id: str
    query: str
    variables: dict[str, Any]  # {} when absent or null
    operation_name: str | None


@dataclass(frozen=True, slots=True)
class Complete:
    """`complete` (legacy: `stop`): the client no longer wants this operation."""

    id: str


@dataclass(frozen=True, slots=True)
class Terminate:
    """Legacy `connection_terminate`."""


ClientMessage = ConnectionInit | Ping | Pong | Subscribe | Complete | Terminate


class BadMessage(Exception):
    """A message the dialect does not allow; the socket closes with 4400 and this reason."""


def _optional_object(value: Any, what: str) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    raise BadMessage(f"{what} must be an object")


def _id(raw: dict) -> str:
    value = raw.get("id")
    if not isinstance(value, str) or not value:
        raise BadMessage(f"{raw['type']}: id must be a non-empty string")
    return value


def _connection_init(raw: dict) -> ConnectionInit:
    return ConnectionInit(_optional_object(raw.get("payload"), "connection_init: payload") or {})


def _ping(raw: dict) -> Ping:
    return Ping(_optional_object(raw.get("payload"), "ping: payload"))


def _pong(raw: dict) -> Pong:
    return Pong(_optional_object(raw.get("payload"), "pong: payload"))


def _subscribe(raw: dict) -> Subscribe:
    kind = raw["type"]
    sub_id = _id(raw)
    payload = raw.get("payload")
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        raise BadMessage(f"{kind}: payload must be an object with a query string")
    variables = _optional_object(payload.get("variables"), f"{kind}: variables") or {}
    _optional_object(payload.get("extensions"), f"{kind}: extensions")
    name = payload.get("operationName")
    if name is not None and not isinstance(name, str):
        raise BadMessage(f"{kind}: operationName must be a string")
    return Subscribe(sub_id, payload["query"], variables, name)


def _complete(raw: dict) -> Complete:
    return Complete(_id(raw))


def _terminate(raw: dict) -> Terminate:
    return Terminate()


@dataclass(frozen=True, eq=False)
class Dialect:
    name: str
    next: str  # the types of what the server sends
    error: str
    complete: str
    parsers: Mapping[str, Callable[[dict], ClientMessage]]  # what a client may send


TRANSPORT_WS = Dialect(
    "graphql-transport-ws",
    "next",
    "error",
    "complete",
    {
        "connection_init": _connection_init,
        "ping": _ping,
        "pong": _pong,
        "subscribe": _subscribe,
        "complete": _complete,
    },
)
LEGACY_WS = Dialect(
    "graphql-ws",
    "data",
    "error",
    "complete",
    {
        "connection_init": _connection_init,
        "start": _subscribe,
        "stop": _complete,
        "connection_terminate": _terminate,
    },
)


def parse_message(text: str, dialect: Dialect) -> ClientMessage:
    """The one place client messages are checked: their JSON, type and shape."""
    try:
        raw = load_json(text)  # as every edge reads JSON: depth, digits, lone surrogates
    except BadJson as bad:
        raise BadMessage(f"Invalid message received: {bad}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        raise BadMessage("Invalid message received: not an object with a string type")
    parser = dialect.parsers.get(raw["type"])
    if parser is None:
        raise BadMessage(f"Unexpected message of type {raw['type'][:40]!r}")
    return parser(raw)


# --- may `send` be stepped by hand? ------------------------------------------------------

# uvicorn's websocket protocols (`ws=` websockets-sansio, websockets, wsproto), as
# (module, class, method). Their `send` is a coroutine that finishes without suspending while
# the transport takes data, and otherwise only waits on asyncio futures (or yields bare).
_STEPPABLE_SENDS = frozenset(
    {
        ("uvicorn.protocols.websockets.websockets_sansio_impl", "WebSocketsSansIOProtocol", "send"),
        ("uvicorn.protocols.websockets.websockets_impl", "WebSocketProtocol", "asgi_send"),
        ("uvicorn.protocols.websockets.wsproto_impl", "WSProtocol", "send"),
    }
)


def steppable(send: Callable) -> bool:
    """Whether `Connection._send_now` may step this ASGI `send` by hand.

    Only the unwrapped `send` method of one of uvicorn's own protocol classes, exactly (not
    a subclass, not patched over, not behind middleware that wraps it): any other `send`
    is awaited by the connection's writer task, as the ASGI contract expects.
    """
    owner = getattr(send, "__self__", None)
    func = getattr(send, "__func__", None)
    if owner is None or func is None:
        return False
    cls = type(owner)
    return (
        (cls.__module__, cls.__qualname__, func.__name__) in _STEPPABLE_SENDS
        and func.__module__ == cls.__module__
        and func.__qualname__ == f"{cls.__qualname__}.{func.__name__}"
        and inspect.iscoroutinefunction(func)
        and getattr(cls, func.__name__, None) is func
    )


def take_over_keepalive(send: Callable) -> bool:
    """Stop uvicorn's own keepalive on this connection, so ours (protocol `ping`s, 4413) is
    the one that closes a silent client: uvicorn's closes it with 1011, which graphql-ws
    takes as fatal, and run by hand (`uvicorn server:app`) it pings every 20 s with a 20 s
    timeout, sooner than ours. Only for uvicorn's own protocols (`steppable`); behind
    anything else its keepalive stays, and server.py gives it a longer timeout than ours.
    Called right after `websocket.accept`, which is when uvicorn starts it."""
    if not steppable(send):
        return False
    protocol = send.__self__  # type: ignore[attr-defined]
    stop = getattr(protocol, "stop_keepalive", None)  # websockets-sansio, wsproto
    if callable(stop):
        stop()
        return True
    # websockets (legacy): its keepalive task starts once the handshake completes, later.
    protocol.ping_interval = None  # then it returns at once
    task = getattr(protocol, "keepalive_ping_task", None)
    if isinstance(task, asyncio.Task):
        task.cancel()
    return True


# --- caps per account and per source -----------------------------------------------------


class Gate:
    """What this process's sockets hold, per account and per source (client address), and
    the caps on it (see the limits table in README.md). Counted in memory, per worker."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sockets_by_source: Counter[str] = Counter()
        self.anonymous_by_source: Counter[str] = Counter()
        self.sockets_by_account: Counter[int] = Counter()
        self.subscriptions_by_account: Counter[int] = Counter()
        # account -> printed document -> its subscriptions (live or starting)
        self.documents_by_account: dict[int, Counter[str]] = {}

    def _drop(self, counter: Counter, key: Any) -> None:
        counter[key] -= 1
        if counter[key] <= 0:
            del counter[key]

    def open_socket(self, source: str) -> bool:
        if self.sockets_by_source[source] >= self.settings.max_sockets_per_source:
            return False
        self.sockets_by_source[source] += 1
        return True

    def close_socket(self, source: str) -> None:
        self._drop(self.sockets_by_source, source)

    def sign_in(self, account: int) -> bool:
        if self.sockets_by_account[account] >= self.settings.max_sockets_per_account:
            return False
        self.sockets_by_account[account] += 1
        return True

    def sign_out(self, account: int) -> None:
        self._drop(self.sockets_by_account, account)

    def stay_anonymous(self, source: str) -> bool:
        if self.anonymous_by_source[source] >= self.settings.max_anonymous_sockets_per_source:
            return False
        self.anonymous_by_source[source] += 1
        return True

    def leave_anonymous(self, source: str) -> None:
        self._drop(self.anonymous_by_source, source)

    def subscribe(self, account: int, document: str) -> str | None:
        """Count a subscription, or the key of the message saying which cap it meets."""
        if self.subscriptions_by_account[account] >= self.settings.max_subscriptions_per_account:
            return "too_many_account_subscriptions"
        documents = self.documents_by_account.setdefault(account, Counter())
        if document not in documents and len(documents) >= self.settings.max_documents_per_account:
            if not documents:
                del self.documents_by_account[account]
            return "too_many_documents"
        documents[document] += 1
        self.subscriptions_by_account[account] += 1
        return None

    def unsubscribe(self, account: int, document: str) -> None:
        self._drop(self.subscriptions_by_account, account)
        documents = self.documents_by_account.get(account)
        if documents is not None:
            self._drop(documents, document)
            if not documents:
                del self.documents_by_account[account]


# --- the endpoint ------------------------------------------------------------------------


class LiveEndpoint:
    """The ASGI app mounted at the websocket route of /graphql."""

    def __init__(self, settings: Settings, hub: Hub, schema, make_context: Callable) -> None:
        self.settings = settings
        self.hub = hub
        self.schema = schema
        self.make_context = make_context
        self.dialects = [TRANSPORT_WS] + ([LEGACY_WS] if settings.legacy_graphql_ws else [])
        spoken = " or ".join(d.name for d in self.dialects)
        self.not_spoken = f"Subprotocol not acceptable: use {spoken}"
        # The rules and limits of HTTP (MAX_QUERY_BYTES, tokens, cost...) bar
        # NoSubscriptionsOverHttp, in a cache of bounded memory of its own.
        self.prepare = document_cache(settings, schema, []).prepare
        # A cached document's printed form: the group key, whatever whitespace or comments
        # the text had. Kept while the document is (the cache drops it, this entry goes).
        self.printed: weakref.WeakKeyDictionary[DocumentNode, str] = weakref.WeakKeyDictionary()
        self.gate = Gate(settings)
        # graphql-transport-ws sockets keep themselves alive (the legacy dialect has no pong).
        self.pings = settings.ws_ping_interval_seconds > 0

    def normalised(self, document: DocumentNode) -> str:
        printed = self.printed.get(document)
        if printed is None:
            printed = self.printed[document] = print_ast(document)
        return printed

    async def __call__(self, scope, receive, send) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        headers = {
            name: value.decode("latin-1")
            for name, value in scope.get("headers", [])
            if name in (b"origin", b"host", b"authorization", b"accept-language")
        }
        # The rule CORS applies to HTTP: no Origin, the page's own, `*`, or a listed one.
        if not origin_allowed(
            headers.get(b"origin"), headers.get(b"host"), self.settings.allowed_origins
        ):
            await send({"type": "websocket.close", "code": 1008})  # handshake refused: 403
            return
        offered = scope.get("subprotocols") or []
        dialect = next((d for d in self.dialects if d.name in offered), None)
        if dialect is None:
            # Accepted, then closed with 4406, so the client learns why: a refused handshake
            # reaches graphql-ws as an anonymous 1006 that it retries. The accept names the
            # client's own first offer, or browsers and `ws` would fail the handshake instead.
            accept = offered[0] if offered else None
            await send({"type": "websocket.accept", "subprotocol": accept})
            await send(
                {"type": "websocket.close", "code": CLOSE_SUBPROTOCOL, "reason": self.not_spoken}
            )
            return
        await send({"type": "websocket.accept", "subprotocol": dialect.name})
        if self.pings and dialect is TRANSPORT_WS:
            take_over_keepalive(send)
        client = scope.get("client")
        source = source_key(client[0] if client else None)
        if not self.gate.open_socket(source):
            # Accepted first, as for 4406, so the client sees the code and the reason.
            reason = "Too many sockets from this address: try again later"
            await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER, "reason": reason})
            return
        try:
            connection = Connection(self, receive, send, dialect)
            connection.source = source
            connection.address = client[0] if client else None
            connection.header_auth = headers.get(b"authorization")
            connection.header_lang = headers.get(b"accept-language")
            await connection.run()
        finally:
            self.gate.close_socket(source)


class Connection:
    """One websocket: its viewer, its subscriptions, and its outbox. Pure ASGI, slotted:
    a county may keep thousands of these open all day."""

    __slots__ = (
        "_closing",
        "_reader",
        "_writer_task",
        "account",
        "acked",
        "address",
        "anonymous",
        "answered",
        "asgi_send",
        "blocked",
        "closed",
        "counted",
        "dialect",
        "direct",
        "disconnected",
        "endpoint",
        "expiry",
        "head_since",
        "header_auth",
        "header_lang",
        "hub",
        "idle_timer",
        "init_timer",
        "keepalive",
        "lang",
        "outbox",
        "outbox_bytes",
        "receive",
        "settings",
        "source",
        "stall_timer",
        "subscriptions",
        "viewer",
    )

    def __init__(self, endpoint: LiveEndpoint, receive, asgi_send, dialect: Dialect) -> None:
        self.endpoint = endpoint
        self.hub = endpoint.hub
        self.settings = endpoint.settings
        self.receive = receive
        self.asgi_send = asgi_send
        self.direct = steppable(asgi_send)  # else every message goes through the writer
        self.dialect = dialect
        self.header_auth: str | None = None
        self.header_lang: str | None = None
        self.viewer: Viewer = ANONYMOUS
        self.lang = "zh"
        self.acked = False
        self.closed = False
        self.disconnected = False
        self.subscriptions: dict[str, Any] = {}  # id -> (group key, Member) or a Task
        self.outbox: deque[tuple[str, int, float]] = deque()  # (text, bytes, when queued)
        self.outbox_bytes = 0
        # When the message being handed to the server now was queued (None: none is).
        self.head_since: float | None = None
        self.stall_timer: asyncio.TimerHandle | None = None
        self.source = "unknown"  # the client address, as `core.throttle.source_key` counts it
        self.address: str | None = None  # the client address itself (Context.source)
        self.keepalive: asyncio.TimerHandle | None = None  # the next ping, or pong deadline
        self.answered = True  # the client sent something since our last ping
        self.account: int | None = None  # counted in the gate's sockets of this account
        self.anonymous = False  # counted in the gate's anonymous sockets of this source
        self.counted: dict[str, str] = {}  # subscription id -> its printed document, counted
        self.idle_timer: asyncio.TimerHandle | None = None
        self._writer_task: asyncio.Task | None = None  # only while something waits
        self._reader: asyncio.Task | None = None
        self.init_timer: asyncio.TimerHandle | None = None
        self.expiry: asyncio.TimerHandle | None = None
        self._closing: asyncio.Task | None = None
        # A send that the paused transport holds up: (the coroutine, what it waits for).
        self.blocked: tuple[Coroutine[Any, Any, None], Any] | None = None

    # --- the outbox (what the hub calls) ---------------------------------------------------

    def send(self, text: str) -> None:
        if self.closed:
            return
        if self._writer_task is None and self.direct:  # nothing waiting: straight out
            self._send_now(text)
            return
        size = len(text.encode())
        if (
            len(self.outbox) >= self.settings.live_outbox_messages
            or self.outbox_bytes + size > self.settings.live_outbox_bytes
        ):
            SLOW_CLIENTS.inc()
            log.info(
                "closing a connection that stopped reading (%d messages waiting)", len(self.outbox)
            )
            self.close_soon(CLOSE_SLOW_CONSUMER, "Too many messages waiting: resume with after")
            return
        self.outbox.append((text, size, time.monotonic()))
        self.outbox_bytes += size
        self._wake_writer()

    def _oldest_wait(self) -> float | None:
        """When the oldest message not yet taken by the server was queued."""
        if self.head_since is not None:
            return self.head_since
        return self.outbox[0][2] if self.outbox else None

    def _check_stall(self) -> None:
        """Cut off (4413) a client whose oldest message has waited LIVE_OUTBOX_SECONDS: it
        stopped reading, and uvicorn's keepalive would soon close it with 1011, which the
        graphql-ws client takes as fatal."""
        self.stall_timer = None
        oldest = self._oldest_wait()
        if self.closed or oldest is None:
            return
        limit = self.settings.live_outbox_seconds
        waited = time.monotonic() - oldest
        if waited >= limit:
            SLOW_CLIENTS.inc()
            log.info("closing a connection that stopped reading (waited %.1f s)", waited)
            self.close_soon(CLOSE_SLOW_CONSUMER, "Messages waited too long: resume with after")
            return
        self.stall_timer = asyncio.get_running_loop().call_later(limit - waited, self._check_stall)

    def _send_now(self, text: str) -> None:
        """Hand one message to uvicorn's `send` without a task switch (see `steppable`).

        With 5,000 subscribers a task wake-up per message would cost more than the send.
        uvicorn's `send` runs to completion at once unless the transport is paused (the
        client is not reading): then the half-done call is parked in `blocked`, the writer
        task finishes it when the transport drains, and later messages wait in the outbox.
        """
        call = self.asgi_send({"type": "websocket.send", "text": text})
        try:
            waiting_for = call.send(None)
        except StopIteration:
            return
        except Exception:
            self._lost()
            return
        self.blocked = (call, waiting_for)
        if self.head_since is None:  # sent straight out, not from the outbox: waits from now
            self.head_since = time.monotonic()
        self._wake_writer()

    async def _finish_blocked(self, call: Coroutine[Any, Any, None], waiting_for: Any) -> None:
        try:
            while True:
                if waiting_for is None:  # a bare `yield` (asyncio.sleep(0))
                    await asyncio.sleep(0)
                else:
                    # Wait *beside* the parked call for what it waits on; awaiting that
                    # future directly from a second coroutine is refused by asyncio.
                    await asyncio.wait((waiting_for,))
                waiting_for = call.send(None)
        except StopIteration:
            pass
        except asyncio.CancelledError:
            # Cut off (4413): unwind the parked call as a cancelled task would be, or the
            # server may find its wait still pending when the close frame goes out.
            if isinstance(waiting_for, asyncio.Future):
                waiting_for.cancel()
            with contextlib.suppress(BaseException):
                call.throw(asyncio.CancelledError())
            raise
        except Exception:
            self._lost()
        finally:
            self.blocked = None
            call.close()

    async def _send_awaited(self, text: str) -> None:
        """The ASGI contract's way, for any server `steppable` does not know."""
        try:
            await self.asgi_send({"type": "websocket.send", "text": text})
        except Exception:
            self._lost()

    def _lost(self) -> None:
        """The client went away in the middle of a send: nothing more can reach it."""
        self.disconnected = True
        self.outbox.clear()
        self.outbox_bytes = 0
        self.close_soon(1006, "connection lost")

    async def _drain(self) -> None:
        """The writer: finishes the parked send, then sends what waited, in order."""
        try:
            while True:
                if self.blocked is not None:
                    await self._finish_blocked(*self.blocked)
                self.head_since = None
                if not self.outbox or self.disconnected:
                    return
                text, size, self.head_since = self.outbox.popleft()
                self.outbox_bytes -= size
                if self.direct:
                    self._send_now(text)
                else:
                    await self._send_awaited(text)
        finally:
            self._writer_task = None
            self.head_since = None

    def _wake_writer(self) -> None:
        """A writer task exists only while messages wait: most sockets never need one."""
        if self._writer_task is None:
            self._writer_task = asyncio.create_task(self._drain())
        if self.stall_timer is None and self.settings.live_outbox_seconds > 0:
            self.stall_timer = asyncio.get_running_loop().call_later(
                self.settings.live_outbox_seconds, self._check_stall
            )

    def send_json(self, message: dict) -> None:
        self.send(json.dumps(message, ensure_ascii=False, separators=(",", ":")))

    def end_session(self, key: str) -> None:
        """The session ended (token expired or revoked, roles changed): every stream ends with
        an error, then the socket closes."""
        if self.closed:
            return
        error = {"message": translate(key, self.lang), "extensions": {"code": "UNAUTHENTICATED"}}
        for sub_id in list(self.subscriptions):
            self.send_json({"id": sub_id, "type": self.dialect.error, "payload": [error]})
            self._forget(sub_id)
        self.close_soon(CLOSE_FORBIDDEN, "Forbidden: " + key.replace("_", " "))

    def close_soon(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        self._forget_all()
        if code == CLOSE_SLOW_CONSUMER:  # what it did not read is dropped now, not later
            self.outbox.clear()
            self.outbox_bytes = 0
        reason = reason.encode()[:123].decode(errors="ignore")  # a close frame's limit
        self._closing = asyncio.create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        writer = self._writer_task
        if code == CLOSE_SLOW_CONSUMER and writer is not None:
            writer.cancel()  # the message it holds goes too: the client resumes with `after`
            await asyncio.gather(writer, return_exceptions=True)
        # Whatever waits goes out first, in order (a resuming client must find no hole),
        # then the close frame. A client that stopped reading gets 30 s to take them.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._finish_then_close(code, reason), timeout=30)
        if self._reader is not None:
            self._reader.cancel()  # still waiting for a message that will never come

    async def _finish_then_close(self, code: int, reason: str) -> None:
        while self._writer_task is not None:
            with contextlib.suppress(Exception):
                await self._writer_task
        if not self.disconnected:
            await self.asgi_send({"type": "websocket.close", "code": code, "reason": reason})

    # --- keepalive ---------------------------------------------------------------------------

    def _schedule_ping(self, delay: float) -> None:
        self.keepalive = asyncio.get_running_loop().call_later(delay, self._ping)

    def _ping(self) -> None:
        """A protocol `ping`, WS_PING_INTERVAL after the last one was answered; every
        graphql-transport-ws client answers `pong` by itself (graphql-ws, and so Apollo's
        and urql's links; gql)."""
        self.keepalive = None
        if self.closed:
            return
        if not self.acked:
            # Nothing before `connection_ack` (clients expect it first); until then the
            # connection-init timeout (4408) watches the socket.
            self._schedule_ping(self.settings.ws_ping_interval_seconds)
            return
        self.answered = False
        self.send(PING)
        self.keepalive = asyncio.get_running_loop().call_later(
            self.settings.ws_pong_timeout_seconds, self._pong_due
        )

    def _heard(self) -> None:
        """The first message since our ping (a `pong`, or anything else): the client is
        there and reading. The next ping WS_PING_INTERVAL from now."""
        self.answered = True
        if self.keepalive is not None and not self.closed:  # the pong deadline
            self.keepalive.cancel()
            self._schedule_ping(self.settings.ws_ping_interval_seconds)

    def _pong_due(self) -> None:
        """Nothing came back within WS_PONG_TIMEOUT: the client is gone, frozen, or stopped
        reading (then the ping itself may still wait to be sent). 4413, which graphql-ws
        retries; a client that reads again finds it after what was sent before."""
        self.keepalive = None
        if self.closed or self.answered:
            return
        SLOW_CLIENTS.inc()  # stopped reading, or gone: counted with those cut off
        log.info("closing a connection that answered no ping")
        timeout = f"{self.settings.ws_pong_timeout_seconds:g}"
        self.close_soon(CLOSE_PING_TIMEOUT, f"Ping timeout: no pong within {timeout} s")

    # --- the connection's life --------------------------------------------------------------

    async def run(self) -> None:
        CONNECTIONS.inc()
        self.hub.outboxes.add(self)
        self._reader = asyncio.current_task()
        if self.endpoint.pings and self.dialect is TRANSPORT_WS:
            self._schedule_ping(self.settings.ws_ping_interval_seconds)
        try:
            await self._read()
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("websocket connection failed")
            self.close_soon(CLOSE_INTERNAL, "Internal server error")
        finally:
            self._reader = None  # done reading: nothing for `_close` to interrupt
            if self._closing is None:
                self.closed = True
                self._forget_all()
                self._closing = asyncio.create_task(self._close(1000, ""))
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._closing)
            for timer in (self.expiry, self.stall_timer, self.idle_timer, self.keepalive):
                if timer is not None:
                    timer.cancel()
            gate = self.endpoint.gate
            if self.account is not None:
                gate.sign_out(self.account)
            if self.anonymous:
                gate.leave_anonymous(self.source)
            self.hub.outboxes.discard(self)
            CONNECTIONS.dec()

    async def _read(self) -> None:
        self.init_timer = asyncio.get_running_loop().call_later(
            self.settings.connection_init_timeout_seconds,
            self.close_soon,
            CLOSE_INIT_TIMEOUT,
            "Connection initialisation timeout",
        )
        try:
            while not self.closed:
                text = await self._next_text()
                if text is None:
                    return
                try:
                    message = parse_message(text, self.dialect)
                except BadMessage as bad:
                    self.close_soon(CLOSE_BAD_MESSAGE, str(bad))
                    return
                await self._handle(message)
                if self._writer_task is not None and not self.direct:
                    # Let the writer hand the replies over before reading on: a burst of
                    # pings must not look like a client that stopped reading.
                    await asyncio.sleep(0)
        finally:
            self._stop_init_timer()

    def _stop_init_timer(self) -> None:
        if self.init_timer is not None:
            self.init_timer.cancel()
            self.init_timer = None

    async def _next_text(self) -> str | None:
        message = await self.receive()
        if not self.answered:  # waiting for an answer to our ping: this is one
            self._heard()
        if message["type"] == "websocket.disconnect":
            self.disconnected = True
            return None
        text = message.get("text")
        if text is None:
            self.close_soon(CLOSE_BAD_MESSAGE, "Messages must be text")
        return text

    async def _handle(self, message: ClientMessage) -> None:
        match message:
            case ConnectionInit(payload=payload):
                # It arrived in time: checking its token may take longer without a 4408.
                self._stop_init_timer()
                await self._init(payload)
            case Ping(payload=None):
                self.send_json({"type": "pong"})
            case Ping(payload=payload):
                self.send_json({"type": "pong", "payload": payload})
            case Pong():
                pass
            case Terminate():
                self.close_soon(1000, "terminated")
            case _ if not self.acked:
                self.close_soon(CLOSE_UNAUTHORIZED, "Unauthorized")
            case Subscribe():
                self._subscribe(message)
            case Complete(id=sub_id):
                self._forget(sub_id)

    async def _init(self, payload: dict[str, Any]) -> None:
        if self.acked:
            self.close_soon(CLOSE_TOO_MANY_INITS, "Too many initialisation requests")
            return
        header = payload.get("authorization") or payload.get("Authorization") or self.header_auth
        lang = payload.get("acceptLanguage") or self.header_lang
        self.lang = language(lang if isinstance(lang, str) else None)
        token = bearer_token(header) if isinstance(header, str) else None
        viewer = await self.hub.viewer(token)
        if viewer is None:
            self.close_soon(CLOSE_FORBIDDEN, "Forbidden: unknown, expired or revoked token")
            return
        if self.closed:
            return
        gate = self.endpoint.gate
        if viewer.id is not None:
            if not gate.sign_in(viewer.id):
                reason = "Too many sockets for this account: try again later"
                self.close_soon(CLOSE_TRY_AGAIN_LATER, reason)
                return
            self.account = viewer.id
        else:
            # Anonymous: queries and mutations only (every subscription needs a sign-in),
            # so few sockets per source, each closed once idle.
            if not gate.stay_anonymous(self.source):
                reason = "Too many anonymous sockets from this address: sign in or try later"
                self.close_soon(CLOSE_TRY_AGAIN_LATER, reason)
                return
            self.anonymous = True
            self._arm_idle()
        self.viewer = viewer
        if viewer.token_expires_at is not None:
            delay = (viewer.token_expires_at - utcnow()).total_seconds()
            self.expiry = asyncio.get_running_loop().call_later(
                max(delay, 0), self.end_session, "token_expired"
            )
        self.acked = True
        self.send_json({"type": "connection_ack"})

    def _arm_idle(self) -> None:
        """An anonymous socket with nothing running is closed (1000) after
        CONNECTION_INIT_TIMEOUT: lazy clients reconnect when they need to."""
        if self.idle_timer is None and not self.closed:
            self.idle_timer = asyncio.get_running_loop().call_later(
                self.settings.connection_init_timeout_seconds, self._idle
            )

    def _idle(self) -> None:
        self.idle_timer = None
        if not self.subscriptions:
            self.close_soon(1000, "Idle anonymous connection")

    def _subscribe(self, message: Subscribe) -> None:
        if self.idle_timer is not None:
            self.idle_timer.cancel()
            self.idle_timer = None
        if message.id in self.subscriptions:
            self.close_soon(CLOSE_DUPLICATE_ID, f"Subscriber for {message.id} already exists")
            return
        if len(self.subscriptions) >= self.settings.max_subscriptions_per_connection:
            self._error(
                message.id,
                [
                    {
                        "message": translate(
                            "too_many_subscriptions",
                            self.lang,
                            max=self.settings.max_subscriptions_per_connection,
                        ),
                        "extensions": {"code": "RATE_LIMITED"},
                    }
                ],
            )
            return
        # Started as a task, so the socket keeps answering pings, completes and disconnects
        # while a subscription checks jurisdiction or replays what was missed.
        self.subscriptions[message.id] = asyncio.create_task(self._start(message))

    async def _start(self, message: Subscribe) -> None:
        try:
            await self._start_operation(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("starting operation %s failed", message.id)
            self._error(
                message.id, [{"message": "Unexpected error.", "extensions": {"code": "INTERNAL"}}]
            )
        finally:
            # Still this task's: the operation ended (an error, or a query's `complete`)
            # rather than joining a live group.
            if self.subscriptions.get(message.id) is asyncio.current_task():
                del self.subscriptions[message.id]
                self._uncount(message.id)
                if self.anonymous and not self.subscriptions:
                    self._arm_idle()

    async def _start_operation(self, message: Subscribe) -> None:
        sub_id, variables, operation_name = message.id, message.variables, message.operation_name
        prepared = self.endpoint.prepare(message.query)
        if isinstance(prepared, list):
            self._error(sub_id, self._formatted(prepared))
            return
        operation = get_operation_ast(prepared, operation_name)
        if operation is None:  # an unknown or ambiguous name, in graphql-core's words
            schema = self.endpoint.schema._schema
            errors = Executor.build(schema, prepared, None, None, variables, operation_name)
            self._error(sub_id, self._formatted(errors if isinstance(errors, list) else []))
            return
        if operation.operation != OperationType.SUBSCRIPTION:
            await self._execute(message)
            return
        known, after_variable, after = resume_argument(operation, variables)
        document = self.endpoint.normalised(prepared)
        if self.viewer.id is not None:  # (anonymous subscriptions end with UNAUTHENTICATED)
            refused = self.endpoint.gate.subscribe(self.viewer.id, document)
            if refused is not None:
                limit = {
                    "too_many_account_subscriptions": self.settings.max_subscriptions_per_account,
                    "too_many_documents": self.settings.max_documents_per_account,
                }[refused]
                words = translate(refused, self.lang, max=limit)
                self._error(sub_id, [{"message": words, "extensions": {"code": "RATE_LIMITED"}}])
                return
            self.counted[sub_id] = document
        key = GroupKey(
            document=document,
            operation=operation_name,
            variables=json.dumps(
                {k: v for k, v in variables.items() if k != after_variable},
                sort_keys=True,
                ensure_ascii=False,
            ),
            viewer_id=self.viewer.id,
            grants=tuple(self.viewer.grants),
            lang=self.lang,
        )
        group = self.hub.groups.get(key) if known else None
        if group is not None:
            # The same document, arguments and viewer as a running group: the resolver
            # would decide the same, so only the resume cursor is new.
            try:
                cursor = None if after is None else decode_cursor(str(after))
            except BadRequest as error:
                self._error(
                    sub_id, self._formatted([GraphQLError(str(error), original_error=error)])
                )
                return
            stream, executor = LiveStream(group.spec, cursor), group.executor
        else:
            viewer, lang = self.viewer, self.lang
            context = self.endpoint.make_context(viewer, lang)
            built = Executor.build(
                self.endpoint.schema._schema, prepared, None, context, variables, operation_name
            )
            if isinstance(built, list):
                self._error(sub_id, self._formatted(built))
                return
            source = create_source_event_stream(built)
            if inspect.isawaitable(source):
                source = await source
            if isinstance(source, ExecutionResult):
                self._error(sub_id, self._formatted(source.errors or []))
                return
            assert isinstance(source, LiveStream), source
            stream, executor = source, built
        viewer, lang, endpoint = self.viewer, self.lang, self.endpoint

        def make_context():
            return endpoint.make_context(viewer, lang)

        try:
            member = await self.hub.join(
                self, sub_id, self.dialect.next, stream, key, executor, make_context
            )
        except UnknownCursor:
            self._error(
                sub_id,
                [
                    {
                        "message": translate("bad_cursor", self.lang),
                        "extensions": {"code": "VALIDATION", "field": "after"},
                    }
                ],
            )
            return
        except ReplayTooLong:
            self._error(
                sub_id,
                [
                    {
                        "message": translate("replay_too_long", self.lang),
                        "extensions": {"code": "CURSOR_TOO_OLD"},
                    }
                ],
            )
            return
        self.subscriptions[sub_id] = (key, member)

    async def _execute(self, message: Subscribe) -> None:
        """A query or mutation over the socket: one `next`, then `complete`. The schema's own
        extensions apply, as over HTTP: limits, and the error policy in the socket's language.
        Its context has the client's address, as over HTTP: sign-in throttles count per
        source on either transport."""
        context = self.endpoint.make_context(self.viewer, self.lang)
        context.source = self.address
        result = await self.endpoint.schema.execute(
            message.query,
            variable_values=message.variables,
            context_value=context,
            operation_name=message.operation_name,
        )
        body = {"data": result.data}
        if result.errors:
            body["errors"] = [e.formatted for e in result.errors]
        self.send_json({"id": message.id, "type": self.dialect.next, "payload": body})
        self.send_json({"id": message.id, "type": self.dialect.complete})

    def _formatted(self, errors: list[GraphQLError]) -> list[GraphQLFormattedError]:
        """The HTTP error policy (schema.extensions.ErrorPolicy) for errors the socket meets
        before execution: logged if unexpected, worded in the socket's language, masked in
        production."""
        log_unexpected(errors)
        return [present(e, self.lang, self.settings.production).formatted for e in errors]

    def _error(self, sub_id: str, errors: Sequence[Mapping[str, Any]]) -> None:
        self.send_json({"id": sub_id, "type": self.dialect.error, "payload": errors})

    def _forget(self, sub_id: str) -> None:
        entry = self.subscriptions.pop(sub_id, None)
        if entry is not None:
            self._uncount(sub_id)
        if isinstance(entry, tuple):  # (group key, member): joined
            self.hub.leave(*entry)
        elif isinstance(entry, asyncio.Task):
            entry.cancel()

    def _uncount(self, sub_id: str) -> None:
        document = self.counted.pop(sub_id, None)
        if document is not None and self.viewer.id is not None:
            self.endpoint.gate.unsubscribe(self.viewer.id, document)

    def _forget_all(self) -> None:
        for sub_id in list(self.subscriptions):
            self._forget(sub_id)


def resume_argument(
    operation: OperationDefinitionNode, variables: dict
) -> tuple[bool, str | None, Any]:
    """The root field's `after` argument as `(known, variable, value)`.

    The variable that carries it is left out of the group key, so dashboards resuming from
    different events still share one group. `known` is False when the cursor cannot be read
    off the document (a fragment at the root, a variable left to its default): then the
    subscription takes the resolver's path, never the shortcut.
    """
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return False, None, None
    for argument in selections[0].arguments or ():
        if argument.name.value == "after":
            if isinstance(argument.value, VariableNode):
                name = argument.value.name.value
                if name not in variables:
                    return False, None, None
                return True, name, variables[name]
            return True, None, getattr(argument.value, "value", None)
    return True, None, None
