"""The websocket protocol itself (subscriptions/protocol.py), with real websocket clients:
message shapes and close codes, the init timer, the subprotocol answer, how sends reach the
server, and the HTTP rules and error policy applied to operations sent over the socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from core.errors import translate
from core.ids import MAX_PK, to_global_id
from server import create_app
from subscriptions.protocol import Connection, steppable
from tests.conftest import COUNTY, RESIDENT, VILLAGE, Api, ServerThread
from tests.issue_ops import report
from tests.live_client import STATUS_CHANGED, LiveClient, StalledClient, report_probe
from tests.test_reference_client import HERE, node_client  # noqa: F401 (a fixture)


class Client(LiveClient):
    """A LiveClient that chooses its subprotocols and headers, and sees close reasons."""

    def __init__(
        self,
        base_url: str,
        subprotocols: tuple[str, ...] = ("graphql-transport-ws",),
        headers: dict[str, str] | None = None,
    ) -> None:
        url = base_url.replace("http://", "ws://") + "/graphql"
        self.ws = connect(
            url,
            subprotocols=list(subprotocols) or None,
            additional_headers=headers,
            open_timeout=10,
            max_size=None,
            max_queue=None,  # as LiveClient: never stop reading the socket
        ).__enter__()

    def closed(self, timeout: float = 10) -> tuple[int | None, str]:
        """Wait for the server to close the socket: its close code and reason."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.ws.recv(timeout=max(deadline - time.monotonic(), 0.01))
        except ConnectionClosed as closed:
            return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, "")
        raise AssertionError("the server did not close the socket")

    def acked(self, payload: dict | None = None) -> Client:
        self.send({"type": "connection_init", **({"payload": payload} if payload else {})})
        assert self.recv()["type"] == "connection_ack"
        return self

    def operation(self, sub_id: str, query: str, variables: dict | None = None) -> dict:
        """Send an operation; its first answer (`next` or `error`)."""
        self.subscribe(sub_id, query, variables or {})
        return self.next(sub_id)


def bearer(token: str | None) -> dict:
    return {"authorization": f"Bearer {token}"} if token else {}


def own_server(api: Api, **changes) -> ServerThread:
    return ServerThread(create_app(replace(api.settings, demo_data=False, **changes)))


# --- message shapes and close codes -------------------------------------------------------

SUBSCRIBE = {"id": "s", "type": "subscribe", "payload": {"query": "{ __typename }"}}
BAD_MESSAGES = {
    "not JSON": (False, "{not json"),
    "not an object": (False, "[1, 2]"),
    "no type": (False, {"payload": {}}),
    "a number for type": (False, {"type": 5}),
    "init payload a string": (False, {"type": "connection_init", "payload": "Bearer x"}),
    "init payload a list": (False, {"type": "connection_init", "payload": []}),
    "init payload a number": (False, {"type": "connection_init", "payload": 0}),
    "ping payload a string": (False, {"type": "ping", "payload": "x"}),
    "unknown type": (True, {"type": "hello"}),
    "a server message": (True, {"id": "s", "type": "next", "payload": {}}),
    "a legacy message": (True, {"id": "s", "type": "start", "payload": SUBSCRIBE["payload"]}),
    "subscribe without id": (True, {"type": "subscribe", "payload": SUBSCRIBE["payload"]}),
    "subscribe with an empty id": (True, {**SUBSCRIBE, "id": ""}),
    "subscribe with a number id": (True, {**SUBSCRIBE, "id": 1}),
    "subscribe without payload": (True, {"id": "s", "type": "subscribe"}),
    "subscribe without query": (True, {"id": "s", "type": "subscribe", "payload": {}}),
    "subscribe with a number query": (
        True,
        {"id": "s", "type": "subscribe", "payload": {"query": 1}},
    ),
    "variables a list": (
        True,
        {**SUBSCRIBE, "payload": {"query": "{ __typename }", "variables": [1]}},
    ),
    "operationName a number": (
        True,
        {**SUBSCRIBE, "payload": {"query": "{ __typename }", "operationName": 1}},
    ),
    "complete without id": (True, {"type": "complete"}),
    # JSON that parses badly or not at all into text: nesting past the parser's stack, an
    # integer past Python's digit limit, a lone surrogate (it could not be sent back).
    "nested 5,000 deep": (True, '{"type": "ping", "payload": ' + "[" * 5000 + "]" * 5000 + "}"),
    "a 5,000-digit integer": (True, '{"type": "ping", "payload": {"n": ' + "9" * 5000 + "}}"),
    "a lone surrogate in a variable": (
        True,
        '{"id": "s", "type": "subscribe", "payload": {"query": "{ __typename }", '
        '"variables": {"x": "\\ud800"}}}',
    ),
}


