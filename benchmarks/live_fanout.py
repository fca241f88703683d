"""Live fan-out benchmark: thousands of dashboard subscriptions on one county.

    .venv/bin/python -m benchmarks.live_fanout [--subscribers 5000] [--seconds 20] [--rate 2]
                                               [--accounts 1] [--mix] [--gc] [--json FILE]

Starts the real server (`uvicorn server:app`, one worker, SQLite, demo data) and, in the same
run, the bare ASGI broadcaster of raw_broadcaster.py as the baseline. Opens the subscriptions
over real websockets from this process, makes `rate` status changes a second through the
GraphQL API, and prints:
  - commit-to-receipt latency p50/p99 (from the event's own timestamp, taken before commit);
  - server memory per idle subscription (RSS growth / subscriptions);
  - server CPU per delivered message, and its ratio to the baseline's for the same bytes.
Targets (issue #3): p50 <= 100 ms, p99 <= 500 ms, <= 30 KiB per subscription, ratio <= 3.

Who watches (the scenario):
  --accounts K   K distinct officials, each signed in as themselves; socket i signs in with
                 account i % K. Without --mix all K are county officials watching the county:
                 K groups (one per viewer) sharing one render per event (one audience).
  --mix          the county's dashboard wall as it is: half the K accounts are county officials
                 watching the county, a quarter township officials and a quarter deputies, each
                 watching their own township (the demo county's two, alternately); the status
                 changes alternate between the two townships. Every event then has three
                 audiences (county officials; that township's officials; its deputies), and a
                 township's watchers get only its half of the events.
The K accounts, their grants and their sign-in tokens are written into the benchmark's own
database before the server starts: one argon2 hash shared by all (hashing K passwords would
take minutes) and `AuthToken` rows made as `login` makes them (`new_token`, `token_digest`),
instead of K argon2 verifications through the `login` mutation.

Also printed, to tell the server's share of a latency from the machine's: the bare
broadcaster's own p50/p99 in the same run (from its publish request), and for the slowest
event its first, median and last arrival (a late first arrival: a stall before sending, such
as a garbage collection or another process on the cores; a late last one: a slow send). `--gc`
times every garbage collection of both servers (benchmarks/gc_probe.py); `--profile FILE`
records the server with py-spy during the events.
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
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
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
PASSWORD = "demo-password"
COUNTY = "500237"  # 青山县 of the demo data
# Its townships, each with the courtyard where the status changes are reported, and by whom.
TOWNSHIPS = {
    "500237101": ("500237101201001", "13800000005"),  # 龙溪镇, 老槐树院落, 崔玉环
    "500237102": ("500237102201001", "13800000007"),  # 南大里乡, 柳树坪院落, 冯景凯
}
FIRST_TOWNSHIP, SECOND_TOWNSHIP = TOWNSHIPS
# --mix: who sits at the wall, in turn (half county officials; a quarter each of township
# officials and deputies, alternately of the two townships).
MIX = [
    ("COUNTY_OFFICIAL", COUNTY),
    ("TOWNSHIP_OFFICIAL", FIRST_TOWNSHIP),
    ("COUNTY_OFFICIAL", COUNTY),
    ("DEPUTY", FIRST_TOWNSHIP),
    ("COUNTY_OFFICIAL", COUNTY),
    ("TOWNSHIP_OFFICIAL", SECOND_TOWNSHIP),
    ("COUNTY_OFFICIAL", COUNTY),
    ("DEPUTY", SECOND_TOWNSHIP),
]


@dataclass(frozen=True)
class Seat:
    """One signed-in account at the wall: its role, the region it watches, its token."""

    role: str
    watches: str  # region code
    token: str = ""


def seats_of(accounts: int, mix: bool) -> list[Seat]:
    if not mix:
        return [Seat("COUNTY_OFFICIAL", COUNTY)] * accounts
    return [Seat(*MIX[j % len(MIX)]) for j in range(accounts)]


def describe(args: argparse.Namespace) -> str:
    """The scenario, printed beside every figure: who watches, how many, how fast, how long."""
    who = (
        "mixed (1/2 county officials, 1/4 township officials, 1/4 deputies)"
        if args.mix
        else ("county officials")
    )
    return (
        f"{args.accounts} account{'s' if args.accounts != 1 else ''} {who}, "
        f"{args.subscribers} subs, {args.rate:g} events/s, {args.seconds:g} s"
    )


async def prepare_database(
    env: dict, seats: list[Seat]
) -> tuple[dict[str, int], list[Seat], dict[str, str]]:
    """Migrate and load the demo county, then add the accounts of `seats`, each with its grant
    and a sign-in token. Returns the region ids by code, the seats with their tokens, and a
    token for each reporting resident, by phone."""
    from sqlalchemy import select

    from core.bootstrap import prepare
    from core.config import Settings
    from core.db import Database, create_engine
    from core.identity import hash_password, new_token, token_digest
    from core.storage import LocalStorage
    from models.accounts import Account, AuthToken, Role, RoleGrant
    from models.base import utcnow
    from models.regions import Region

    settings = Settings.from_env(env)
    db = Database(create_engine(settings.database_url))
    try:
        await prepare(settings, db, LocalStorage(settings.media_dir))
        async with db.transaction() as session:
            regions = {r.code: r.id for r in (await session.execute(select(Region))).scalars()}
            reporters = [phone for _courtyard, phone in TOWNSHIPS.values()]
            residents = list(
                (await session.execute(select(Account).where(Account.phone.in_(reporters))))
                .scalars()
                .all()
            )
            password_hash = await hash_password(PASSWORD)  # once, shared by every account
            accounts = [
                Account(phone=f"139{j:08d}", display_name=f"值班{j}", password_hash=password_hash)
                for j in range(len(seats))
            ]
            session.add_all(accounts)
            await session.flush()
            session.add_all(
                RoleGrant(account_id=a.id, role=Role[s.role], region_id=regions[s.watches])
                for a, s in zip(accounts, seats, strict=True)
            )
            expires = utcnow() + timedelta(days=1)
            tokens: dict[int, str] = {}
            for account in [*accounts, *residents]:
                tokens[account.id] = new_token()
                session.add(
                    AuthToken(
                        account_id=account.id,
                        token_hash=token_digest(tokens[account.id]),
                        expires_at=expires,
                    )
                )
            resident_tokens = {a.phone: tokens[a.id] for a in residents}
    finally:
        await db.engine.dispose()
    signed_in = [
        Seat(s.role, s.watches, tokens[a.id]) for a, s in zip(accounts, seats, strict=True)
    ]
    return regions, signed_in, resident_tokens


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def start(
    args: list[str], env: dict, port: int, log: Path, gc_out: Path | None = None
) -> subprocess.Popen:
    """uvicorn serving `args[0]`; with `gc_out`, every garbage collection is timed into it."""
    if gc_out is not None:
        env = {**env, "GC_PROBE_OUT": str(gc_out)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn" if gc_out is None else "benchmarks.gc_probe",
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
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code < 500:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{args[0]} did not start (see {log})")


def gc_summary(gc_out: Path, since: float, until: float) -> dict:
    """The garbage collections of a server between two wall-clock times."""
    runs = [(g, d) for t, g, d in json.loads(gc_out.read_text()) if since <= t <= until]
    return {
        "count": [sum(g == n for g, _ in runs) for n in range(3)],
        "total_ms": sum(d for _, d in runs) * 1000,
        "gen2_ms": sum(d for g, d in runs if g == 2) * 1000,
        "longest_ms": max((d for _, d in runs), default=0) * 1000,
    }


def gc_line(gc_: dict) -> str:
    return (
        f"{'/'.join(map(str, gc_['count']))} collections (gen 0/1/2), {gc_['total_ms']:.0f} ms"
        f" in all, {gc_['gen2_ms']:.0f} ms in gen 2, longest {gc_['longest_ms']:.0f} ms"
    )


def log_summary(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines()
    if not lines:
        return "empty"
    errors = [x for x in lines if "ERROR" in x or "Traceback" in x or "Exception" in x]
    first = next(iter(errors or lines))[:160]
    return f"{len(lines)} lines, {len(errors)} with errors; first: {first}"


async def gql(client: httpx.AsyncClient, query: str, variables=None, token=None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors']}")
    return body["data"]


async def metrics(port: int) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        text = (await http.get("/metrics")).text
    return {
        name: float(value)
        for name, _, value in (line.rpartition(" ") for line in text.splitlines())
        if name.startswith("grassroots_") and not name.endswith("_created")
    }


class Subscribers:
    """Websocket subscribers (lean clients); each records when its messages arrive.

    One socket per watched region keeps its payloads: the event timestamps of that region's
    messages, in the order every socket watching it receives them."""

    def __init__(self) -> None:
        self.sockets: list[LeanSocket] = []
        self.watches: list[str] = []  # region code per socket
        self.keepers: dict[str, LeanSocket] = {}

    async def open(
        self, port: int, n: int, first: list[tuple[str, dict | None, dict | None]]
    ) -> None:
        """`n` sockets; socket i sends `first[i % len(first)]`: (watches, init, subscribe)."""
        self.sockets = [None] * n  # type: ignore[list-item]
        self.watches = [first[i % len(first)][0] for i in range(n)]

        async def one(index: int) -> None:
            watches, init, subscribe = first[index % len(first)]
            keep = watches not in self.keepers
            sock = await open_socket("127.0.0.1", port, "/graphql", keep_payloads=keep)
            if keep:
                self.keepers[watches] = sock
            if init and subscribe:
                sock.send_json(init)
                deadline = time.monotonic() + 60
                while sock.texts < 1 and sock.closed_code is None:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"socket {index}: no connection_ack")
                    await asyncio.sleep(0.01)
                if sock.closed_code is not None:
                    raise RuntimeError(f"socket {index}: closed {sock.closed_code} at sign-in")
                sock.send_json(subscribe)
            self.sockets[index] = sock

        for start_ in range(0, n, 250):
            await asyncio.gather(*(one(start_ + i) for i in range(min(250, n - start_))))

    def count(self, on: bool) -> None:
        for sock in self.sockets:
            sock.counting = on

    @property
    def received(self) -> int:
        return sum(len(s.arrivals) for s in self.sockets)

    def problems(self) -> dict[str, int]:
        return {
            "sockets closed by the server": sum(s.closed_code is not None for s in self.sockets),
            "error messages": sum(s.errors for s in self.sockets),
        }

    def stamps(self) -> dict[str, list[float]]:
        """The timestamps of the events each watched region received, in order."""
        stamps: dict[str, list[float]] = {}
        for watches, keeper in self.keepers.items():
            counted = keeper.payloads[-len(keeper.arrivals) :] if keeper.arrivals else []
            stamps[watches] = [
                datetime.fromisoformat(
                    json.loads(p)["payload"]["data"]["issueStatusChanged"]["at"]
                ).timestamp()
                for p in counted
            ]
        return stamps

    def latencies_ms(self) -> dict[str, list[float]]:
        """Arrival minus the event's own timestamp, for every message, by watched region."""
        stamps = self.stamps()
        out: dict[str, list[float]] = {w: [] for w in stamps}
        for sock, watches in zip(self.sockets, self.watches, strict=True):
            mine = stamps[watches]
            out[watches].extend(
                (arrived - mine[k]) * 1000
                for k, arrived in enumerate(sock.arrivals)
                if k < len(mine)
            )
        return out

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


