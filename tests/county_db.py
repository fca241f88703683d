"""A database of its own for a generated county (benchmarks/county.py), on each backend: the
tests of the generator and of the query benchmark build small counties into these."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

from core.config import Settings
from tests.conftest import create_run_database, drop_run_database, postgres_url, unavailable


@contextlib.contextmanager
def county_database(backend: str, folder: Path) -> Iterator[str]:
    """An empty database's URL: a SQLite file in `folder`, or a PostgreSQL database of this
    run on the configured server (`test_<pid>_<hex>`, dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'county.db'}"
        return
    configured = postgres_url()
    try:
        url = asyncio.run(create_run_database(configured))
    except Exception as exc:  # connection refused, auth, no right to create
        shown = make_url(configured).render_as_string(hide_password=True)
        unavailable("PostgreSQL", f"{shown}: {exc.__class__.__name__}: {exc}")
    try:
        yield url
    finally:
        asyncio.run(drop_run_database(url, configured))


def county_settings(database_url: str, folder: Path) -> Settings:
    """The app's settings on a generated county: no demo data, no background sweep."""
    return Settings(
        database_url=database_url,
        demo_data=False,
        media_dir=folder / "media",
        secret_key="test-secret",
        sweep_interval_seconds=0,
        orphan_sweep_interval_seconds=0,
        reports_per_hour=1000,
    )