@pytest.mark.parametrize("case", BAD_MESSAGES)
def test_a_malformed_or_unknown_message_closes_with_4400(api: Api, case: str):
    after_ack, message = BAD_MESSAGES[case]
    client = Client(api.server.url)
    if after_ack:
        client.acked()
    client.ws.send(message if isinstance(message, str) else json.dumps(message))
    code, reason = client.closed()
    assert code == 4400, (case, code, reason)
    assert reason, case


def test_binary_frames_close_with_4400(api: Api):
    client = Client(api.server.url)
    client.ws.send(b'{"type": "connection_init"}')
    assert client.closed() == (4400, "Messages must be text")


def test_connection_init_payload_may_be_absent_or_null(api: Api):
    for message in ({"type": "connection_init"}, {"type": "connection_init", "payload": None}):
        client = Client(api.server.url)
        client.send(message)
        assert client.recv() == {"type": "connection_ack"}
        client.close()


def test_a_subscribe_with_null_variables_and_operation_name_is_fine(api: Api):
    client = Client(api.server.url).acked()
    client.send(
        {
            "id": "q",
            "type": "subscribe",
            "payload": {"query": "{ __typename }", "variables": None, "operationName": None},
        }
    )
    assert client.next("q")["payload"] == {"data": {"__typename": "Query"}}
    client.close()


def test_subscribe_before_the_ack_closes_with_4401(api: Api):
    client = Client(api.server.url)
    client.send(SUBSCRIBE)
    assert client.closed() == (4401, "Unauthorized")


def test_a_second_connection_init_closes_with_4429(api: Api):
    client = Client(api.server.url).acked()
    client.send({"type": "connection_init"})
    assert client.closed()[0] == 4429


def test_a_duplicate_subscription_id_closes_with_4409(api: Api):
    client = Client(api.server.url).acked(bearer(api.token(COUNTY)))
    client.subscribe("s1", STATUS_CHANGED, {"region": api.region_of(COUNTY)})
    client.subscribe("s1", STATUS_CHANGED, {"region": api.region_of(COUNTY)})
    code, reason = client.closed()
    assert code == 4409 and "s1" in reason


def test_an_operation_id_may_be_reused_once_it_completed(api: Api):
    client = Client(api.server.url).acked()
    for _ in range(2):
        assert client.operation("q", "{ __typename }")["payload"]["data"] == {"__typename": "Query"}
        assert client.next("q") == {"id": "q", "type": "complete"}
    client.close()


def test_ping_is_answered_with_pong_and_pong_is_ignored(api: Api):
    client = Client(api.server.url)
    client.send({"type": "ping"})  # allowed before connection_init
    assert client.recv() == {"type": "pong"}
    client.send({"type": "ping", "payload": {"sent": 12}})
    assert client.recv() == {"type": "pong", "payload": {"sent": 12}}
    client.acked()
    client.send({"type": "pong"})
    client.send({"type": "pong", "payload": {"latency": 3}})
    assert client.nothing_for(0.3)
    client.send({"type": "ping", "payload": None})
    assert client.recv() == {"type": "pong"}  # and the socket is still open
    client.close()


def test_complete_stops_one_subscription_and_not_its_neighbour(api: Api):
    county, village = api.region_of(COUNTY), api.region_of(VILLAGE)
    client = Client(api.server.url).acked(bearer(api.token(COUNTY)))
    try:
        client.subscribe("stopped", STATUS_CHANGED, {"region": county})
        client.subscribe("kept", STATUS_CHANGED, {"region": county})  # the same group
        client.until_live(report_probe(api, RESIDENT, village), "stopped", "kept")
        client.send({"id": "stopped", "type": "complete"})
        client.send({"id": "never-started", "type": "complete"})  # harmless
        client.send({"type": "ping"})  # messages are handled in order: once it is answered,
        assert client.next() == {"type": "pong"}  # the completes were too
        filed = report(api, RESIDENT, village, photos=0)["issue"]["id"]
        while True:  # (other servers' writes to the same database may come first)
            message = client.next(timeout=10)
            assert message["id"] == "kept" and message["type"] == "next", message
            if message["payload"]["data"]["issueStatusChanged"]["issue"]["id"] == filed:
                break
        with contextlib.suppress(TimeoutError):  # and later, nothing for "stopped" either
            while True:
                assert client.next(timeout=0.5)["id"] == "kept"
    finally:
        client.close()


