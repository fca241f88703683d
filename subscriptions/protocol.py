"""The websocket endpoint: `graphql-transport-ws` (and, if configured, legacy `graphql-ws`).

Pure ASGI. Subscriptions are joined to the process's hub
(grouped, executed once per event); queries and mutations sent over the socket run through
the schema as over HTTP. Each connection has a bounded outbox drained by its own writer
task, so a client that stops reading is cut off (close code 4413) instead of growing memory
or slowing anyone else; it may reconnect and resume with `after`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.execution import Executor, create_source_event_stream

from core.config import Settings
from core.errors import BadRequest, language, translate
from core.identity import ANONYMOUS, Viewer, bearer_token
from core.pagination import decode_cursor
from models.base import utcnow
from schema import limit_rules
from schema.extensions import present
from subscriptions.hub import Hub, LiveStream, ReplayTooLong, UnknownCursor
from subscriptions.metrics import CONNECTIONS, SLOW_CLIENTS

log = logging.getLogger("grassroots.ws")

CLOSE_BAD_MESSAGE = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_INIT_TIMEOUT = 4408
CLOSE_DUPLICATE_ID = 4409
CLOSE_SLOW_CONSUMER = 4413
CLOSE_TOO_MANY_INITS = 4429
CLOSE_INTERNAL = 4500


@dataclass(frozen=True)
class Dialect:
    name: str
    subscribe: str
    stop: str
    next: str
    error: str
    complete: str


TRANSPORT_WS = Dialect("graphql-transport-ws", "subscribe", "complete", "next", "error", "complete")
LEGACY_WS = Dialect("graphql-ws", "start", "stop", "data", "error", "complete")


class LiveEndpoint:
    """The ASGI app mounted at the websocket route of /graphql."""

    def __init__(self, settings: Settings, hub: Hub, schema, make_context: Callable) -> None:
        self.settings = settings
        self.hub = hub
        self.schema = schema
        self.make_context = make_context
        self.dialects = [TRANSPORT_WS] + ([LEGACY_WS] if settings.legacy_graphql_ws else [])
        rules = [*specified_rules, *limit_rules(settings)]
        max_tokens = settings.max_query_tokens

        @lru_cache(maxsize=512)
        def prepare(query: str) -> DocumentNode | list[GraphQLError]:
            try:
                document = parse(query, max_tokens=max_tokens)
            except GraphQLError as error:
                return [error]
            return validate(schema._schema, document, rules) or document

        self.prepare = prepare

    async def __call__(self, scope, receive, send) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        headers = {
            name: value.decode("latin-1")
            for name, value in scope.get("headers", [])
            if name in (b"origin", b"authorization", b"accept-language")
        }
        offered = scope.get("subprotocols", [])
        dialect = next((d for d in self.dialects if d.name in offered), None)
        origin = headers.get(b"origin")
        allowed = self.settings.allowed_origins
        if dialect is None or (origin and allowed and origin not in allowed):
            await send({"type": "websocket.close", "code": 1008 if dialect else 4406})
            return
        await send({"type": "websocket.accept", "subprotocol": dialect.name})
        connection = Connection(self, receive, send, dialect)
        connection.header_auth = headers.get(b"authorization")
        connection.header_lang = headers.get(b"accept-language")
        await connection.run()


class Connection:
    """One websocket: its viewer, its subscriptions, and its outbox. Pure ASGI, slotted:
    a county may keep thousands of these open all day."""

    __slots__ = (
        "_closing",
        "_reader",
        "_writer_task",
        "acked",
        "asgi_send",
        "blocked",
        "closed",
        "dialect",
        "disconnected",
        "endpoint",
        "expiry",
        "header_auth",
        "header_lang",
        "hub",
        "lang",
        "outbox",
        "outbox_bytes",
        "receive",
        "settings",
        "subscriptions",
        "viewer",
    )

    def __init__(self, endpoint: LiveEndpoint, receive, asgi_send, dialect: Dialect) -> None:
        self.endpoint = endpoint
        self.hub = endpoint.hub
        self.settings = endpoint.settings
        self.receive = receive
        self.asgi_send = asgi_send
        self.dialect = dialect
        self.header_auth: str | None = None
        self.header_lang: str | None = None
        self.viewer: Viewer = ANONYMOUS
        self.lang = "zh"
        self.acked = False
        self.closed = False
        self.disconnected = False
        self.subscriptions: dict[str, Any] = {}  # id -> (group key, Member) or a Task
        self.outbox: deque[tuple[str, int]] = deque()  # (text, size in bytes)
        self.outbox_bytes = 0
        self._writer_task: asyncio.Task | None = None  # only while something waits
        self._reader: asyncio.Task | None = None
        self.expiry: asyncio.TimerHandle | None = None
        self._closing: asyncio.Task | None = None
        self.blocked: tuple | None = None  # a send that the paused transport holds up

    # --- the outbox (what the hub calls) ---------------------------------------------------

    def send(self, text: str) -> None:
        if self.closed:
            return
        if self._writer_task is None:  # nothing waiting: straight to the socket
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
        self.outbox.append((text, size))
        self.outbox_bytes += size

    def _send_now(self, text: str) -> None:
        """Hand one message to the server's ASGI `send` without a task switch.

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
        self._wake_writer()

    async def _finish_blocked(self) -> None:
        call, waiting_for = self.blocked
        try:
            while True:
                if waiting_for is None:  # a bare `yield` (not uvicorn's way, but allowed)
                    await asyncio.sleep(0)
                else:
                    # Wait *beside* the parked call for what it waits on; awaiting that
                    # future directly from a second coroutine is refused by asyncio.
                    await asyncio.wait((waiting_for,))
                waiting_for = call.send(None)
        except StopIteration:
            pass
        except Exception:
            self._lost()
        finally:
            self.blocked = None
            call.close()

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
                    await self._finish_blocked()
                if not self.outbox or self.disconnected:
                    return
                text, size = self.outbox.popleft()
                self.outbox_bytes -= size
                self._send_now(text)
        finally:
            self._writer_task = None

    def _wake_writer(self) -> None:
        """A writer task exists only while messages wait: most sockets never need one."""
        if self._writer_task is None:
            self._writer_task = asyncio.create_task(self._drain())

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

    # --- the connection's life --------------------------------------------------------------

    async def run(self) -> None:
        CONNECTIONS.inc()
        self.hub.outboxes.add(self)
        self._reader = asyncio.current_task()
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
            if self.expiry:
                self.expiry.cancel()
            self.hub.outboxes.discard(self)
            CONNECTIONS.dec()

    async def _read(self) -> None:
        timer = asyncio.get_running_loop().call_later(
            self.settings.connection_init_timeout_seconds, self._init_timed_out
        )
        try:
            while not self.closed:
                message = await self._next_message()
                if message is None:
                    return
                await self._handle(message)
        finally:
            timer.cancel()

    def _init_timed_out(self) -> None:
        if not self.acked:
            self.close_soon(CLOSE_INIT_TIMEOUT, "Connection initialisation timeout")

    async def _next_message(self) -> dict | None:
        while True:
            message = await self.receive()
            if message["type"] == "websocket.disconnect":
                self.disconnected = True
                return None
            text = message.get("text")
            if text is None:
                self.close_soon(CLOSE_BAD_MESSAGE, "Messages must be text")
                return None
            try:
                message = json.loads(text)
                if isinstance(message, dict) and isinstance(message.get("type"), str):
                    return message
            except ValueError:
                pass
            self.close_soon(CLOSE_BAD_MESSAGE, "Invalid message received")
            return None

    async def _handle(self, message: dict) -> None:
        kind = message["type"]
        if kind == "connection_init":
            await self._init(message.get("payload"))
        elif kind == "ping" and self.dialect is TRANSPORT_WS:
            self.send_json({"type": "pong"})
        elif kind == "pong" and self.dialect is TRANSPORT_WS:
            pass
        elif kind == "connection_terminate" and self.dialect is LEGACY_WS:
            self.close_soon(1000, "terminated")
        elif not self.acked:
            self.close_soon(CLOSE_UNAUTHORIZED, "Unauthorized")
        elif kind == self.dialect.subscribe:
            self._subscribe(message)
        elif kind == self.dialect.stop:
            self._forget(str(message.get("id")))
        else:
            self.close_soon(CLOSE_BAD_MESSAGE, f"Unexpected message of type {kind}")

    async def _init(self, payload: Any) -> None:
        if self.acked:
            self.close_soon(CLOSE_TOO_MANY_INITS, "Too many initialisation requests")
            return
        payload = payload if isinstance(payload, dict) else {}
        header = payload.get("authorization") or payload.get("Authorization") or self.header_auth
        lang = payload.get("acceptLanguage") or self.header_lang
        self.lang = language(lang if isinstance(lang, str) else None)
        token = bearer_token(header) if isinstance(header, str) else None
        viewer = await self.hub.viewer(token)
        if viewer is None:
            self.close_soon(CLOSE_FORBIDDEN, "Forbidden: unknown, expired or revoked token")
            return
        self.viewer = viewer
        if viewer.token_expires_at is not None:
            delay = (viewer.token_expires_at - utcnow()).total_seconds()
            self.expiry = asyncio.get_running_loop().call_later(
                max(delay, 0), self.end_session, "token_expired"
            )
        self.acked = True
        self.send_json({"type": "connection_ack"})

    def _subscribe(self, message: dict) -> None:
        sub_id = message.get("id")
        payload = message.get("payload")
        if (
            not isinstance(sub_id, str)
            or not isinstance(payload, dict)
            or not isinstance(payload.get("query"), str)
        ):
            self.close_soon(CLOSE_BAD_MESSAGE, "Invalid subscribe message")
            return
        if sub_id in self.subscriptions:
            self.close_soon(CLOSE_DUPLICATE_ID, f"Subscriber for {sub_id} already exists")
            return
        if len(self.subscriptions) >= self.settings.max_subscriptions_per_connection:
            self._error(
                sub_id,
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
        self.subscriptions[sub_id] = asyncio.create_task(self._start(sub_id, payload))

    async def _start(self, sub_id: str, payload: dict) -> None:
        try:
            await self._start_operation(sub_id, payload)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("starting operation %s failed", sub_id)
            self._error(
                sub_id, [{"message": "Unexpected error.", "extensions": {"code": "INTERNAL"}}]
            )
        finally:
            # Still this task's: the operation ended (an error, or a query's `complete`)
            # rather than joining a live group.
            if self.subscriptions.get(sub_id) is asyncio.current_task():
                del self.subscriptions[sub_id]

    async def _start_operation(self, sub_id: str, payload: dict) -> None:
        variables = payload.get("variables") or {}
        operation_name = payload.get("operationName")
        prepared = self.endpoint.prepare(payload["query"])
        if isinstance(prepared, list):
            self._error(sub_id, [e.formatted for e in prepared])
            return
        operation = get_operation_ast(prepared, operation_name)
        if operation is None:
            self._error(sub_id, [{"message": "Unknown operation."}])
            return
        if operation.operation != OperationType.SUBSCRIPTION:
            await self._execute(sub_id, payload)
            return
        known, after_variable, after = resume_argument(operation, variables)
        key = (
            payload["query"],
            operation_name,
            json.dumps(
                {k: v for k, v in variables.items() if k != after_variable},
                sort_keys=True,
                ensure_ascii=False,
            ),
            self.viewer.id,
            tuple(self.viewer.grants),
            self.lang,
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
            executor = Executor.build(
                self.endpoint.schema._schema, prepared, None, context, variables, operation_name
            )
            if isinstance(executor, list):
                self._error(sub_id, [e.formatted for e in executor])
                return
            stream = create_source_event_stream(executor)
            if asyncio.iscoroutine(stream) or isinstance(stream, asyncio.Future):
                stream = await stream
            if isinstance(stream, ExecutionResult):
                self._error(sub_id, self._formatted(stream.errors or []))
                return
            assert isinstance(stream, LiveStream), stream
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

    async def _execute(self, sub_id: str, payload: dict) -> None:
        """A query or mutation over the socket: one `next`, then `complete`."""
        result = await self.endpoint.schema.execute(
            payload["query"],
            variable_values=payload.get("variables"),
            context_value=self.endpoint.make_context(self.viewer, self.lang),
            operation_name=payload.get("operationName"),
        )
        body = {"data": result.data}
        if result.errors:
            body["errors"] = [e.formatted for e in result.errors]
        self.send_json({"id": sub_id, "type": self.dialect.next, "payload": body})
        self.send_json({"id": sub_id, "type": self.dialect.complete})

    def _formatted(self, errors: list[GraphQLError]) -> list[dict]:
        return [present(e, self.lang, self.settings.production).formatted for e in errors]

    def _error(self, sub_id: str, errors: list[dict]) -> None:
        self.send_json({"id": sub_id, "type": self.dialect.error, "payload": errors})

    def _forget(self, sub_id: str) -> None:
        entry = self.subscriptions.pop(sub_id, None)
        if isinstance(entry, tuple):  # (group key, member): joined
            self.hub.leave(*entry)
        elif isinstance(entry, asyncio.Task):
            entry.cancel()

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