def per_event(sockets: list[LeanSocket], stamps: list[float]) -> list[tuple[float, float, float]]:
    """(first, median, last) arrival of each event over `sockets`, in ms after its stamp: a
    late first arrival is a stall before sending; a late last one, a slow send to everyone."""
    out = []
    for k, stamp in enumerate(stamps):
        arrivals = sorted(s.arrivals[k] for s in sockets if k < len(s.arrivals))
        if arrivals:
            first, mid, last = arrivals[0], arrivals[len(arrivals) // 2], arrivals[-1]
            out.append(((first - stamp) * 1000, (mid - stamp) * 1000, (last - stamp) * 1000))
    return out


def worst(events: list[tuple[float, float, float]]) -> str:
    first, mid, last = max(events, key=lambda e: e[2])
    return f"worst event: first {first:.0f}, median {mid:.0f}, last {last:.0f} ms"


async def measure_server(args: argparse.Namespace, tmp: Path) -> dict:
    n, seconds, rate = args.subscribers, args.seconds, args.rate
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
        # The load client opens every socket from one address (and, with --accounts 1, as
        # one account): a deployment's caps would rightly refuse it, so they are lifted here.
        "MAX_SOCKETS_PER_SOURCE": str(n + 100),
        "MAX_SOCKETS_PER_ACCOUNT": str(n + 100),
        "MAX_SUBSCRIPTIONS_PER_ACCOUNT": str(n + 100),
    }
    from core.ids import to_global_id  # the server's own id encoding

    regions, seats, residents = await prepare_database(env, seats_of(args.accounts, args.mix))
    log = tmp / "server.log"
    gc_out = tmp / "server-gc.json" if args.gc else None
    server = start(["server:app"], env, port, log, gc_out)
    base = f"http://127.0.0.1:{port}"
    # Without --mix every change is in the first township (as the figures always were).
    townships = [FIRST_TOWNSHIP, SECOND_TOWNSHIP] if args.mix else [FIRST_TOWNSHIP]
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            report = """mutation($i: ReportIssueInput!) { reportIssue(input: $i)
                        { event { id } errors { message } } }"""
            failed: list = []

            async def change(n_: int) -> None:
                courtyard, reporter = TOWNSHIPS[townships[n_ % len(townships)]]
                data = await gql(
                    http,
                    report,
                    {
                        "i": {
                            "regionId": to_global_id("Region", regions[courtyard]),
                            "category": "ROADS",
                            "title": f"路面坑洼 {n_}",
                            "description": "压测",
                        }
                    },
                    token=residents[reporter],
                )
                if data["reportIssue"]["errors"]:
                    failed.append(data["reportIssue"]["errors"])

            for i in range(3):  # warm up: caches, code paths, connections
                await change(-i)
            await asyncio.sleep(1)
            rss_before = rss_bytes(server.pid)
            subs = Subscribers()
            await subs.open(
                port,
                n,
                [
                    (
                        seat.watches,
                        {
                            "type": "connection_init",
                            "payload": {"authorization": f"Bearer {seat.token}"},
                        },
                        {
                            "id": "d",
                            "type": "subscribe",
                            "payload": {
                                "query": SUBSCRIPTION,
                                "variables": {
                                    "region": to_global_id("Region", regions[seat.watches])
                                },
                            },
                        },
                    )
                    for seat in seats
                ],
            )
            await asyncio.sleep(5)  # idle
            rss_idle = rss_bytes(server.pid)
            idle = await metrics(port)
            subs.count(True)
            cpu_before = cpu_seconds(server.pid)
            phase_started = time.time()
            events = int(seconds * rate)
            per_township = Counter(townships[i % len(townships)] for i in range(events))
            expected = sum(
                events if watches == COUNTY else per_township[watches] for watches in subs.watches
            )
            if args.profile:  # where the server spends the event phase (needs py-spy)
                subprocess.Popen(
                    [
                        Path(sys.executable).with_name("py-spy"),
                        "record",
                        "-p",
                        str(server.pid),
                        "-d",
                        str(int(seconds)),
                        "-f",
                        args.profile_format,
                        "-o",
                        args.profile,
                        # --native must pause the process to unwind C stacks
                        *(["--native"] if args.profile_native else ["--nonblocking"]),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            await paced(events, rate, change)
            await delivered(subs, expected)
            cpu = cpu_seconds(server.pid) - cpu_before
            phase_ended = time.time()
            after = await metrics(port)
            subs.close()
    finally:
        server.terminate()
        server.wait()
    latencies = subs.latencies_ms()
    everything = [x for values in latencies.values() for x in values]
    watched = COUNTY if COUNTY in subs.keepers else next(iter(subs.keepers))
    keeper = subs.keepers[watched]
    events_seen = per_event(
        [s for s, w in zip(subs.sockets, subs.watches, strict=True) if w == watched],
        subs.stamps()[watched],
    )
    return {
        "events": events,
        "messages": subs.received,
        "expected": expected,
        "p50_ms": percentile(everything, 50),
        "p99_ms": percentile(everything, 99),
        "max_ms": max(everything),
        "by_region": {
            w: (len(v), percentile(v, 50), percentile(v, 99)) for w, v in latencies.items() if v
        },
        "rss_per_sub_kib": (rss_idle - rss_before) / n / 1024,
        "cpu_per_msg_us": cpu / max(subs.received, 1) * 1e6,
        "cpu_s": cpu,
        "per_event": events_seen,
        "sample": keeper.payloads[-1].decode(),
        "groups": idle.get("grassroots_subscription_groups"),
        "subscriptions": idle.get("grassroots_subscriptions"),
        "slow_dropped": after.get("grassroots_slow_clients_dropped_total", 0),
        "failed_changes": len(failed),
        "problems": subs.problems(),
        "log": log_summary(log),
        "roles": dict(Counter(f"{s.role} of {s.watches}" for s in seats)),
        "gc": gc_summary(gc_out, phase_started, phase_ended) if gc_out else None,
    }


async def measure_raw(
    n: int, seconds: float, rate: float, sample: str, tmp: Path, gc: bool = False
) -> dict:
    port = free_port()
    log = tmp / "raw.log"
    gc_out = tmp / "raw-gc.json" if gc else None
    server = start(["benchmarks.raw_broadcaster:app"], dict(os.environ), port, log, gc_out)
    base = f"http://127.0.0.1:{port}"
    try:
        rss_before = rss_bytes(server.pid)
        subs = Subscribers()
        await subs.open(port, n, [("all", None, None)])
        await asyncio.sleep(5)
        rss_idle = rss_bytes(server.pid)
        subs.count(True)
        cpu_before = cpu_seconds(server.pid)
        phase_started = time.time()
        events = int(seconds * rate)
        published: list[float] = []
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:

            async def publish(_i: int) -> None:
                published.append(time.time())
                await http.post("/publish", content=sample.encode())

            await paced(events, rate, publish)
        await delivered(subs, events * n)
        cpu = cpu_seconds(server.pid) - cpu_before
        phase_ended = time.time()
        subs.close()
    finally:
        server.terminate()
        server.wait()
    # The same latency as the server's, from the moment the publish request was sent.
    latencies = [
        (arrived - published[k]) * 1000
        for sock in subs.sockets
        for k, arrived in enumerate(sock.arrivals)
        if k < len(published)
    ]
    return {
        "messages": subs.received,
        "gc": gc_summary(gc_out, phase_started, phase_ended) if gc_out else None,
        "per_event": per_event(subs.sockets, published),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
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
    parser.add_argument(
        "--accounts", type=int, default=1, help="distinct signed-in officials (socket i: i %% K)"
    )
    parser.add_argument(
        "--mix", action="store_true", help="officials and deputies of county and townships"
    )
    parser.add_argument("--profile", help="write a py-spy profile of the event phase here")
    parser.add_argument("--profile-format", default="raw", help="py-spy -f (raw, speedscope)")
    parser.add_argument(
        "--profile-native", action="store_true", help="py-spy --native (C frames, e.g. the GC)"
    )
    parser.add_argument(
        "--gc", action="store_true", help="time every garbage collection of both servers"
    )
    parser.add_argument("--json", help="append the figures, as one JSON line, to this file")
    args = parser.parse_args()
    if not 1 <= args.accounts <= args.subscribers:
        parser.error("--accounts must be between 1 and --subscribers")
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    n = args.subscribers
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        ours = await measure_server(args, Path(tmp))
        raw = await measure_raw(n, args.seconds, args.rate, ours["sample"], Path(tmp), args.gc)
    ratio = ours["cpu_per_msg_us"] / raw["cpu_per_msg_us"]
    scenario = describe(args)
    print(f"scenario            {scenario}")
    print(f"accounts            {', '.join(f'{k} x{v}' for k, v in ours['roles'].items())}")
    print(
        f"server              {ours['subscriptions']:.0f} subscriptions in {ours['groups']:.0f}"
        f" groups; {ours['events']} status changes, {len(ours['sample'])} bytes a message"
    )
    print(
        f"delivered           {ours['messages']} of {ours['expected']}   (slow clients dropped "
        f"{ours['slow_dropped']:.0f}, failed changes {ours['failed_changes']}, "
        + ", ".join(f"{k} {v}" for k, v in ours["problems"].items())
        + ")"
    )
    print(
        f"commit-to-receipt   p50 {ours['p50_ms']:.0f} ms   p99 {ours['p99_ms']:.0f} ms   "
        f"max {ours['max_ms']:.0f} ms   (targets 100 / 500)   [{scenario}]"
    )
    print(f"  {worst(ours['per_event'])}")
    print(
        f"  raw broadcaster   p50 {raw['p50_ms']:.0f} ms   p99 {raw['p99_ms']:.0f} ms   "
        "in this run (from its publish request; the floor of a serial send to every socket)"
    )
    print(f"    {worst(raw['per_event'])}")
    if len(ours["by_region"]) > 1:
        for watches, (count, p50, p99) in ours["by_region"].items():
            print(f"  watching {watches:<10} p50 {p50:.0f} ms   p99 {p99:.0f} ms   ({count} msgs)")
    print(
        f"memory per idle sub {ours['rss_per_sub_kib']:.1f} KiB   (target 30; a bare ASGI "
        f"websocket holds {raw['rss_per_conn_kib']:.1f} KiB)   [{scenario}]"
    )
    print(
        f"server CPU per msg  {ours['cpu_per_msg_us']:.1f} us ({ours['cpu_s']:.1f} s); raw ASGI "
        f"broadcaster in this run {raw['cpu_per_msg_us']:.1f} us ({raw['messages']} messages)"
    )
    if args.gc:
        print(f"garbage collection  {gc_line(ours['gc'])}, during the events")
        print(f"  raw broadcaster   {gc_line(raw['gc'])}")
    print(f"CPU ratio           {ratio:.2f}x   (target 3)   [{scenario}]")
    print(
        f"load average        {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after "
        f"({os.cpu_count()} cores)"
    )
    print(f"server log          {ours['log']}")
    if args.json:
        figures = {k: v for k, v in ours.items() if k not in {"sample"}}
        record = {
            "scenario": scenario,
            "accounts": args.accounts,
            "mix": args.mix,
            **figures,
            "raw_cpu_per_msg_us": raw["cpu_per_msg_us"],
            "raw_rss_per_conn_kib": raw["rss_per_conn_kib"],
            "raw_p50_ms": raw["p50_ms"],
            "raw_p99_ms": raw["p99_ms"],
            "raw_per_event": raw["per_event"],
            "raw_gc": raw["gc"],
            "ratio": ratio,
            "load_before": load_before[0],
            "load_after": os.getloadavg()[0],
        }
        with open(args.json, "a") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
