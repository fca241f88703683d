"""Query benchmark: officials' issue lists on a generated county, against hand-written SQL.

    .venv/bin/python -m benchmarks.queries [--backend postgres|sqlite] [--scale 1]
                                           [--database-url URL] [--n 50] [--warmup 5]
                                           [--accounts 5] [--quick] [--json FILE]
                                           [--profile DIR] [--keep] [--only TEXT]

Without `--database-url`, builds a county (`benchmarks.county`, `--scale`) into a database of
its own (PostgreSQL: `bench_queries_<pid>` on `--postgres-server`, dropped at the end unless
`--keep`; SQLite: a file in a temporary folder). With it, uses the county already there.

Then starts the real server in a second process (`uvicorn benchmarks.handwritten:app`, one
worker: `server.create_app()` with the hand-written endpoints of `benchmarks/handwritten.py`
mounted in the same process, on the same database) and, from this process, one request at a
time, for each request (`scenarios_of`): county officials' first page of 50 issues
(`handwritten.TOTAL_QUERY`: region, reporter, photos, the last three timeline events) with
and without `totalCount` (`PAGE_QUERY`); the first pages of township officials and deputies
of busy townships, and of village officials of busy and of quiet villages; county officials'
pages filtered by statuses, category, overdue, and a busy township's regionId; page 2 and
page 50 after cursors; the dashboard's counts by status (`COUNTS_QUERY`, eight aliased
`totalCount`s, and `issueCounts` where the schema has it). For each, it signs in as several
accounts of the role (tokens written into the database, as `login` writes them), rotating
through them; checks that /graphql and the hand-written endpoint answer the same bytes (it
stops, loudly, if they do not, after one retry in case a photo link's 10-minute window or an
issue's deadline turned between the two); warms up; then times `n` requests to /graphql,
then `n` to the hand-written endpoint, and reads around each series:

- latency: median and p90, client side;
- server CPU per request: the server process's CPU time (all its threads, from
  /proc/<pid>/task/*/schedstat in nanoseconds; `--json` also has /proc/<pid>/stat's
  utime + stime, in 10 ms ticks, which agrees over a series);
- database CPU per request (PostgreSQL, which runs on this machine: the same for every
  backend process of the benchmark's database in pg_stat_activity; SQLite runs inside the
  server process, so its CPU is in the server's);
- SQL statements and connection checkouts per request: /graphql's from the server's /metrics
  (`grassroots_sql_statements_total`, `grassroots_db_checkouts_total`; "n/a" where the
  server has no such counters), the hand-written side's from /raw/stats.

Prints a markdown table (ours / hand-written ratios of CPU and median, and p90 / median) with
the scenario (backend, county size, n, accounts per role) above it; `--json FILE` writes every
figure. `--quick` is a smoke run: a small county, few requests. `--profile DIR` records the
server with py-spy during each /graphql series (one file per request, `pip install py-spy`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from benchmarks import county
from benchmarks.handwritten import (
    COUNTS_QUERY,
    DASHBOARD_QUERY,
    GROUPED_QUERY,
    PAGE_QUERY,
    TOTAL_QUERY,
)

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
PUBLIC_BASE_URL = "https://grassroots.example"
PAGE = 50
DEEP_PAGE = 50
CURSOR_WALK = """query Walk($after: String) { issues(first: 50, after: $after) {
  pageInfo { hasNextPage endCursor } } }"""

# --- measuring processes ------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """CPU time of a process, all its threads, from schedstat (nanoseconds) where the kernel
    keeps it, else `stat_seconds`."""
    try:
        return (
            sum(
                int((task / "schedstat").read_text().split()[0])
                for task in Path(f"/proc/{pid}/task").iterdir()
            )
            / 1e9
        )
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        return stat_seconds(pid)


def stat_seconds(pid: int) -> float:
    """utime + stime of /proc/<pid>/stat (clock ticks: 10 ms here)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


class DatabaseCpu:
    """CPU of the PostgreSQL backends serving one database (the server runs on this machine),
    read between requests through a connection of its own (on an event loop of its own)."""

    def __init__(self, database_url: str) -> None:
        import asyncpg

        self.loop = asyncio.new_event_loop()
        self.conn = self.loop.run_until_complete(asyncpg.connect(county.asyncpg_dsn(database_url)))

    def close(self) -> None:
        self.loop.run_until_complete(self.conn.close())
        self.loop.close()

    def read(self) -> dict[int, float]:
        rows = self.loop.run_until_complete(
            self.conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
        )
        return {row["pid"]: cpu_seconds(row["pid"]) for row in rows}

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        """Backends present after: what they used since before (all of it if new)."""
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- requests -------------------------------------------------------------------------------


