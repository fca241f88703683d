"""No gap and no repeat when dashboards resume into running groups while events stream and
other work loads the machine."""

from __future__ import annotations

import random
import subprocess
import sys
import threading

from core.pagination import decode_cursor
from tests.conftest import COUNTY, RESIDENT, TOWNSHIP, VILLAGE, Api
from tests.issue_ops import ACCEPT, START, act, ok, report
from tests.live_client import STATUS_CHANGED, LiveClient, report_probe

ROUNDS = 30


def watch(api: Api, phone: str, region: str, after: str | None = None) -> LiveClient:
    client = LiveClient(api.server.url)
    assert client.init(api.token(phone))["type"] == "connection_ack"
    client.subscribe("s1", STATUS_CHANGED, {"region": region, "after": after})
    return client


def live(api: Api, client: LiveClient) -> int:
    """Wait until the dashboard delivers a fresh report; that report's event id."""
    probe = report_probe(api, RESIDENT, api.region_of(VILLAGE))
    (message,) = client.until_live(probe, "s1").values()
    return decode_cursor(message["payload"]["data"]["issueStatusChanged"]["cursor"])


def read_until(client: LiveClient, last: int, limit: int) -> list[int]:
    """Event ids the client receives, up to and including `last` (at most `limit`)."""
    ids: list[int] = []
    while not ids or ids[-1] < last:
        assert len(ids) <= limit, ids
        (event,) = client.events("s1", 1)
        ids.append(decode_cursor(event["cursor"]))
    return ids


def test_resuming_into_running_groups_under_load_has_no_gap_and_no_repeat(api: Api):
    rng = random.Random(7)
    county, township = api.region_of(COUNTY), api.region_of(TOWNSHIP)
    village = api.region_of(VILLAGE)
    stop = threading.Event()

    def reader() -> None:  # other requests, competing for the same worker and database
        other = api.on(api.server.url)
        while not stop.is_set():
            other.ok(
                "{ issues(first: 50) { edges { node { id status timeline(last: 3) "
                "{ edges { node { kind } } } } } } }",
                as_=COUNTY,
            )

    burner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.time() + 120\nwhile time.time() < end: pass",
        ]
    )
    readers = [threading.Thread(target=reader, daemon=True) for _ in range(2)]
    for thread in readers:
        thread.start()
    wall = [watch(api, COUNTY, county), watch(api, TOWNSHIP, township)]  # running groups
    live(api, wall[0])
    since = live(api, wall[1])  # wall[0] sees this probe too: the truth starts after it
    wall[0].events("s1", 1)
    seen: list[str] = []
    resumed: list[tuple[int, LiveClient]] = []
    try:
        for _ in range(ROUNDS):
            issue = ok(report(api, RESIDENT, village, photos=0))["issue"]
            ok(act(api, ACCEPT, VILLAGE, issue["id"]))
            ok(act(api, START, VILLAGE, issue["id"]))
            seen += [e["cursor"] for e in wall[0].events("s1", 3)]
            # Resume after an event already shown, into the running group of the same
            # account, or as another account whose group is running too.
            after = rng.choice(seen[-6:])
            phone, region = rng.choice([(COUNTY, county), (TOWNSHIP, township)])
            resumed.append((decode_cursor(after), watch(api, phone, region, after=after)))
        truth = [decode_cursor(c) for c in seen]
        assert truth == sorted(set(truth)), "the running dashboard itself saw a repeat"
        last = truth[-1]
        assert read_until(wall[1], last, len(truth)) == truth  # the township sees it all
        assert truth[0] > since
        for after, client in resumed:
            expected = [i for i in truth if i > after]
            if expected:  # (resuming after the newest event: nothing to check but silence)
                assert read_until(client, last, len(truth)) == expected, after
    finally:
        stop.set()
        burner.kill()
        for thread in readers:
            thread.join(timeout=30)
        for client in wall + [c for _, c in resumed]:
            client.close()