# --- the connection-init timer ------------------------------------------------------------


def test_a_slow_token_check_is_not_an_init_timeout(api: Api, monkeypatch):
    """The 4408 clock stops when `connection_init` arrives, not when the ack goes out."""
    token = api.token(COUNTY)
    with own_server(api, connection_init_timeout_seconds=0.3) as server:
        hub = server.app.state.hub
        looked_up = hub.viewer

        async def slow_viewer(token: str | None):
            await asyncio.sleep(1.0)  # the database is having a bad moment
            return await looked_up(token)

        monkeypatch.setattr(hub, "viewer", slow_viewer)
        client = Client(server.url)
        started = time.monotonic()
        client.send({"type": "connection_init", "payload": bearer(token)})
        assert client.recv(timeout=10) == {"type": "connection_ack"}
        assert time.monotonic() - started >= 0.9
        assert client.operation("q", "{ viewer { displayName } }")["payload"]["data"]["viewer"]
        client.close()

        silent = Client(server.url)
        assert silent.closed() == (4408, "Connection initialisation timeout")


# --- the subprotocol ----------------------------------------------------------------------


@pytest.mark.parametrize("offered", [("graphql-ws",), ("chat", "mqtt"), ()])
def test_a_subprotocol_we_do_not_speak_is_accepted_then_closed_with_4406(api: Api, offered):
    """Legacy `graphql-ws` is off by default. Accepting first is what lets the client see
    4406 and its reason: a refused handshake is only an HTTP 403 to it."""
    client = Client(api.server.url, subprotocols=offered)
    assert client.ws.subprotocol == (offered[0] if offered else None)
    assert client.closed() == (4406, "Subprotocol not acceptable: use graphql-transport-ws")


def test_the_4406_reason_names_the_legacy_dialect_when_it_is_on(api: Api):
    with own_server(api, legacy_graphql_ws=True) as server:
        code, reason = Client(server.url, subprotocols=("chat",)).closed()
        assert code == 4406 and reason.endswith("use graphql-transport-ws or graphql-ws")
        legacy = Client(server.url, subprotocols=("graphql-ws",))
        assert legacy.ws.subprotocol == "graphql-ws"
        legacy.send({"type": "connection_init"})
        assert legacy.recv() == {"type": "connection_ack"}
        legacy.send({"type": "ping"})  # not a legacy message
        assert legacy.closed()[0] == 4400


REFERENCE_WRONG_SUBPROTOCOL = """
import { createClient } from "graphql-ws";
import WebSocket from "ws";
const [url] = process.argv.slice(1);
// The reference client, on a socket that offers only the legacy subprotocol.
class Legacy extends WebSocket { constructor(u) { super(u, ["graphql-ws"]); } }
const started = Date.now();
createClient({ url, webSocketImpl: Legacy, lazy: false, onNonLazyError: () => {} }).subscribe(
  { query: "{ __typename }" },
  { next: () => {}, complete: () => process.exit(2),
    error: (e) => {
      console.log(JSON.stringify({ code: e.code, reason: e.reason, ms: Date.now() - started }));
      process.exit(0);
    } },
);
"""