@dataclass
class Seat:
    """One signed-in account and the variables its requests send."""

    account: int
    token: str
    variables: dict[str, Any]
    who: str = ""


@dataclass
class Scenario:
    name: str
    query: str
    raw: str  # the hand-written endpoint's path
    seats: list[Seat]
    note: str = ""
    results: dict[str, Any] = field(default_factory=dict)


class Mismatch(AssertionError):
    pass


class Client:
    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=120)

    def graphql(self, query: str, seat: Seat) -> bytes:
        response = self.http.post(
            "/graphql",
            json={"query": query, "variables": seat.variables},
            headers={"authorization": f"Bearer {seat.token}"},
        )
        if response.status_code != 200:
            raise RuntimeError(f"/graphql: HTTP {response.status_code}: {response.text[:500]}")
        return response.content

    def raw(self, path: str, seat: Seat) -> bytes:
        response = self.http.post(
            path,
            json={"variables": seat.variables},
            headers={"authorization": f"Bearer {seat.token}"},
        )
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}: {response.text[:500]}")
        return response.content

    def metrics(self) -> dict[str, float]:
        text = self.http.get("/metrics").text
        out: dict[str, float] = {}
        for line in text.splitlines():
            name, _, value = line.rpartition(" ")
            if name.startswith("grassroots_") and not name.endswith("_created"):
                out[name] = float(value)
        return out

    def raw_stats(self) -> dict[str, float]:
        return self.http.get("/raw/stats").json()


def first_difference(a: bytes, b: bytes) -> str:
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return (
        f"first difference at byte {at} of {len(a)} / {len(b)}:\n"
        f"  /graphql:     ...{a[max(0, at - 120) : at + 120].decode(errors='replace')}...\n"
        f"  hand-written: ...{b[max(0, at - 120) : at + 120].decode(errors='replace')}..."
    )


def check(client: Client, scenario: Scenario, folder: Path) -> tuple[int, int | None]:
    """Every seat's answer from /graphql and from the hand-written endpoint, byte for byte.
    Returns the first answer's size and how many issues it listed (None: not a list)."""
    size, listed = 0, None
    for seat in scenario.seats:
        for attempt in range(2):
            ours = client.graphql(scenario.query, seat)
            raw = client.raw(scenario.raw, seat)
            body = json.loads(ours)
            if "errors" in body:
                raise RuntimeError(f"{scenario.name}: /graphql answered errors: {body['errors']}")
            if ours == raw:
                break
            if attempt == 1:  # not a photo link's window turning over: a real difference
                stem = folder / f"mismatch-{scenario.name.split(':')[0].replace(' ', '-')}"
                Path(f"{stem}.graphql.json").write_bytes(ours)
                Path(f"{stem}.raw.json").write_bytes(raw)
                raise Mismatch(
                    f"{scenario.name} as account {seat.account} ({seat.who}): /graphql and "
                    f"{scenario.raw} differ; both saved as {stem}.*.json\n"
                    + first_difference(ours, raw)
                )
        if not size:
            size = len(ours)
            issues = body["data"].get("issues")
            listed = len(issues["edges"]) if issues and "edges" in issues else None
    return size, listed


def series(
    send: Callable[[Seat], bytes],
    seats: list[Seat],
    n: int,
    pid: int,
    db_cpu: DatabaseCpu | None,
) -> dict[str, Any]:
    """`n` requests one at a time, rotating through `seats`: latencies, and the CPU the
    server and the database used meanwhile."""
    db_before = db_cpu.read() if db_cpu else {}
    cpu_before, ticks_before = cpu_seconds(pid), stat_seconds(pid)
    latencies = []
    for i in range(n):
        seat = seats[i % len(seats)]
        started = time.perf_counter()
        send(seat)
        latencies.append((time.perf_counter() - started) * 1000)
    cpu, ticks = cpu_seconds(pid) - cpu_before, stat_seconds(pid) - ticks_before
    db_after = db_cpu.read() if db_cpu else {}
    return {
        "median_ms": percentile(latencies, 50),
        "p90_ms": percentile(latencies, 90),
        "max_ms": max(latencies),
        "cpu_ms": cpu / n * 1000,
        "cpu_ms_from_stat": ticks / n * 1000,  # the same from utime + stime, 10 ms ticks
        "db_cpu_ms": DatabaseCpu.spent(db_before, db_after) / n * 1000 if db_cpu else None,
        "latencies_ms": latencies,
    }


