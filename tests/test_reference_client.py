"""The contract's reference client, the `graphql-ws` npm package, against two workers and
Redis: it sees a report filed through the other worker, and after a reconnect with `after`
it gets exactly what it missed."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import uuid
from pathlib import Path

import pytest

from tests.conftest import COUNTY, RESIDENT, VILLAGE, Api, node_project
from tests.issue_ops import ACCEPT, START, act, ok, report
from tests.live_client import STATUS_CHANGED

HERE = Path(__file__).resolve().parent / "reference"


@pytest.fixture(scope="session")
def node_client() -> Path:
    return node_project(HERE, "graphql-ws", "the reference graphql-ws client")


class ReferenceClient:
    def __init__(self, node: Path, url: str, token: str, variables: dict, count: int) -> None:
        self.process = subprocess.Popen(
            [
                str(node),
                "subscribe.mjs",
                url.replace("http://", "ws://") + "/graphql",
                token,
                STATUS_CHANGED,
                json.dumps(variables),
                str(count),
            ],
            cwd=HERE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Read on a thread, so a line that never comes fails the test instead of hanging it.
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self.line() == {"connected": True}

    def _read(self) -> None:
        assert self.process.stdout is not None
        for text in self.process.stdout:
            self.lines.put(text)
        self.lines.put("")  # ended

    def line(self, timeout: float = 60) -> dict:
        try:
            text = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"nothing from the reference client in {timeout} s") from None
        assert text, f"the reference client ended (exit {self.process.poll()})"
        return json.loads(text)

    def event(self) -> dict:
        message = self.line()
        assert "next" in message, message
        assert "errors" not in message["next"], message
        return message["next"]["data"]["issueStatusChanged"]

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


def test_reference_graphql_ws_client_across_workers_and_reconnects(
    api: Api,
    workers,
    shared_redis: str,
    node_client: Path,
):
    channel = f"test-{uuid.uuid4().hex}"
    a, b = workers(shared_redis, channel), workers(shared_redis, channel)
    on_b = api.on(b.url)
    county, village = api.region_of(COUNTY), api.region_of(VILLAGE)
    first = ReferenceClient(node_client, a.url, api.token(COUNTY), {"region": county}, 1)
    try:
        issue = ok(report(on_b, RESIDENT, village))["issue"]
        seen = first.event()
        assert seen["kind"] == "REPORTED" and seen["issue"]["id"] == issue["id"]
    finally:
        first.stop()

    ok(act(on_b, ACCEPT, VILLAGE, issue["id"]))
    ok(act(on_b, START, VILLAGE, issue["id"]))
    resumed = ReferenceClient(
        node_client, a.url, api.token(COUNTY), {"region": county, "after": seen["cursor"]}, 3
    )
    try:
        missed = [resumed.event(), resumed.event()]
        assert [e["kind"] for e in missed] == ["ACCEPTED", "STARTED"]
        other = ok(report(on_b, RESIDENT, village))["issue"]
        live = resumed.event()
        assert (live["kind"], live["issue"]["id"]) == ("REPORTED", other["id"])
    finally:
        resumed.stop()
        on_b.http.close()
