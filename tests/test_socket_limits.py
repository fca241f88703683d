"""The websocket edge's limits (issue 7): sockets, subscriptions and distinct documents per
account and per source, documents grouped on their printed form, anonymous sockets bounded
and closed when idle, a stalled client cut off with 4413 before uvicorn's keepalive gives
up, origins, the query size limit and malformed variables over the socket."""

from __future__ import annotations

import time

import pytest
from websockets.exceptions import InvalidStatus

from core.config import Settings
from tests.conftest import COUNTY, DEPUTY, RESIDENT, TOWNSHIP, VILLAGE, Api, ServerThread
from tests.live_client import STATUS_CHANGED, report_probe
from tests.test_protocol import Client, Flood, bearer, own_server

# Three spellings of one document: whitespace and a comment.
VARIANTS = (
    STATUS_CHANGED,
    STATUS_CHANGED.replace(" { ", "\n  {\n    ").replace(") {", ")\n{"),
    "# the county wall\n" + STATUS_CHANGED.replace(", ", ",\t"),
)
# Documents that differ in what they select: distinct documents.
DISTINCT = tuple(
    "subscription($region: ID!) { issueStatusChanged(regionId: $region) { id " + extra + " } }"
    for extra in ("", "kind", "cursor", "toStatus", "level")
)


def gate_settles(server: ServerThread) -> None:
    """Every socket closed: the gate of the server holds no counts (eventually)."""
    gate = server.app.live.gate
    deadline = time.monotonic() + 10
    while True:
        held = (
            gate.sockets_by_source,
            gate.anonymous_by_source,
            gate.sockets_by_account,
            gate.subscriptions_by_account,
            gate.documents_by_account,
        )
        if not any(held):
            return
        assert time.monotonic() < deadline, held
        time.sleep(0.05)


def handled(client: Client) -> None:
    """What the client sent so far is handled: a ping sent now is answered (messages are
    handled in order). Events that come first are skipped."""
    client.send({"type": "ping"})
    while (message := client.next())["type"] != "pong":
        assert message["type"] == "next", message


def refused(client: Client, sub_id: str, query: str, variables: dict) -> dict:
    client.subscribe(sub_id, query, variables)
    answer = client.next(sub_id)
    assert answer["type"] == "error", answer
    (error,) = answer["payload"]
    assert error["extensions"] == {"code": "RATE_LIMITED"}, error
    return error


# --- documents are grouped on their printed form --------------------------------------------


def test_whitespace_and_comment_variants_share_one_group(api: Api):
    county, village = api.region_of(COUNTY), api.region_of(VILLAGE)
    with own_server(api) as server:
        client = Client(server.url).acked(bearer(api.token(COUNTY)))
        for n, query in enumerate(VARIANTS):
            client.subscribe(f"s{n}", query, {"region": county})
        client.until_live(report_probe(api, RESIDENT, village), "s0", "s1", "s2")
        assert len(server.app.state.hub.groups) == 1
        assert len(server.app.live.gate.documents_by_account[api_id(api, COUNTY)]) == 1
        client.close()
        gate_settles(server)


def api_id(api: Api, phone: str) -> int:
    from strawberry.relay.utils import from_base64

    viewer = api.ok("{ viewer { id } }", as_=phone)["viewer"]
    return int(from_base64(viewer["id"])[1])


# --- caps per account -------------------------------------------------------------------


def test_distinct_documents_per_account_are_capped_across_sockets(api: Api):
    county, village = api.region_of(COUNTY), api.region_of(VILLAGE)
    token = api.token(COUNTY)
    with own_server(api, max_documents_per_account=2) as server:
        first = Client(server.url, headers={"Accept-Language": "en"}).acked(bearer(token))
        second = Client(server.url).acked(bearer(token))
        first.subscribe("a", DISTINCT[0], {"region": county})
        second.subscribe("b", DISTINCT[1], {"region": county})
        # Whitespace variants of a document in use are that document: not a third.
        second.subscribe("b2", DISTINCT[1].replace(" ", "  "), {"region": county})
        first.until_live(report_probe(api, RESIDENT, village), "a")
        second.until_live(report_probe(api, RESIDENT, village), "b", "b2")
        error = refused(first, "c", DISTINCT[2], {"region": county})
        assert error["message"] == (
            "At most 2 different subscription documents at once per account."
        )
        # Another account has documents of its own.
        deputy = Client(server.url).acked(bearer(api.token(DEPUTY)))
        township = api.region_of(DEPUTY)
        deputy.subscribe("d", DISTINCT[2], {"region": township})
        deputy.until_live(report_probe(api, RESIDENT, village), "d")
        # Completing every subscription of a document frees its place.
        first.send({"id": "a", "type": "complete"})
        handled(first)
        first.subscribe("c", DISTINCT[2], {"region": county})
        first.until_live(report_probe(api, RESIDENT, village), "c")
        for client in (first, second, deputy):
            client.close()
        gate_settles(server)


