"""How much memory a county's year of issue exports takes (resolvers/dashboards/exports.py).

    .venv/bin/python -m benchmarks.export --database-url URL [--layout issues|issue-events]
    .venv/bin/python -m benchmarks.export --build 0.1     (a county of that scale, built into
                                                           a temporary SQLite file first)

Signs in as the county official of a county built by `benchmarks.county`, and runs the export
of the whole county over the year before its newest issue (`EXPORT_MAX_DAYS`) through the
same generator the endpoint streams (`csv_chunks`), with `tracemalloc` on: the chunks are
counted and dropped, as the server hands them to the socket. Prints the rows, batches, bytes
written, the peak of Python memory allocated while exporting, and the time. The peak stays
that of one batch (`EXPORT_BATCH_ROWS`) whatever the size of the county.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from benchmarks import county
from core.config import Settings
from core.db import Database, create_engine
from core.identity import load_viewer
from models.issues import Issue
from models.regions import Region
from resolvers.dashboards.exports import check_period, csv_chunks


async def measure(url: str, layout: str, batch: int) -> dict[str, float]:
    manifest = await county.sample(url, per_role=1)
    official = manifest["county_officials"][0]
    token = (await county.sign_in(url, [official["account"]]))[official["account"]]
    db = Database(create_engine(county.normalise(url)))
    try:
        viewer = await load_viewer(db, token)
        assert viewer is not None
        region = await db.one(select(Region).where(Region.id == official["region"]))
        newest = await db.one(select(func.max(Issue.created_at)))
        end = newest + timedelta(seconds=1)
        period = check_period(end - timedelta(days=366), end, 366)
        tracemalloc.start()
        clock = time.perf_counter()
        chunks = size = rows = 0
        async for chunk in csv_chunks(db, viewer, region, period, layout, "en", batch):
            chunks += 1
            size += len(chunk)
            rows += chunk.count(b"\r\n")  # no cell of the issues layout breaks a line
        seconds = time.perf_counter() - clock
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        await db.engine.dispose()
    return {
        "rows": rows - 1,
        "batches": chunks - 1,
        "bytes": size,
        "peak": peak,
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="a county built by benchmarks.county")
    parser.add_argument("--build", type=float, help="build a county of this scale first")
    parser.add_argument("--layout", choices=["issues", "issue-events"], default="issues")
    parser.add_argument("--batch", type=int, default=Settings(database_url="").export_batch_rows)
    args = parser.parse_args(argv)
    url = args.database_url
    if args.build is not None:
        folder = Path(tempfile.mkdtemp(prefix="export-bench-"))
        url = f"sqlite+aiosqlite:///{folder / 'county.db'}"
        built = asyncio.run(county.build(url, scale=args.build, progress=False))
        print(f"county      {built.summary()}")
    if not url:
        parser.error("give --database-url or --build")
    found = asyncio.run(measure(url, args.layout, args.batch))
    print(
        f"export      {args.layout}: {found['rows']:,.0f} rows in {found['batches']:,.0f} "
        f"batches of {args.batch}, {found['bytes'] / 2**20:,.1f} MiB written"
    )
    print(
        f"memory      peak {found['peak'] / 2**20:,.1f} MiB allocated while exporting "
        f"(tracemalloc); {found['seconds']:,.1f} s"
    )


if __name__ == "__main__":
    main()
