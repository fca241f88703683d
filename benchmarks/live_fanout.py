"""Live fan-out benchmark: thousands of dashboard subscriptions on one county.

    .venv/bin/python benchmarks/live_fanout.py [--subscribers 5000] [--seconds 20] [--rate 2]

Starts the real server (`uvicorn server:app`, one worker, SQLite, demo data) and, in the same
run, the bare ASGI broadcaster of raw_broadcaster.py as the baseline. Opens the subscriptions
over real websockets from this process, makes `rate` status changes a second through the
GraphQL API, and prints:
  - commit-to-receipt latency p50/p99 (from the event's own timestamp, taken before commit);
  - server memory per idle subscription (RSS growth / subscriptions);
  - server CPU per delivered message, and its ratio to the baseline's for the same bytes.
Targets (issue #3): p50 <= 100 ms, p99 <= 500 ms, <= 30 KiB per subscription, ratio <= 3.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

from benchmarks.lean_client import LeanSocket, open_socket

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
SUBSCRIPTION = """subscription($region: ID!) { issueStatusChanged(regionId: $region) {
  id cursor kind fromStatus toStatus level at
  issue { id number title status level region { name } }
} }"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def start(args: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            *args,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ws",
            "websockets-sansio",
            "--ws-per-message-deflate",
            "false",
            "--log-level",
            "warning",
            "--backlog",
            "4096",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code < 500:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{args[0]} did not start")


