"""The live layer across processes: real worker processes, a real Redis, real restarts.

Workers poll the event log only once a minute here, so an event that arrives within
seconds came through the broker (or through the catch-up after a broker reconnect).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.conftest import COUNTY, RESIDENT, VILLAGE, Api, unavailable
from tests.issue_ops import ACCEPT, START, act, ok, report
from tests.live_client import STATUS_CHANGED, LiveClient

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout: float = 20, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (OSError, httpx.HTTPError, redis.RedisError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Worker:
    """`uvicorn server:app` in its own process, as an operator would run it."""

    def __init__(self, api: Api, broker: str, channel: str, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": api.settings.database_url,
            "BROADCAST_URL": broker,
            "BROADCAST_CHANNEL": channel,
            "SECRET_KEY": api.settings.secret_key,
            "MEDIA_DIR": str(api.settings.media_dir),
            "DATA_DIR": str(tmp),
            "DEMO_DATA": "0",
            "SWEEP_INTERVAL": "0",
            "LIVE_POLL_SECONDS": "60",
            "REPORTS_PER_HOUR": str(api.settings.reports_per_hour),
        }
        self.log = open(tmp / f"worker-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "server:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--ws",
                "websockets-sansio",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_until(
            lambda: httpx.get(self.url + "/readyz").status_code == 200,
            30,
            f"worker on {self.port} to be ready",
        )

    def ready(self) -> dict:
        return httpx.get(self.url + "/readyz").json()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


class RedisServer:
    """A redis-server of our own on a free port, so a test may stop and restart it."""

    def __init__(self, tmp: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server", "not installed")
        self.binary, self.tmp, self.port = binary, tmp, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: redis.Redis(port=self.port).ping(), 10, "redis-server to start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def shared_redis() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable("Redis", f"{url}: {exc}")
    return url


@pytest.fixture
def workers(api: Api, tmp_path: Path) -> Iterator:
    started: list[Worker] = []

    def start(broker: str, channel: str) -> Worker:
        worker = Worker(api, broker, channel, tmp_path)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def dashboard(api: Api, worker: Worker, after: str | None = None) -> LiveClient:
    client = LiveClient(worker.url)
    assert client.init(api.token(COUNTY))["type"] == "connection_ack"
    client.subscribe("d", STATUS_CHANGED, {"region": api.region_of(COUNTY), "after": after})
    return client


def test_an_event_committed_on_one_worker_reaches_subscribers_on_another(
    api: Api, workers, shared_redis: str
):
    channel = f"test-{uuid.uuid4().hex}"
    a, b = workers(shared_redis, channel), workers(shared_redis, channel)
    on_b = api.on(b.url)
    client = dashboard(api, a)
    try:
        issue = ok(report(on_b, RESIDENT, api.region_of(VILLAGE)))["issue"]
        (event,) = client.events("d", 1, timeout=10)
        assert event["kind"] == "REPORTED" and event["issue"]["id"] == issue["id"]
    finally:
        client.close()
        on_b.http.close()


def test_subscribers_survive_a_redis_restart_and_get_what_was_committed_meanwhile(
    api: Api, workers, tmp_path: Path
):
    broker = RedisServer(tmp_path)
    channel = f"test-{uuid.uuid4().hex}"
    try:
        a, b = workers(broker.url, channel), workers(broker.url, channel)
        on_b = api.on(b.url)
        client = dashboard(api, a)
        village = api.region_of(VILLAGE)
        before = ok(report(on_b, RESIDENT, village))["issue"]
        assert client.events("d", 1)[0]["issue"]["id"] == before["id"]

        broker.stop()
        wait_until(lambda: a.ready()["broker"] != "ok", 15, "worker A to notice the outage")
        during = ok(report(on_b, RESIDENT, village))["issue"]  # commits; the doorbell is lost
        broker.start()
        (missed,) = client.events("d", 1, timeout=20)
        assert missed["issue"]["id"] == during["id"]
        wait_until(lambda: a.ready()["status"] == "ok", 15, "worker A to reconnect")

        ok(act(on_b, ACCEPT, VILLAGE, during["id"]))
        (live,) = client.events("d", 1, timeout=10)
        assert (live["kind"], live["issue"]["id"]) == ("ACCEPTED", during["id"])
        metrics = httpx.get(a.url + "/metrics").text
        assert "grassroots_broker_reconnects_total 1.0" in metrics
        client.close()
        on_b.http.close()
    finally:
        broker.process.kill()


def test_a_client_resumes_on_another_worker_after_its_worker_dies(
    api: Api, workers, shared_redis: str
):
    channel = f"test-{uuid.uuid4().hex}"
    a, b = workers(shared_redis, channel), workers(shared_redis, channel)
    on_b = api.on(b.url)
    client = dashboard(api, a)
    issue = ok(report(on_b, RESIDENT, api.region_of(VILLAGE)))["issue"]
    (seen,) = client.events("d", 1)
    a.process.kill()  # the worker dies without a goodbye
    client.close()

    ok(act(on_b, ACCEPT, VILLAGE, issue["id"]))
    ok(act(on_b, START, VILLAGE, issue["id"]))
    resumed = dashboard(api, b, after=seen["cursor"])
    try:
        missed = resumed.events("d", 2)
        assert [e["kind"] for e in missed] == ["ACCEPTED", "STARTED"]
        assert resumed.nothing_for(0.5)
    finally:
        resumed.close()
        on_b.http.close()