def test_subscriptions_per_account_are_capped_across_sockets(api: Api):
    county, village = api.region_of(COUNTY), api.region_of(VILLAGE)
    token = api.token(COUNTY)
    with own_server(api, max_subscriptions_per_account=3) as server:
        first = Client(server.url).acked(bearer(token))
        second = Client(server.url).acked(bearer(token))
        first.subscribe("a1", STATUS_CHANGED, {"region": county})
        first.subscribe("a2", STATUS_CHANGED, {"region": county})
        second.subscribe("b1", VARIANTS[1], {"region": county})
        first.until_live(report_probe(api, RESIDENT, village), "a1", "a2")
        second.until_live(report_probe(api, RESIDENT, village), "b1")
        error = refused(second, "b2", STATUS_CHANGED, {"region": county})
        assert "3" in error["message"], error
        # Queries over the socket are not subscriptions: they still run.
        assert second.operation("q", "{ __typename }")["type"] == "next"
        assert second.next("q") == {"id": "q", "type": "complete"}
        # Another account is not affected.
        other = Client(server.url).acked(bearer(api.token(TOWNSHIP)))
        other.subscribe("t", STATUS_CHANGED, {"region": api.region_of(TOWNSHIP)})
        other.until_live(report_probe(api, RESIDENT, village), "t")
        # A socket that closes gives its subscriptions back.
        first.close()
        account = api_id(api, COUNTY)
        deadline = time.monotonic() + 10
        while server.app.live.gate.subscriptions_by_account[account] > 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        second.subscribe("b3", STATUS_CHANGED, {"region": county})
        second.until_live(report_probe(api, RESIDENT, village), "b1", "b3")
        second.close()
        other.close()
        gate_settles(server)


def test_sockets_per_account_are_capped_with_a_retryable_close(api: Api):
    token = api.token(COUNTY)
    with own_server(api, max_sockets_per_account=2) as server:
        kept = [Client(server.url).acked(bearer(token)) for _ in range(2)]
        third = Client(server.url)
        third.send({"type": "connection_init", "payload": bearer(token)})
        code, reason = third.closed()
        assert code == 1013 and "account" in reason, (code, reason)
        # Another account, and anonymous sockets, are not affected.
        Client(server.url).acked(bearer(api.token(VILLAGE))).close()
        Client(server.url).acked().close()
        kept.pop().close()
        deadline = time.monotonic() + 10
        while server.app.live.gate.sockets_by_account[api_id(api, COUNTY)] > 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        again = Client(server.url).acked(bearer(token))
        assert again.operation("q", "{ viewer { displayName } }")["type"] == "next"
        for client in (again, *kept):
            client.close()
        gate_settles(server)


# --- caps per source, and anonymous sockets ----------------------------------------------


def test_sockets_per_source_are_capped_before_connection_init(api: Api):
    with own_server(api, max_sockets_per_source=3) as server:
        held = [Client(server.url) for _ in range(3)]  # not even initialised
        for client in held:
            client.send({"type": "ping"})
            assert client.recv() == {"type": "pong"}
        fourth = Client(server.url)
        assert fourth.closed() == (1013, "Too many sockets from this address: try again later")
        held.pop().close()
        deadline = time.monotonic() + 10
        while sum(server.app.live.gate.sockets_by_source.values()) > 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        Client(server.url).acked().close()
        for client in held:
            client.close()
        gate_settles(server)


def test_anonymous_sockets_per_source_are_capped(api: Api):
    with own_server(api, max_anonymous_sockets_per_source=2) as server:
        anonymous = [Client(server.url).acked() for _ in range(2)]
        third = Client(server.url)
        third.send({"type": "connection_init"})
        code, reason = third.closed()
        assert code == 1013 and "anonymous" in reason, (code, reason)
        signed_in = Client(server.url).acked(bearer(api.token(RESIDENT)))  # still welcome
        assert signed_in.operation("q", "{ viewer { displayName } }")["type"] == "next"
        for client in (*anonymous, signed_in):
            client.close()
        gate_settles(server)


def test_an_idle_anonymous_socket_is_closed_and_a_signed_in_one_is_not(api: Api):
    token = api.token(RESIDENT)
    with own_server(api, connection_init_timeout_seconds=0.5) as server:
        anonymous = Client(server.url).acked()
        signed_in = Client(server.url).acked(bearer(token))
        started = time.monotonic()
        # An operation running keeps it open; the clock starts again when it ends.
        assert anonymous.operation("q", "{ __typename }")["type"] == "next"
        assert anonymous.next("q") == {"id": "q", "type": "complete"}
        assert anonymous.closed() == (1000, "Idle anonymous connection")
        assert time.monotonic() - started >= 0.4
        time.sleep(0.5)
        signed_in.send({"type": "ping"})
        assert signed_in.recv() == {"type": "pong"}  # open, a second after its ack
        signed_in.close()
        gate_settles(server)


