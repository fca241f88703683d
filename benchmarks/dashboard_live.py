"""dashboardUpdated under a burst: how many pushes and recomputations a burst of changes costs.

    .venv/bin/python -m benchmarks.dashboard_live --database-url URL [--rate 20] [--seconds 5]
                                                 [--subscribers 20] [--interval 1] [--json FILE]

On a generated county (`python -m benchmarks.county`; the run writes to it: reports and sign-in
tokens, so use a database of your own), starts the real server (`uvicorn server:app`, one
worker, `DASHBOARD_LIVE_SECONDS=interval`) and opens `subscribers` websocket subscriptions to
`dashboardUpdated` with the default period: half of them county officials watching the
county, half officials of the busiest township watching it (each signed in as themselves).
Then, for `seconds`, it files `rate` reports a second in that township (its officials, by
phone: they are not throttled), one request at a time, and counts, until the pushes stop:
the pushes each subscriber received, the most any got in one second, the recomputations
(`grassroots_live_summaries_total` on /metrics) and the server's CPU. The target (issue 11):
at most one recomputation per region and second, whatever the number of subscribers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import websockets

from benchmarks import county
from core.ids import to_global_id

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
SUBSCRIPTION = (
    "subscription($r: ID!) { dashboardUpdated(regionId: $r) { asOf reported { count } "
    "byStatus { status count } timeToAccept { medianHours } onTime { rate } } }"
)
REPORT = (
    "mutation($input: ReportIssueInput!) { reportIssue(input: $input) "
    "{ issue { id } errors { code message } } }"
)
VILLAGE = (
    "query($id: ID!) { node(id: $id) { ... on Region { children(first: 1) "
    "{ edges { node { id } } } } } }"
)


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def summaries(http: httpx.Client) -> float:
    match = re.search(
        r'^grassroots_live_summaries_total\{field="dashboardUpdated"\} (\S+)$',
        http.get("/metrics").text,
        re.M,
    )
    return float(match.group(1)) if match else 0.0


async def watch(url: str, token: str, region: str, arrivals: list[float], ready: asyncio.Event):
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": SUBSCRIPTION, "variables": {"r": region}}
        await ws.send(json.dumps({"id": "d", "type": "subscribe", "payload": payload}))
        ready.set()
        async for message in ws:
            body = json.loads(message)
            if body["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif body["type"] == "next":
                assert "errors" not in body["payload"], body
                arrivals.append(time.monotonic())
            else:
                raise RuntimeError(f"unexpected {body}")


async def burst(args: argparse.Namespace, base: str, pid: int) -> dict[str, Any]:
    manifest = await county.sample(args.database_url, max(1, args.subscribers // 2))
    county_seats = manifest["county_officials"]
    township = manifest["township_officials_busy"][0]["region"]
    township_seats = [s for s in manifest["township_officials_busy"] if s["region"] == township]
    # Every official of that township (sample() gives one per township): sign them in too.
    seats = [(s["account"], to_global_id("Region", s["region"])) for s in county_seats]
    watchers = [seats[i % len(seats)] for i in range(args.subscribers - args.subscribers // 2)]
    township_id = to_global_id("Region", township)
    watchers += [(township_seats[0]["account"], township_id)] * (args.subscribers // 2)
    tokens = await county.sign_in(args.database_url, {a for a, _ in watchers}, hours=2)
    reporter = tokens[township_seats[0]["account"]]
    http = httpx.Client(base_url=base, timeout=60)
    headers = {"authorization": f"Bearer {reporter}"}
    answer = http.post(
        "/graphql", json={"query": VILLAGE, "variables": {"id": township_id}}, headers=headers
    ).json()
    village = answer["data"]["node"]["children"]["edges"][0]["node"]["id"]

    url = base.replace("http", "ws") + "/graphql"
    arrivals: list[list[float]] = [[] for _ in watchers]
    readies = [asyncio.Event() for _ in watchers]
    tasks = [
        asyncio.create_task(watch(url, tokens[a], r, arrivals[i], readies[i]))
        for i, (a, r) in enumerate(watchers)
    ]
    await asyncio.gather(*(r.wait() for r in readies))
    await asyncio.sleep(2 * args.interval + 1)  # joined, and settled
    for got in arrivals:
        got.clear()

    def report(n: int) -> None:
        issue = {
            "regionId": village,
            "category": "HEATING",
            "title": f"暖气不热 {n}",
            "description": "基准测试：一阵集中的报修。",
            "channel": "PHONE",
            "contactName": "王大爷",
            "contactPhone": "13912345678",
        }
        body = http.post(
            "/graphql", headers=headers, json={"query": REPORT, "variables": {"input": issue}}
        ).json()
        assert not body["data"]["reportIssue"]["errors"], body

    before, cpu_before = summaries(http), cpu_seconds(pid)
    started = time.monotonic()
    changes = int(args.rate * args.seconds)
    for n in range(changes):
        await asyncio.to_thread(report, n)
        delay = started + (n + 1) / args.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
    burst_seconds = time.monotonic() - started
    # Until the pushes stop: the last one comes at most an interval (and a computation) later.
    quiet = 0.0
    while quiet < 2 * args.interval + 1:
        seen = sum(len(a) for a in arrivals)
        await asyncio.sleep(0.5)
        quiet = quiet + 0.5 if sum(len(a) for a in arrivals) == seen else 0.0
    elapsed = time.monotonic() - started
    computed = summaries(http) - before
    cpu = cpu_seconds(pid) - cpu_before
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    pushes = [len(a) for a in arrivals]
    per_second = max(
        (max(Counter(math.floor(t - started) for t in a).values()) for a in arrivals if a),
        default=0,
    )
    regions = 2
    return {
        "changes": changes,
        "burst_seconds": round(burst_seconds, 2),
        "seconds_until_quiet": round(elapsed, 2),
        "subscribers": len(watchers),
        "regions": regions,
        "pushes_per_subscriber": {"min": min(pushes), "max": max(pushes)},
        "most_pushes_in_one_second": per_second,
        "recomputations": int(computed),
        "recomputations_per_region_second": round(computed / regions / elapsed, 2),
        "allowed_per_region": 1 + math.ceil(elapsed / args.interval),
        "server_cpu_s": round(cpu, 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.dashboard_live",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database-url", required=True, help="a generated county, yours")
    parser.add_argument("--rate", type=float, default=20.0, help="changes a second")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--subscribers", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="DASHBOARD_LIVE_SECONDS")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    args.database_url = county.normalise(args.database_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": args.database_url, "DEMO_DATA": "0",
           "DASHBOARD_LIVE_SECONDS": str(args.interval), "SWEEP_INTERVAL": "0",
           "MAX_SOCKETS_PER_ACCOUNT": "1000", "MAX_SUBSCRIPTIONS_PER_ACCOUNT": "1000"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "server:app", "--port", str(port), "--log-level",
         "warning", "--ws", "websockets-sansio", "--ws-per-message-deflate", "false"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.3)
        load = os.getloadavg()[0]
        result = asyncio.run(burst(args, base, server.pid))
        result["load_average"] = [round(load, 2), round(os.getloadavg()[0], 2)]
        result["interval"] = args.interval
        result["rate"] = args.rate
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(result, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