def per_request(before: dict[str, float], after: dict[str, float], name: str, n: int):
    if name not in after:
        return None
    return (after[name] - before.get(name, 0.0)) / n


# --- the run --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "benchmarks.handwritten:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"the server did not start (see {log})")


async def seats_of(database_url: str, per_role: int) -> tuple[dict[str, Any], dict[int, str]]:
    manifest = await county.sample(database_url, per_role)
    accounts = [
        seat["account"]
        for role in (
            "county_officials",
            "township_officials_busy",
            "deputies_busy",
            "village_officials_busy",
            "village_officials_quiet",
        )
        for seat in manifest[role]
    ]
    return manifest, await county.sign_in(database_url, accounts, hours=12)


def scenarios_of(
    manifest: dict[str, Any], tokens: dict[int, str], client: Client
) -> list[Scenario]:
    from core.ids import to_global_id

    def seats(role: str, variables: dict[str, Any]) -> list[Seat]:
        return [
            Seat(s["account"], tokens[s["account"]], dict(variables), s.get("name", ""))
            for s in manifest[role]
        ]

    first = {"first": PAGE}
    county_seats = seats("county_officials", first)
    townships = manifest["township_officials_busy"]
    by_township = [
        Seat(
            seat.account,
            seat.token,
            {"first": PAGE, "filter": {"regionId": to_global_id("Region", t["region"])}},
            t["name"],
        )
        for seat, t in zip(county_seats, townships * len(county_seats), strict=False)
    ]
    # Page 2 and page 50 of the county's list (the same list for every county official):
    # the cursors come from walking the pages, as a client scrolling would.
    walker = county_seats[0]
    cursors: list[str] = []
    after = None
    while len(cursors) < DEEP_PAGE - 1:
        answer = json.loads(client.graphql(CURSOR_WALK, Seat(0, walker.token, {"after": after})))
        info = answer["data"]["issues"]["pageInfo"]
        if info["endCursor"] is None:
            break
        cursors.append(info["endCursor"])
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    deep = len(cursors)  # page `deep + 1` follows the last cursor: the deepest one there is
    if (
        deep
        and json.loads(client.graphql(CURSOR_WALK, Seat(0, walker.token, {"after": cursors[-1]})))[
            "data"
        ]["issues"]["pageInfo"]["endCursor"]
        is None
    ):
        deep -= 1  # the last page was full and nothing follows it
    out = [
        Scenario("county official: first 50, totalCount", TOTAL_QUERY, "/raw/issues?total=1",
                 county_seats),
        Scenario("county official: first 50, no totalCount", PAGE_QUERY, "/raw/issues",
                 seats("county_officials", first)),
        Scenario("township official (busy township): first 50", TOTAL_QUERY,
                 "/raw/issues?total=1", seats("township_officials_busy", first)),
        Scenario("deputy (busy township): first 50", TOTAL_QUERY,
                 "/raw/issues?total=1", seats("deputies_busy", first)),
        Scenario("village official (busy village): first 50", TOTAL_QUERY,
                 "/raw/issues?total=1", seats("village_officials_busy", first)),
        Scenario("village official (quiet village): first 50", TOTAL_QUERY,
                 "/raw/issues?total=1", seats("village_officials_quiet", first)),
        Scenario("county official: statuses [SUBMITTED, ACCEPTED]", TOTAL_QUERY,
                 "/raw/issues?total=1",
                 seats("county_officials",
                       {"first": PAGE, "filter": {"statuses": ["SUBMITTED", "ACCEPTED"]}})),
        Scenario("county official: category WATER", TOTAL_QUERY, "/raw/issues?total=1",
                 seats("county_officials", {"first": PAGE, "filter": {"categories": ["WATER"]}})),
        Scenario("county official: overdue", TOTAL_QUERY, "/raw/issues?total=1",
                 seats("county_officials", {"first": PAGE, "filter": {"overdue": True}})),
        Scenario("county official: regionId of a busy township", TOTAL_QUERY,
                 "/raw/issues?total=1", by_township),
    ]  # fmt: skip
    if cursors:
        out.append(
            Scenario(
                "county official: page 2 (after a cursor)",
                PAGE_QUERY,
                "/raw/issues",
                seats("county_officials", {"first": PAGE, "after": cursors[0]}),
            )
        )
    if deep > 1:
        out.append(
            Scenario(
                f"county official: page {deep + 1} (after a cursor)",
                PAGE_QUERY,
                "/raw/issues",
                seats("county_officials", {"first": PAGE, "after": cursors[deep - 1]}),
                note=""
                if deep + 1 == DEEP_PAGE
                else f"the deepest page of this county, not page {DEEP_PAGE}",
            )
        )
    out.append(
        Scenario(
            "county official: dashboard, counts by status (8 aliased totalCount)",
            COUNTS_QUERY,
            "/raw/counts",
            seats("county_officials", {}),
        )
    )
    if "issueCounts(" in client.http.get("/schema.graphql").text:
        out.append(
            Scenario(
                "county official: dashboard, issueCounts(groupBy: [STATUS])",
                GROUPED_QUERY,
                "/raw/counts?grouped=1",
                seats("county_officials", {}),
            )
        )
    # The county dashboard (`dashboard`, where the schema has it), for the county, a busy
    # township and a busy village, over the 30 days before now (the same for both sides); and
    # the worst realistic one, the county's year.
    if "dashboard(" in client.http.get("/schema.graphql").text:
        end = datetime.now(UTC).replace(microsecond=0)

        def regional(role: str, days: int) -> list[Seat]:
            period = {"from": (end - timedelta(days=days)).isoformat(), "to": end.isoformat()}
            return [
                Seat(s["account"], tokens[s["account"]],
                     {"regionId": to_global_id("Region", s["region"]), **period},
                     s.get("name", ""))
                for s in manifest[role]
            ]  # fmt: skip

        out += [
            Scenario(f"{who}: dashboard ({days} days)", DASHBOARD_QUERY, "/raw/dashboard",
                     regional(role, days))
            for who, role, days in (
                ("county official", "county_officials", 30),
                ("township official (busy township)", "township_officials_busy", 30),
                ("village official (busy village)", "village_officials_busy", 30),
                ("county official", "county_officials", 365),
            )
        ]  # fmt: skip
    return out