def test_the_reference_client_reports_4406_at_once(api: Api, node_client: Path):  # noqa: F811
    url = api.server.url.replace("http://", "ws://") + "/graphql"
    done = subprocess.run(
        [str(node_client), "--input-type=module", "-e", REFERENCE_WRONG_SUBPROTOCOL, url],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    reported = json.loads(done.stdout.strip().splitlines()[-1])
    assert reported["code"] == 4406
    assert reported["reason"] == "Subprotocol not acceptable: use graphql-transport-ws"
    assert reported["ms"] < 5000  # fatal to graphql-ws: no retries with backoff first


# --- how messages reach the server's `send` -----------------------------------------------


def the_connection(server: ServerThread) -> Connection:
    (connection,) = server.app.state.hub.outboxes
    return connection


def test_steppable_knows_uvicorns_send_and_nothing_else():
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    protocol = WebSocketsSansIOProtocol.__new__(WebSocketsSansIOProtocol)
    assert steppable(protocol.send)

    class Subclass(WebSocketsSansIOProtocol):
        pass

    async def plain_send(message: dict) -> None:
        pass

    class Server:
        async def send(self, message: dict) -> None:
            pass

    patched = WebSocketsSansIOProtocol.__new__(WebSocketsSansIOProtocol)
    patched.send = plain_send
    assert not steppable(Subclass.__new__(Subclass).send)
    assert not steppable(plain_send)
    assert not steppable(Server().send)
    assert not steppable(patched.send)
    assert not steppable(protocol.receive)


def wrapping_send(app):
    """An ASGI middleware that wraps `send` in a plain async function, as many do."""

    async def wrapped(scope, receive, send):
        async def passed_on(message: dict) -> None:
            await send(message)

        await app(scope, receive, passed_on if scope["type"] == "websocket" else send)

    wrapped.state = app.state
    return wrapped


class Flood(StalledClient):
    """A raw client that sends `messages` from a thread and reads nothing until asked for
    the close code (see StalledClient)."""

    def __init__(self, port: int, messages: list[dict]) -> None:
        self._open(port)
        for message in messages:
            self.protocol.send_text(json.dumps(message).encode())
        data = b"".join(self.protocol.data_to_send())
        # Sent from a thread: once the server stops reading, so would this one.
        threading.Thread(target=self._send_all, args=(data,), daemon=True).start()

    def _send_all(self, data: bytes) -> None:
        with contextlib.suppress(OSError):  # the server closed it
            self.sock.sendall(data)


@pytest.mark.parametrize(
    ("implementation", "wrapped"),
    [
        ("websockets-sansio", False),  # as server.py runs it
        ("websockets", False),
        ("wsproto", False),
        ("websockets-sansio", True),  # behind middleware: awaited by the writer task
    ],
)
def test_either_way_sends_keep_their_order_and_a_stalled_client_gets_4413(
    api: Api, implementation: str, wrapped: bool
):
    if implementation == "wsproto":
        pytest.importorskip("wsproto")
    app = create_app(
        replace(api.settings, demo_data=False, live_outbox_messages=5, live_outbox_bytes=2**20)
    )
    server = ServerThread(wrapping_send(app) if wrapped else app)
    server.server.config.ws = implementation
    with server:
        client = Client(server.url).acked()
        assert the_connection(server).direct is not wrapped
        for n in range(200):
            client.send({"type": "ping", "payload": {"n": n}})
        assert [client.recv()["payload"]["n"] for _ in range(200)] == list(range(200))
        assert client.operation("q", "{ __typename }")["payload"]["data"]
        client.close()

        big = "x" * 2**18
        stalled = Flood(
            server.port,
            [{"type": "connection_init"}]
            + [{"type": "ping", "payload": {"n": n, "pad": big}} for n in range(64)],
        )
        time.sleep(1)  # ~16 MB of pongs the client does not read
        assert stalled.close_code(timeout=40) == 4413
        stalled.sock.close()


def test_a_plain_send_is_awaited_by_the_writer_task_without_uvicorn(api: Api):
    """Driven directly as an ASGI app: every `websocket.send` is awaited, in order, by the
    connection's writer task, and the outbox bound still holds."""
    app = create_app(replace(api.settings, demo_data=False, live_outbox_messages=3))
    endpoint, hub = app.live, app.state.hub

    async def scenario() -> None:
        inbox: asyncio.Queue = asyncio.Queue()
        sent: list[tuple[dict, str]] = []
        flowing = asyncio.Event()
        flowing.set()

        async def receive() -> dict:
            return await inbox.get()

        async def send(message: dict) -> None:
            await flowing.wait()  # a client that stops reading, when cleared
            sent.append((message, asyncio.current_task().get_coro().__qualname__))

        def text(message: dict) -> dict:
            return {"type": "websocket.receive", "text": json.dumps(message)}

        async def until(count: int) -> None:
            while len(sent) < count:
                await asyncio.sleep(0.01)

        scope = {"type": "websocket", "path": "/graphql", "headers": []}
        scope["subprotocols"] = ["graphql-transport-ws"]
        for message in (
            {"type": "websocket.connect"},
            text({"type": "connection_init"}),
            text({"type": "ping", "payload": {"n": 1}}),
            text({"type": "ping", "payload": {"n": 2}}),
            text({"id": "q", "type": "subscribe", "payload": {"query": "{ __typename }"}}),
        ):
            inbox.put_nowait(message)
        running = asyncio.create_task(endpoint(scope, receive, send))
        await asyncio.wait_for(until(6), 10)
        (connection,) = hub.outboxes
        assert connection.direct is False
        accept, *frames = sent
        assert accept[0] == {"type": "websocket.accept", "subprotocol": "graphql-transport-ws"}
        assert [json.loads(m["text"]) for m, _ in frames] == [
            {"type": "connection_ack"},
            {"type": "pong", "payload": {"n": 1}},
            {"type": "pong", "payload": {"n": 2}},
            {"id": "q", "type": "next", "payload": {"data": {"__typename": "Query"}}},
            {"id": "q", "type": "complete"},
        ]
        assert {task for _, task in frames} == {"Connection._drain"}

        flowing.clear()
        for n in range(3, 10):
            inbox.put_nowait(text({"type": "ping", "payload": {"n": n}}))
        await asyncio.sleep(0.2)
        flowing.set()
        await asyncio.wait_for(running, 10)
        closing = sent[-1][0]
        assert closing["type"] == "websocket.close" and closing["code"] == 4413
        assert len(sent) == 7  # none of the pongs that waited went out
        assert not hub.outboxes

    asyncio.run(scenario())


# --- the rules and error policy of HTTP, over the socket ----------------------------------


def http_errors(
    api: Api,
    query: str,
    variables: dict | None,
    token: str | None,
    lang: str,
    operation_name: str | None = None,
) -> list[dict] | None:
    headers = {"accept-language": lang, **bearer(token)}
    body = {"query": query, "variables": variables or {}, "operationName": operation_name}
    response = api.http.post("/graphql", headers=headers, json=body)
    assert response.status_code == 200, response.text
    return response.json().get("errors")


def socket_errors(
    client: Client, query: str, variables: dict | None, operation_name: str | None = None
) -> list[dict]:
    payload = {"query": query, "variables": variables, "operationName": operation_name}
    client.send({"id": "op", "type": "subscribe", "payload": payload})
    answer = client.next("op")
    if answer["type"] == "next":
        assert client.next("op")["type"] == "complete"
        return answer["payload"].get("errors")
    assert answer["type"] == "error", answer
    return answer["payload"]


def test_limits_apply_over_the_socket_to_queries_and_subscriptions(api: Api):
    token = api.token(COUNTY)  # signed in over HTTP before the limits are tightened
    county = api.region_of(COUNTY)
    limits = {"max_query_depth": 2, "max_aliases": 1, "max_query_tokens": 40}
    with own_server(api, **limits) as server:
        strict = Api(server, server.app.state.settings)
        deep = "{ viewer { roles { region { name } } } }"
        aliased = "{ a: __typename b: __typename }"
        long = "{ " + " ".join(["__typename"] * 40) + " }"
        client = Client(server.url).acked(bearer(token))
        for query, words in ((deep, "depth"), (aliased, "aliases"), (long, "tokens")):
            over_http = http_errors(strict, query, None, token, "zh")
            assert over_http and words in over_http[0]["message"], over_http
            assert socket_errors(client, query, None) == over_http

        live = "subscription($r: ID!) { issueStatusChanged(regionId: $r) { %s } }"
        for query, words in (
            (live % "issue { region { name } }", "depth"),
            (live % "a: kind b: kind", "aliases"),
            (live % " ".join(["kind"] * 40), "tokens"),
        ):
            errors = socket_errors(client, query, {"r": county})
            assert len(errors) == 1 and words in errors[0]["message"], errors
        assert client.operation("ok", "{ __typename }")["type"] == "next"
        client.close()
        strict.http.close()


ACCEPT_ONE = (
    "mutation($input: AcceptIssueInput!) { acceptIssue(input: $input) { errors { code } } }"
)
# (query, variables, phone), each expected to fail with a coded error
CODED = {
    "UNAUTHENTICATED query": ("{ issues { totalCount } }", None, None),
    "UNAUTHENTICATED mutation": ("mutation { logout }", None, None),
    "VALIDATION query": ("{ issues(first: 100000) { totalCount } }", None, RESIDENT),
    "VALIDATION node": ('{ node(id: "nonsense") { id } }', None, RESIDENT),
    "FORBIDDEN mutation": (ACCEPT_ONE, "own issue", RESIDENT),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_coded_errors_over_the_socket_are_those_of_http(api: Api, lang: str):
    own_issue = report(api, RESIDENT, api.region_of(VILLAGE))["issue"]["id"]
    seen = set()
    for case, (query, variables, phone) in CODED.items():
        if variables == "own issue":
            variables = {"input": {"id": own_issue}}
        token = api.token(phone) if phone else None
        over_http = http_errors(api, query, variables, token, lang)
        assert over_http, case
        code = over_http[0]["extensions"]["code"]
        assert case.startswith(code), (case, over_http)
        if code == "VALIDATION":
            assert over_http[0]["extensions"]["field"], over_http
        seen.add(code)
        # The language as the payload's acceptLanguage, and as the upgrade's header.
        by_payload = Client(api.server.url).acked({"acceptLanguage": lang, **bearer(token)})
        by_header = Client(api.server.url, headers={"Accept-Language": lang})
        by_header.acked(bearer(token))
        for client in (by_payload, by_header):
            assert socket_errors(client, query, variables) == over_http, case
            client.close()
    assert seen == {"UNAUTHENTICATED", "VALIDATION", "FORBIDDEN"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_coded_errors_of_subscriptions_are_worded_in_the_sockets_language(api: Api, lang: str):
    county, village = api.region_of(COUNTY), api.region_of(VILLAGE)
    anonymous = Client(api.server.url).acked({"acceptLanguage": lang})
    resident = Client(api.server.url, headers={"Accept-Language": lang})
    resident.acked(bearer(api.token(RESIDENT)))
    cases = (
        (anonymous, {"region": county}, "UNAUTHENTICATED", None, "unauthenticated"),
        (resident, {"region": county}, "FORBIDDEN", None, "forbidden"),
        (resident, {"region": "bm90LWFuLWlk"}, "VALIDATION", "regionId", "bad_id"),
        (
            resident,
            {"region": village, "after": "not-a-cursor"},
            "VALIDATION",
            "after",
            "bad_cursor",
        ),
    )
    for n, (client, variables, code, field, key) in enumerate(cases):
        (error,) = socket_errors(client, STATUS_CHANGED, variables)
        assert error["extensions"]["code"] == code, error
        assert error["extensions"].get("field") == field, error
        assert error["message"] == translate(key, lang), (n, error)
    anonymous.close()
    resident.close()


def broken_database(server: ServerThread) -> None:
    """Operations over the socket get a context whose database fails with a secret."""
    endpoint = server.app.live
    made = endpoint.make_context

    class Broken:
        def __getattr__(self, name: str):
            raise RuntimeError("secret: the database password is hunter2")

    broken = Broken()
    endpoint.make_context = lambda viewer, lang: replace(
        made(viewer, lang), db=broken, reads=broken
    )


@pytest.mark.parametrize("production", [True, False], ids=["production", "development"])
def test_unexpected_errors_are_masked_in_production(api: Api, production: bool):
    token = api.token(COUNTY)
    with own_server(api, production=production) as server:
        broken_database(server)
        client = Client(server.url).acked(bearer(token))
        region = api.region_of(COUNTY)
        errors = (
            socket_errors(client, "query($r: ID!) { node(id: $r) { id } }", {"r": region})
            + socket_errors(client, ACCEPT_ONE, {"input": {"id": to_global_id("Issue", MAX_PK)}})
            + socket_errors(client, STATUS_CHANGED, {"region": region})
        )
        assert len(errors) == 3, errors
        for error in errors:
            if production:
                assert error["message"] == "Unexpected error.", error
                assert error["extensions"] == {"code": "INTERNAL"}, error
            else:
                assert "hunter2" in error["message"], error
        client.close()