# --- a stalled client: 4413 before uvicorn's keepalive (1011) ---------------------------------


def test_a_client_that_stops_reading_gets_4413_once_its_oldest_message_waited(api: Api):
    """No count or byte bound is reached: only the age of what waits cuts it off, long before
    uvicorn's keepalive (20 s + 20 s here) would close it with 1011."""
    with own_server(
        api,
        live_outbox_seconds=1.0,
        live_outbox_messages=10**6,
        live_outbox_bytes=2**34,
        connection_init_timeout_seconds=60,
    ) as server:
        assert server.server.config.ws_ping_interval == 20.0
        started = time.monotonic()
        big = "x" * 2**18
        stalled = Flood(
            server.port,
            [{"type": "connection_init"}]
            + [{"type": "ping", "payload": {"n": n, "pad": big}} for n in range(64)],
        )
        time.sleep(3)  # ~16 MB of pongs it does not read; then it reads everything
        assert stalled.close_code(timeout=15) == 4413
        assert time.monotonic() - started < 15
        stalled.sock.close()
        # Others are served meanwhile.
        healthy = Client(server.url).acked()
        assert healthy.operation("q", "{ __typename }")["type"] == "next"
        healthy.close()
        gate_settles(server)


def test_uvicorn_keepalive_gives_our_check_time():
    """server.py runs uvicorn with the keepalive `uvicorn_keepalive` gives, which outlasts
    LIVE_OUTBOX_SECONDS (and our own pings: tests/test_keepalive.py)."""
    import ast
    from pathlib import Path

    from server import uvicorn_keepalive

    source = (Path(__file__).resolve().parent.parent / "server.py").read_text()
    calls = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "uvicorn.run"
    ]
    (call,) = calls
    keepalive = ("ws_ping_interval", "ws_ping_timeout")
    given = {k.arg: ast.unparse(k.value) for k in call.keywords if k.arg in keepalive}
    assert given == {"ws_ping_interval": "ping_interval", "ws_ping_timeout": "ping_timeout"}
    assert "ping_interval, ping_timeout = uvicorn_keepalive(settings)" in source
    settings = Settings(database_url="x")
    assert uvicorn_keepalive(settings)[1] > 2 * settings.live_outbox_seconds


# --- origins ----------------------------------------------------------------------------------


@pytest.mark.parametrize("allowed", [("*",), ("http://localhost:5173",)])
def test_a_listed_origin_or_any_with_a_star_opens_a_socket(api: Api, allowed):
    with own_server(api, allowed_origins=allowed) as server:
        page = Client(server.url, headers={"Origin": "http://localhost:5173"}).acked()
        assert page.operation("q", "{ __typename }")["type"] == "next"
        page.close()
        if "*" not in allowed:
            with pytest.raises(InvalidStatus) as refusal:
                Client(server.url, headers={"Origin": "http://evil.example"})
            assert refusal.value.response.status_code == 403


def test_a_foreign_origin_is_refused_when_none_is_listed(api: Api):
    with pytest.raises(InvalidStatus) as refusal:
        Client(api.server.url, headers={"Origin": "http://evil.example"})
    assert refusal.value.response.status_code == 403
    host = api.server.url.removeprefix("http://")
    own_page = Client(api.server.url, headers={"Origin": f"http://{host}"}).acked()
    own_page.close()


# --- the query text over the socket -----------------------------------------------------------


def test_a_query_over_max_query_bytes_is_an_error_and_the_socket_stays_open(api: Api):
    with own_server(api, max_query_bytes=1024) as server:
        client = Client(server.url).acked(bearer(api.token(COUNTY)))
        padded = "# " + "x" * 2000 + "\n{ __typename }"  # comments are not tokens
        for query in (padded, "# " + "x" * 2000 + "\n" + STATUS_CHANGED):
            client.subscribe("big", query, {"region": api.region_of(COUNTY)})
            answer = client.next("big")
            assert answer["type"] == "error", answer
            (error,) = answer["payload"]
            assert error["extensions"]["code"] == "QUERY_TOO_LARGE", error
            assert error["extensions"]["max"] == 1024, error
        assert client.operation("ok", "{ __typename }")["type"] == "next"
        client.close()


@pytest.mark.parametrize("variables", [[1], "x", 5, True])
def test_variables_that_are_not_an_object_close_with_4400(api: Api, variables):
    client = Client(api.server.url).acked()
    client.send(
        {
            "id": "v",
            "type": "subscribe",
            "payload": {"query": "query($a: Int) { __typename }", "variables": variables},
        }
    )
    assert client.closed() == (4400, "subscribe: variables must be an object")
