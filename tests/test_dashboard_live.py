"""dashboardUpdated over real websockets: a burst of changes is coalesced into at most one
push per interval, recomputed once for every watcher of the region, with the right figures;
who may not read the dashboard may not watch it."""

from __future__ import annotations

import math
import re
import time
from dataclasses import replace

import pytest

from server import create_app
from tests.conftest import COUNTY, DEPUTY, GRID, RESIDENT, TOWNSHIP, Api, ServerThread
from tests.issue_ops import ok, report
from tests.live_client import LiveClient

INTERVAL = 1.0  # DASHBOARD_LIVE_SECONDS of the test's server
UPDATED = (
    "subscription($r: ID!) { dashboardUpdated(regionId: $r) { asOf reported { count } "
    "byStatus { status count } timeToAccept { count medianHours } } }"
)
UPDATED_EN = (  # another document: a group of its own, sharing the summary
    "subscription($r: ID!) { dashboardUpdated(regionId: $r) { reported { count } "
    "onTime { overdueOpen } } }"
)
QUERY = "query($r: ID!) { dashboard(regionId: $r) { reported { count } } }"


@pytest.fixture(scope="module")
def live(api: Api):
    """A server of its own on the test database, its dashboards coalesced per INTERVAL."""
    settings = replace(api.settings, dashboard_live_seconds=INTERVAL)
    with ServerThread(create_app(settings)) as server:
        yield api.on(server.url)


def summaries(api: Api) -> int:
    text = api.http.get("/metrics").text
    match = re.search(r'^grassroots_live_summaries_total\{field="dashboardUpdated"\} (\S+)$',
                      text, re.M)  # fmt: skip
    return int(float(match.group(1))) if match else 0


def watcher(api: Api, phone: str, document: str, region: str) -> LiveClient:
    client = LiveClient(api.server.url)
    assert client.init(api.token(phone))["type"] == "connection_ack"
    client.subscribe("d", document, {"r": region})
    return client


def pushes(client: LiveClient, quiet: float) -> list[dict]:
    """What arrives until nothing has for `quiet` seconds."""
    out = []
    while True:
        try:
            message = client.next("d", timeout=quiet)
        except TimeoutError:
            return out
        assert message["type"] == "next" and "errors" not in message["payload"], message
        out.append(message["payload"]["data"]["dashboardUpdated"])


def test_a_burst_is_pushed_at_most_once_a_second_and_computed_once(live: Api):
    township = live.region_of(TOWNSHIP)
    courtyard = live.region_of(GRID)
    clients = [
        watcher(live, COUNTY, UPDATED, township),
        watcher(live, COUNTY, UPDATED, township),  # the same group as the first
        watcher(live, TOWNSHIP, UPDATED, township),
        watcher(live, DEPUTY, UPDATED_EN, township),
    ]
    try:
        # Live: a change reaches every watcher (subscribing is a task: poke until it has).
        for _ in range(5):
            ok(report(live, RESIDENT, courtyard, photos=0))
            if all(pushes(c, 2 * INTERVAL + 1) for c in clients):
                break
        else:
            raise AssertionError("the dashboards never went live")
        for client in clients:
            pushes(client, 2 * INTERVAL + 0.5)  # settled: nothing more to come

        before = summaries(live)
        started = time.monotonic()
        for _ in range(20):
            ok(report(live, RESIDENT, courtyard, photos=0))
        burst = time.monotonic() - started
        got = [pushes(c, 2 * INTERVAL + 1) for c in clients]
        computed = summaries(live) - before

        # At most one push per interval (the first at once, the rest at the interval's
        # end), and each push one computation for all four watchers.
        allowed = 1 + math.ceil(burst / INTERVAL)
        counts = [len(g) for g in got]
        assert 1 <= counts[0] <= allowed, (counts, burst)
        assert counts == [counts[0]] * 4, counts
        assert computed == counts[0], (computed, counts)
        if burst < INTERVAL:
            assert counts[0] <= 2
        # The last push holds the figures after the burst, the same for everyone.
        final = live.ok(QUERY, {"r": township}, as_=COUNTY)["dashboard"]["reported"]["count"]
        assert {g[-1]["reported"]["count"] for g in got} == {final}
        assert got[0][-1] == got[1][-1] == got[2][-1]
        print(f"burst of 20 in {burst:.2f}s: {counts[0]} pushes, {computed} computations")
    finally:
        for client in clients:
            client.close()


def test_who_may_not_watch(live: Api):
    township = live.region_of(TOWNSHIP)
    for phone, code in ((RESIDENT, "NOT_FOUND"), (GRID, "NOT_FOUND")):
        client = watcher(live, phone, UPDATED, township)
        try:
            refused = client.next("d")
            assert refused["type"] == "error", refused
            assert refused["payload"][0]["extensions"] == {"code": code, "field": "regionId"}
        finally:
            client.close()
    client = watcher(live, COUNTY, "subscription($r: ID!) { dashboardUpdated(regionId: $r, "
                     'from: "2020-03-02T00:00:00+08:00", to: "2020-03-01T00:00:00+08:00") '
                     "{ asOf } }", township)  # fmt: skip
    try:
        refused = client.next("d")
        assert refused["payload"][0]["extensions"] == {"code": "VALIDATION", "field": "from"}
    finally:
        client.close()
