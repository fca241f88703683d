"""Sign-ins sent over the websocket are throttled per source as over HTTP: the context of an
operation on a socket carries the client's address (uvicorn's, from `X-Forwarded-For` when
the proxy is trusted), so two addresses are counted apart and a stranger's guesses lock out
nobody else. Before, every websocket shared one source ("unknown")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.config import Settings
from tests.conftest import PASSWORD, Api
from tests.test_protocol import Client
from tests.test_throttles import LOGIN, STRICT, new_phone, new_resident, new_source, server


@pytest.fixture(scope="module")
def strict(api: Api, backend: Settings) -> Iterator[Api]:
    with server(backend, **STRICT) as running:
        yield running


class Socket(Client):
    """A websocket from one client address (a trusted proxy's `X-Forwarded-For`)."""

    def __init__(self, api: Api, source: str) -> None:
        super().__init__(api.server.url, headers={"X-Forwarded-For": source})
        self.acked({"acceptLanguage": "en"})
        self.sent = 0

    def login(self, phone: str, password: str) -> str:
        self.sent += 1
        answer = self.operation(f"login{self.sent}", LOGIN, {"p": phone, "w": password})
        assert answer["type"] == "next" and "errors" not in answer["payload"], answer
        payload = answer["payload"]["data"]["login"]
        return payload["errors"][0]["code"] if payload["errors"] else "OK"


def test_two_sources_over_websockets_are_throttled_apart(strict: Api):
    owner, stranger_at, home_at = new_resident(strict), new_source(), new_source()
    stranger, home = Socket(strict, stranger_at), Socket(strict, home_at)
    for i in range(10):
        assert stranger.login(owner, f"guess-{i}") == "INVALID_CREDENTIALS"
    assert stranger.login(owner, PASSWORD) == "RATE_LIMITED"
    # The owner, at home, is not locked out by a stranger's guesses.
    assert home.login(owner, PASSWORD) == "OK"
    for socket in (stranger, home):
        socket.close()


def test_one_source_trying_many_phones_over_websockets_is_stopped_alone(strict: Api):
    source, owner = new_source(), new_resident(strict)
    sweeping = Socket(strict, source)
    outcomes = [sweeping.login(new_phone(), "123456") for _ in range(16)]
    assert outcomes == ["INVALID_CREDENTIALS"] * 15 + ["RATE_LIMITED"]
    assert sweeping.login(owner, PASSWORD) == "RATE_LIMITED"
    # Another address, over a socket or over HTTP, is not that source.
    elsewhere = Socket(strict, new_source())
    assert elsewhere.login(owner, PASSWORD) == "OK"
    response = strict.http.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"p": owner, "w": PASSWORD}},
        headers={"x-forwarded-for": new_source()},
    )
    assert response.json()["data"]["login"]["errors"] == []
    for socket in (sweeping, elsewhere):
        socket.close()