@dataclass
class Run:
    backend: str
    version: str
    plan_counts: dict[str, int]
    scale: float | None
    n: int
    warmup: int
    accounts: int
    scenarios: list[Scenario]
    load: tuple[float, float]
    built_seconds: float | None = None

    def title(self) -> str:
        c = self.plan_counts
        size = (
            f"{c['issues']:,} issues, {c['issue_events']:,} events, {c['photos']:,} photos, "
            f"{c['accounts']:,} accounts, {c['regions']:,} regions"
        )
        scale = f"scale {self.scale:g}: " if self.scale is not None else ""
        return (
            f"{self.backend} {self.version}; county at {scale}{size}; n = {self.n} requests "
            f"per series after {self.warmup} warm-up, one at a time; {self.accounts} accounts "
            f"per role in turn; one uvicorn worker; load average {self.load[0]:.2f} before, "
            f"{self.load[1]:.2f} after ({os.cpu_count()} cores)"
        )


def fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def ratio(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or not b else f"{a / b:.1f}×"


def table(run: Run) -> str:
    lines = [
        f"Scenario: {run.title()}.",
        "",
        "| request | median / p90 | p90 ÷ median | server CPU | database CPU | SQL statements |"
        " checkouts | hand-written median / p90 | its server CPU | its database CPU |"
        " its statements | CPU ratio (server) | CPU ratio (server + database) | median ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in run.scenarios:
        o, h = s.results["ours"], s.results["raw"]
        ours_total = o["cpu_ms"] + (o["db_cpu_ms"] or 0)
        raw_total = h["cpu_ms"] + (h["db_cpu_ms"] or 0)
        name = s.name + (f" ({s.note})" if s.note else "")
        lines.append(
            f"| {name} | {o['median_ms']:.1f} / {o['p90_ms']:.1f} ms | "
            f"{o['p90_ms'] / o['median_ms']:.2f} | {o['cpu_ms']:.1f} ms | "
            f"{fmt(o['db_cpu_ms'])}{' ms' if o['db_cpu_ms'] is not None else ''} | "
            f"{fmt(o['statements'])} | {fmt(o['checkouts'])} | "
            f"{h['median_ms']:.1f} / {h['p90_ms']:.1f} ms | {h['cpu_ms']:.1f} ms | "
            f"{fmt(h['db_cpu_ms'])}{' ms' if h['db_cpu_ms'] is not None else ''} | "
            f"{fmt(h['statements'])} | {ratio(o['cpu_ms'], h['cpu_ms'])} | "
            f"{ratio(ours_total, raw_total)} | {ratio(o['median_ms'], h['median_ms'])} |"
        )
    return "\n".join(lines)


def profiler(pid: int, out: Path) -> subprocess.Popen | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        raise SystemExit("--profile needs py-spy (pip install py-spy)")
    return subprocess.Popen(
        [spy, "record", "-p", str(pid), "-f", "raw", "-o", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def measure(
    args: argparse.Namespace, database_url: str, folder: Path, log: Callable[[str], None]
) -> Run:
    """Sign in, start the server, check and time every request."""
    manifest, tokens = asyncio.run(seats_of(database_url, args.accounts))
    postgres = county.is_postgres(database_url)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(folder),
        "SECRET_KEY": "benchmark-secret",
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "DEMO_DATA": "0",
        "BROADCAST_URL": "memory://",
        # Nothing in the background: no sweep, no orphan sweep, the hub reading the log
        # only when asked (nothing is written meanwhile).
        "SWEEP_INTERVAL": "0",
        "ORPHAN_SWEEP_INTERVAL": "0",
        "LIVE_POLL_SECONDS": "3600",
        "SESSION_CHECK_SECONDS": "3600",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    port = free_port()
    server_log = folder / "server.log"
    server = start_server(env, port, server_log)
    load_before = os.getloadavg()[0]
    db_cpu = DatabaseCpu(database_url) if postgres else None
    client = Client(f"http://127.0.0.1:{port}")
    try:
        scenarios = scenarios_of(manifest, tokens, client)
        if args.only:
            scenarios = [s for s in scenarios if args.only in s.name]
        for number, scenario in enumerate(scenarios, start=1):
            size, listed = check(client, scenario, folder)
            for i in range(args.warmup):
                seat = scenario.seats[i % len(scenario.seats)]
                client.graphql(scenario.query, seat)
                client.raw(scenario.raw, seat)
            metrics_before = client.metrics()
            spy = (
                profiler(server.pid, Path(args.profile) / f"{number:02d}.txt")
                if args.profile
                else None
            )
            ours = series(
                lambda seat, s=scenario: client.graphql(s.query, seat),  # type: ignore[misc]
                scenario.seats,
                args.n,
                server.pid,
                db_cpu,
            )
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait()
            metrics_after = client.metrics()
            raw_before = client.raw_stats()
            raw = series(
                lambda seat, s=scenario: client.raw(s.raw, seat),  # type: ignore[misc]
                scenario.seats,
                args.n,
                server.pid,
                db_cpu,
            )
            raw_after = client.raw_stats()
            for key, name in (
                ("statements", "grassroots_sql_statements_total"),
                ("checkouts", "grassroots_db_checkouts_total"),
            ):
                ours[key] = per_request(metrics_before, metrics_after, name, args.n)
                raw[key] = per_request(raw_before, raw_after, key, args.n)
            scenario.results = {
                "ours": ours,
                "raw": raw,
                "bytes": size,
                "listed": listed,
                "identical": True,
            }
            log(
                f"  {scenario.name}: {ours['median_ms']:.1f} ms, {ours['cpu_ms']:.1f} ms CPU; "
                f"hand-written {raw['median_ms']:.1f} ms, {raw['cpu_ms']:.1f} ms CPU; "
                f"{size:,} bytes, identical"
            )
    finally:
        client.http.close()
        if db_cpu:
            db_cpu.close()
        server.terminate()
        server.wait()
    tracebacks = server_log.read_text(errors="replace").count("Traceback")
    if tracebacks:
        log(f"server log: {tracebacks} tracebacks (see {server_log})")
    return Run(
        backend="PostgreSQL" if postgres else "SQLite",
        version=asyncio.run(_version(database_url)),
        plan_counts=asyncio.run(_counts(database_url)),
        scale=None if args.database_url else args.scale,
        n=args.n,
        warmup=args.warmup,
        accounts=args.accounts,
        scenarios=scenarios,
        load=(load_before, os.getloadavg()[0]),
    )


async def _version(database_url: str) -> str:
    if not county.is_postgres(database_url):
        return sqlite3.sqlite_version
    import asyncpg

    conn = await asyncpg.connect(county.asyncpg_dsn(database_url))
    try:
        return str(await conn.fetchval("SHOW server_version")).split()[0]
    finally:
        await conn.close()


async def _counts(database_url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from core.db import create_engine

    engine = create_engine(county.normalise(database_url))
    try:
        async with engine.connect() as conn:
            return {
                name: (await conn.execute(select(func.count()).select_from(table))).scalar_one()
                for name, table in county.TABLES.items()
            }
    finally:
        await engine.dispose()


# --- a database of its own ------------------------------------------------------------------


async def _create_database(server_url: str, name: str) -> str:
    import asyncpg

    admin = await asyncpg.connect(county.asyncpg_dsn(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = make_url(county.normalise(server_url)).set(database=name)
    return url.render_as_string(hide_password=False)


async def _drop_database(server_url: str, name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(county.asyncpg_dsn(server_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def run(argv: list[str] | None = None, log: Callable[[str], None] = print) -> Run:
    """The benchmark; returns its figures (the smoke test calls this)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.queries",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--database-url", help="a generated county to use (else one is built)")
    parser.add_argument("--scale", type=float, help="of the county built (default 1)")
    parser.add_argument(
        "--postgres-server",
        default=os.environ.get("BENCH_POSTGRES_URL") or DEFAULT_SERVER,
        help="where the county's own PostgreSQL database is created (BENCH_POSTGRES_URL)",
    )
    parser.add_argument("--n", type=int, help="requests per series (default 50)")
    parser.add_argument("--warmup", type=int, help="requests per side before each series (5)")
    parser.add_argument("--accounts", type=int, help="accounts per role, in turn (default 5)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: scale 0.02, n 5")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--json", help="write every figure here")
    parser.add_argument("--profile", help="py-spy profiles of each /graphql series, here")
    parser.add_argument("--keep", action="store_true", help="keep the database built")
    parser.add_argument("--only", help="only the requests whose name holds this, e.g. dashboard")
    args = parser.parse_args(argv)
    quick = args.quick
    args.scale = args.scale if args.scale is not None else (0.02 if quick else 1.0)
    args.n = args.n if args.n is not None else (5 if quick else 50)
    args.warmup = args.warmup if args.warmup is not None else (1 if quick else 5)
    args.accounts = args.accounts if args.accounts is not None else (2 if quick else 5)
    if args.n < 1 or args.accounts < 1 or args.warmup < 0:
        parser.error("--n and --accounts must be at least 1, --warmup at least 0")
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)

    folder = Path(tempfile.mkdtemp(prefix="bench-queries-"))
    made: str | None = None
    built_seconds = None
    keep_folder = True
    try:
        database_url = args.database_url
        if database_url:
            database_url = county.normalise(database_url)
        else:
            if args.backend == "postgres":
                made = f"bench_queries_{os.getpid()}_{secrets.token_hex(3)}"
                database_url = asyncio.run(_create_database(args.postgres_server, made))
            else:
                database_url = f"sqlite+aiosqlite:///{folder / 'county.db'}"
            log(f"building a county at scale {args.scale:g} into {_shown(database_url)}")
            built = asyncio.run(
                county.build(database_url, scale=args.scale, seed=args.seed, progress=not quick)
            )
            built_seconds = sum(built.seconds.values())
            log(f"  {built.summary()} in {built_seconds:.1f} s")
        result = measure(args, database_url, folder, log)
        result.built_seconds = built_seconds
    except BaseException:
        keep_folder = True  # the server's log, and the answers that differed
        log(f"(the server's log and any differing answers are in {folder})")
        raise
    else:
        keep_folder = False
    finally:
        if made and not args.keep:
            asyncio.run(_drop_database(args.postgres_server, made))
        elif made:
            log(f"kept {_shown(database_url)}")
        if not keep_folder:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        record = {
            "scenario": result.title(),
            "backend": result.backend,
            "version": result.version,
            "counts": result.plan_counts,
            "scale": result.scale,
            "n": result.n,
            "warmup": result.warmup,
            "accounts_per_role": result.accounts,
            "load": result.load,
            "built_seconds": built_seconds,
            "requests": [
                {"name": s.name, "note": s.note, "raw": s.raw, **s.results}
                for s in result.scenarios
            ],
        }
        Path(args.json).write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n")
    return result


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    try:
        result = run()
    except Mismatch as mismatch:
        sys.exit(f"MISMATCH: {mismatch}")
    print()
    print(table(result))


if __name__ == "__main__":
    main()
