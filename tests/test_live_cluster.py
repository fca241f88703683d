"""The live layer across processes: real worker processes, a real Redis, real restarts.

Workers poll the event log only once a minute here, so an event that arrives within
seconds came through the broker (or through the catch-up after a broker reconnect).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from tests.cluster import RedisServer, Worker, wait_until
from tests.conftest import COUNTY, RESIDENT, VILLAGE, Api
from tests.issue_ops import ACCEPT, START, act, ok, report
from tests.live_client import STATUS_CHANGED, LiveClient


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
