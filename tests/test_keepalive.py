"""The websocket keeps itself alive (subscriptions/protocol.py): a graphql-transport-ws `ping`
every WS_PING_INTERVAL, and a client that sends nothing back within WS_PONG_TIMEOUT is
closed with 4413, which graphql-ws retries. uvicorn's own keepalive, which closes with 1011
(fatal to graphql-ws), is taken over on every graphql-transport-ws socket, so ours is the
one that fires even when uvicorn runs with its own defaults (`uvicorn server:app`, 20 s).

Real websocket clients, with intervals of a fraction of a second set through settings.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest

from core.config import Settings
from server import create_app, uvicorn_keepalive
from tests.conftest import COUNTY, Api, ServerThread
from tests.live_client import STATUS_CHANGED, StalledClient
from tests.test_protocol import Client, bearer, own_server

FAST = {"ws_ping_interval_seconds": 0.3, "ws_pong_timeout_seconds": 0.5}
# Pings as often, answers given all the time they could need on a busy machine.
PATIENT = {"ws_ping_interval_seconds": 0.3, "ws_pong_timeout_seconds": 10}


def test_a_client_that_answers_no_ping_is_closed_with_4413(api: Api):
    """The `websockets` client answers uvicorn's frame pings by itself, so only the
    protocol's own ping can tell that this client does not answer."""
    token = api.token(COUNTY)
    with own_server(api, **FAST) as server:
        anonymous = Client(server.url).acked()
        watching = Client(server.url).acked(bearer(token))
        watching.subscribe("s", STATUS_CHANGED, {"region": api.region_of(COUNTY)})
        for client in (anonymous, watching):
            assert client.recv() == {"type": "ping"}  # and no pong goes back
            assert client.closed() == (4413, "Ping timeout: no pong within 0.5 s")


def test_a_client_that_answers_stays_open(api: Api):
    """A pong answers a ping; so does any other message (here a ping of the client's own).
    The next ping comes WS_PING_INTERVAL after the answer."""
    with own_server(api, **PATIENT) as server:
        for answer in ({"type": "pong"}, {"type": "ping", "payload": {"mine": True}}):
            client = Client(server.url).acked()
            for _ in range(5):
                while (message := client.recv()) != {"type": "ping"}:
                    assert message == {"type": "pong", "payload": {"mine": True}}, message
                client.send(answer)
            assert client.operation("q", "{ __typename }")["type"] == "next"
            client.close()


def test_no_ping_comes_before_the_ack(api: Api):
    """A client that takes longer than WS_PING_INTERVAL to send `connection_init` still gets
    `connection_ack` first (clients expect it first); pings follow."""
    with own_server(api, **PATIENT) as server:
        client = Client(server.url)
        time.sleep(1.0)  # three ping intervals before connection_init
        client.send({"type": "connection_init"})
        assert client.recv() == {"type": "connection_ack"}
        assert client.recv() == {"type": "ping"}
        client.close()


@pytest.mark.parametrize("implementation", ["websockets-sansio", "websockets", "wsproto"])
def test_uvicorns_own_keepalive_gives_way_to_ours(api: Api, implementation: str):
    """uvicorn run with a keepalive quicker than ours (as `uvicorn server:app` runs with its
    defaults: 20 s and 20 s against our 20 s and 20 s) and a client that answers nothing,
    neither frame pings nor protocol pings: the close it finds is ours, 4413, never 1011."""
    if implementation == "wsproto":
        pytest.importorskip("wsproto")
    settings = replace(
        api.settings,
        demo_data=False,
        ws_ping_interval_seconds=1.0,
        ws_pong_timeout_seconds=1.0,
        live_outbox_seconds=60,
    )
    server = ServerThread(create_app(settings))
    server.server.config.ws = implementation
    server.server.config.ws_ping_interval = 0.2
    server.server.config.ws_ping_timeout = 0.2
    with server:
        silent = Silent(server.port)
        assert silent.close_code(timeout=30) == 4413
        silent.sock.close()


class Silent(StalledClient):
    """Initialises, then answers nothing: no pong frame (its sans-I/O protocol queues them,
    nobody sends them) and no `pong` message. It reads whatever comes, to find the close."""

    def __init__(self, port: int) -> None:
        self._open(port)
        self.protocol.send_text(json.dumps({"type": "connection_init"}).encode())
        self._flush()


def test_uvicorn_is_run_with_a_keepalive_that_outlasts_ours():
    """server.py passes `uvicorn_keepalive`: for the sockets ours does not cover (legacy
    graphql-ws), with a timeout past our ping and pong and LIVE_OUTBOX_SECONDS."""
    for settings in (
        Settings(database_url="x"),
        Settings(database_url="x", ws_ping_interval_seconds=90, ws_pong_timeout_seconds=45),
        Settings(database_url="x", ws_ping_interval_seconds=0),
    ):
        interval, timeout = uvicorn_keepalive(settings)
        assert interval > 0
        assert timeout > settings.ws_ping_interval_seconds + settings.ws_pong_timeout_seconds
        assert timeout > 2 * settings.live_outbox_seconds