async def gql(client: httpx.AsyncClient, query: str, variables=None, token=None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    return response.json()["data"]


class Subscribers:
    """`n` websocket subscribers (lean clients); each records when its messages arrive."""

    def __init__(self) -> None:
        self.sockets: list[LeanSocket] = []

    async def open(self, port: int, n: int, init: dict | None, subscribe: dict | None) -> None:
        async def one(index: int) -> None:
            sock = await open_socket("127.0.0.1", port, "/graphql", keep_payloads=index == 0)
            if init:
                sock.send_json(init)
                while sock.texts < 1:
                    await asyncio.sleep(0.01)
                sock.send_json(subscribe)
            self.sockets.append(sock)

        for first in range(0, n, 250):
            await asyncio.gather(*(one(first + i) for i in range(min(250, n - first))))
        self.sockets.sort(key=lambda s: not s.keep_payloads)  # the one keeping payloads first

    def count(self, on: bool) -> None:
        for sock in self.sockets:
            sock.counting = on

    @property
    def received(self) -> int:
        return sum(len(s.arrivals) for s in self.sockets)

    def latencies_ms(self) -> list[float]:
        """Arrival minus the event's own timestamp, for every message on every socket."""
        first = self.sockets[0]
        stamps = (
            [
                datetime.fromisoformat(
                    json.loads(p)["payload"]["data"]["issueStatusChanged"]["at"]
                ).timestamp()
                for p in first.payloads[-len(first.arrivals) :]
            ]
            if first.arrivals
            else []
        )
        return [
            (arrived - stamps[k]) * 1000
            for s in self.sockets
            for k, arrived in enumerate(s.arrivals)
            if k < len(stamps)
        ]

    def close(self) -> None:
        for sock in self.sockets:
            sock.transport.close()


async def paced(count: int, rate: float, action) -> None:
    """`action(i)` for i in range(count), started `rate` times a second."""
    started = time.monotonic()
    for i in range(count):
        await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
        await action(i)


async def delivered(subs: Subscribers, expected: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while subs.received < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure_server(
    n: int, seconds: float, rate: float, tmp: Path, profile: str | None = None
) -> dict:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "DEMO_DATA": "1",
        "DATA_DIR": str(tmp),
        "SWEEP_INTERVAL": "0",
        "REPORTS_PER_HOUR": "1000000",
        "BROADCAST_URL": "memory://",
        "LIVE_OUTBOX_MESSAGES": "1000",
    }
    server = start(["server:app"], env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            login = """mutation($p: String!) { login(phone: $p, password: "demo-password")
                       { token } }"""
            county = (await gql(http, login, {"p": "13800000001"}))["login"]["token"]
            resident = (await gql(http, login, {"p": "13800000005"}))["login"]["token"]
            roles = await gql(http, "{ viewer { roles { region { id } } } }", token=county)
            region = roles["viewer"]["roles"][0]["region"]["id"]
            courtyard = (await gql(http, "{ viewer { roles { region { id } } } }", token=resident))[
                "viewer"
            ]["roles"][0]["region"]["id"]
            report = """mutation($i: ReportIssueInput!) { reportIssue(input: $i)
                        { event { id } errors { message } } }"""

            async def change(n_: int) -> None:
                await gql(
                    http,
                    report,
                    {
                        "i": {
                            "regionId": courtyard,
                            "category": "ROADS",
                            "title": f"路面坑洼 {n_}",
                            "description": "压测",
                        }
                    },
                    token=resident,
                )

            for i in range(3):  # warm up: caches, code paths, connections
                await change(-i)
            await asyncio.sleep(1)
            rss_before = rss_bytes(server.pid)
            subs = Subscribers()
            await subs.open(
                port,
                n,
                {"type": "connection_init", "payload": {"authorization": f"Bearer {county}"}},
                {
                    "id": "d",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIPTION, "variables": {"region": region}},
                },
            )
            await asyncio.sleep(5)  # idle
            rss_idle = rss_bytes(server.pid)
            subs.count(True)
            cpu_before = cpu_seconds(server.pid)
            events = int(seconds * rate)
            if profile:  # where the server spends the event phase (needs py-spy installed)
                subprocess.Popen(
                    [
                        "py-spy",
                        "record",
                        "-p",
                        str(server.pid),
                        "-d",
                        str(int(seconds)),
                        "-f",
                        "raw",
                        "-o",
                        profile,
                        "--nonblocking",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            await paced(events, rate, change)
            await delivered(subs, events * n)
            cpu = cpu_seconds(server.pid) - cpu_before
            subs.close()
    finally:
        server.terminate()
        server.wait()
    latencies = subs.latencies_ms()
    sample = subs.sockets[0].payloads[-1].decode()
    return {
        "events": events,
        "messages": subs.received,
        "expected": events * n,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies),
        "rss_per_sub_kib": (rss_idle - rss_before) / n / 1024,
        "cpu_per_msg_us": cpu / max(subs.received, 1) * 1e6,
        "sample": sample,
    }


async def measure_raw(n: int, seconds: float, rate: float, sample: str) -> dict:
    port = free_port()
    server = start(["benchmarks.raw_broadcaster:app"], dict(os.environ), port)
    base = f"http://127.0.0.1:{port}"
    try:
        rss_before = rss_bytes(server.pid)
        subs = Subscribers()
        await subs.open(port, n, None, None)
        await asyncio.sleep(5)
        rss_idle = rss_bytes(server.pid)
        subs.count(True)
        cpu_before = cpu_seconds(server.pid)
        events = int(seconds * rate)
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:

            async def publish(_i: int) -> None:
                await http.post("/publish", content=sample.encode())

            await paced(events, rate, publish)
        await delivered(subs, events * n)
        cpu = cpu_seconds(server.pid) - cpu_before
        subs.close()
    finally:
        server.terminate()
        server.wait()
    return {
        "messages": subs.received,
        "cpu_per_msg_us": cpu / max(subs.received, 1) * 1e6,
        "rss_per_conn_kib": (rss_idle - rss_before) / n / 1024,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=2, help="status changes per second")
    parser.add_argument("--profile", help="write a py-spy profile of the event phase here")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    n = args.subscribers
    with tempfile.TemporaryDirectory() as tmp:
        ours = await measure_server(n, args.seconds, args.rate, Path(tmp), args.profile)
    raw = await measure_raw(n, args.seconds, args.rate, ours["sample"])
    ratio = ours["cpu_per_msg_us"] / raw["cpu_per_msg_us"]
    print(
        f"subscribers {n}, {ours['events']} status changes at {args.rate}/s, "
        f"{len(ours['sample'])} bytes a message"
    )
    print(f"delivered           {ours['messages']} of {ours['expected']}")
    print(
        f"commit-to-receipt   p50 {ours['p50_ms']:.0f} ms   p99 {ours['p99_ms']:.0f} ms   "
        f"max {ours['max_ms']:.0f} ms   (targets 100 / 500)"
    )
    print(
        f"memory per idle sub {ours['rss_per_sub_kib']:.1f} KiB   (target 30; a bare ASGI "
        f"websocket holds {raw['rss_per_conn_kib']:.1f} KiB)"
    )
    print(
        f"server CPU per msg  {ours['cpu_per_msg_us']:.1f} us; raw ASGI broadcaster "
        f"{raw['cpu_per_msg_us']:.1f} us ({raw['messages']} messages)"
    )
    print(f"CPU ratio           {ratio:.2f}x   (target 3)")


if __name__ == "__main__":
    asyncio.run(main())
