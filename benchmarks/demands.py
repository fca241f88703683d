"""`commonDemands` on a generated county (`python -m benchmarks.county`): how long one takes.

    .venv/bin/python -m benchmarks.demands --database-url URL [--n 10] [--cap 2000 5000]

Starts the real app (uvicorn, in a thread of this process) on the county for each cap
(`COMMON_DEMAND_MAX_ISSUES`), signs in as a county official and an official of the busiest
township (tokens written as `login` writes them), and times `commonDemands(first: 20)` over
HTTP, one request at a time: the county and the township, over the default 30 days. Prints
the median and the worst of `n` requests (after one warm-up), with how many open issues were
compared, whether the cap cut them, and how many groups were found.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import threading
import time
from dataclasses import replace

import httpx
import uvicorn
from sqlalchemy import func, select

from benchmarks.county import normalise, sign_in
from core.config import Settings
from core.db import Database, create_engine
from core.ids import to_global_id
from models.accounts import Role, RoleGrant
from models.issues import Issue
from models.regions import Region, RegionLevel
from server import create_app

QUERY = """query($r: ID!) { commonDemands(regionId: $r, first: 20) {
  totalCount considered truncated
  edges { node { size suggestedTitle keywords townships { name } villages { name }
    issues(first: 5) { edges { node { id title } } } } }
} }"""


async def seats(url: str) -> tuple[dict[str, int], dict[str, int]]:
    """(role -> account id, role -> region id): a county official, and an official of the
    township with the most issues."""
    db = Database(create_engine(url))
    try:
        busiest = await db.one(
            select(Region.id)
            .join(Issue, Issue.region_path.startswith(Region.path))
            .where(Region.level == RegionLevel.TOWNSHIP)
            .group_by(Region.id)
            .order_by(func.count().desc())
            .limit(1)
        )
        county = await db.one(select(Region.id).where(Region.level == RegionLevel.COUNTY))
        accounts = {}
        for role, region in ((Role.COUNTY_OFFICIAL, county), (Role.TOWNSHIP_OFFICIAL, busiest)):
            accounts[role.value] = await db.one(
                select(RoleGrant.account_id)
                .where(RoleGrant.role == role, RoleGrant.region_id == region)
                .limit(1)
            )
        return accounts, {Role.COUNTY_OFFICIAL.value: county, Role.TOWNSHIP_OFFICIAL.value: busiest}
    finally:
        await db.engine.dispose()


def serve(settings: Settings) -> tuple[uvicorn.Server, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--cap", type=int, nargs="+", default=[2000, 5000])
    args = parser.parse_args()
    url = normalise(args.database_url)
    accounts, regions = asyncio.run(seats(url))
    tokens = asyncio.run(sign_in(url, accounts.values()))
    base = Settings(database_url=url, demo_data=False, sweep_interval_seconds=0)
    print("| cap | viewer | open issues compared | cut | groups | median ms | worst ms |")
    print("|---|---|---|---|---|---|---|")
    for cap in args.cap:
        server, port = serve(replace(base, common_demand_max_issues=cap))
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
                for role, account in accounts.items():
                    variables = {"r": to_global_id("Region", regions[role])}
                    headers = {"authorization": f"Bearer {tokens[account]}"}
                    times, body = [], {}
                    for n in range(args.n + 1):
                        start = time.perf_counter()
                        response = http.post(
                            "/graphql",
                            json={"query": QUERY, "variables": variables},
                            headers=headers,
                        )
                        elapsed = (time.perf_counter() - start) * 1000
                        body = response.json()
                        assert "errors" not in body, body
                        if n:  # the first warms up
                            times.append(elapsed)
                    found = body["data"]["commonDemands"]
                    print(
                        f"| {cap} | {role} | {found['considered']} | {found['truncated']} | "
                        f"{found['totalCount']} | {statistics.median(times):.0f} | "
                        f"{max(times):.0f} |"
                    )
        finally:
            server.should_exit = True


if __name__ == "__main__":
    main()
