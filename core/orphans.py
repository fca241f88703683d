"""The orphan sweep: removes stored files that no row refers to.

A mutation writes its files before its transaction and removes them again if the transaction
fails (`core.storage.StagedFiles`); a process killed in between leaves them behind, and so
does a save killed half-way (`*.part`). Every worker runs this sweep now and then (server.py's
lifespan). Files younger than the grace period are left alone: their mutation may still be
about to commit the rows that refer to them. Older ones are looked up, a batch at a time, in
every column that holds storage keys, and deleted when none holds them.

Safe with any number of workers at once: a file past the grace period with no row will never
get one (no mutation runs that long), so every worker reaches the same verdict, and deleting a
file twice is harmless.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime, timedelta

from sqlalchemy import select

from core.db import Database
from core.storage import Storage
from models.base import utcnow
from models.deputies import DeputyPhoto
from models.issues import Photo
from models.posts import PostPhoto
from models.villages import VillageCover

log = logging.getLogger("grassroots.orphans")
# Every column whose values are storage keys: a file no row names is an orphan.
REFERENCES = (
    Photo.storage_key,
    PostPhoto.storage_key,
    VillageCover.storage_key,
    DeputyPhoto.storage_key,
)


async def sweep_orphans(
    db: Database,
    storage: Storage,
    *,
    grace: timedelta,
    now: datetime | None = None,
    batch: int = 500,
) -> int:
    """Delete every file last written before `now - grace` that no row refers to; returns how
    many this call deleted."""
    cutoff = (now or utcnow()) - grace
    removed = 0
    candidates: list[str] = []
    async for stored in storage.list_keys():
        if stored.modified < cutoff:
            candidates.append(stored.key)
        if len(candidates) >= batch:
            removed += await _remove_unreferenced(db, storage, candidates)
            candidates = []
    if candidates:
        removed += await _remove_unreferenced(db, storage, candidates)
    if removed:
        log.info("removed %d orphan file(s)", removed)
    return removed


async def _remove_unreferenced(db: Database, storage: Storage, keys: list[str]) -> int:
    referenced: set[str] = set()
    for column in REFERENCES:
        referenced.update(await db.all(select(column).where(column.in_(keys))))
    orphans = [key for key in keys if key not in referenced]
    for key in orphans:
        await storage.delete(key)
    return len(orphans)


async def run_forever(db: Database, storage: Storage, interval: float, grace: float) -> None:
    # Workers start together: a random first wait spreads their sweeps over the interval.
    await asyncio.sleep(random.uniform(0, interval))
    while True:
        try:
            await sweep_orphans(db, storage, grace=timedelta(seconds=grace))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("orphan sweep failed; retrying in %.0fs", interval)
        await asyncio.sleep(interval)
