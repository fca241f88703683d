"""Bringing a database up to date at start: migrations, then demo data if asked for.

Several workers may start at once, so the whole step runs under a lock: a file lock beside a
SQLite database, an advisory lock on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from core.config import ROOT, Settings
from core.db import Database

log = logging.getLogger("grassroots.bootstrap")
_LOCK_ID = 727_001


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's autogenerate filter: an index only the migrations create (PostgreSQL's
    trigram indexes, `models.MIGRATION_ONLY_INDEXES`) is not a difference from the models."""
    import models

    return not (
        type_ == "index"
        and reflected
        and compare_to is None
        and name in models.MIGRATION_ONLY_INDEXES
    )


async def migrate(database_url: str) -> None:
    # Alembic's env.py runs its own event loop, so it goes to a thread.
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), "head")


@asynccontextmanager
async def _startup_lock(settings: Settings, db: Database):
    if settings.is_sqlite:
        path = make_url(settings.database_url).database
        lock_path = Path(path + ".lock") if path and path != ":memory:" else None
        if lock_path is None:
            yield
            return
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "w") as handle:
            await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    else:
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _LOCK_ID})
            await conn.commit()
            try:
                yield
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _LOCK_ID})
                await conn.commit()


async def prepare(settings: Settings, db: Database, storage) -> None:
    async with _startup_lock(settings, db):
        if settings.auto_migrate:
            await migrate(settings.database_url)
        if settings.demo_data:
            from demo import load_demo
            from models.regions import Region

            if not await db.one(select(func.count()).select_from(Region)):
                log.info("empty database: loading the demo county")
                await load_demo(db, storage, settings)
