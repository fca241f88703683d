"""Appending to the event log, so that ids become visible in commit order.

Subscribers resume "after" an id, so an entry must never commit after one with a higher id.
SQLite holds its write lock for the whole transaction (`Database.transaction`), which
already gives that order; PostgreSQL allocates ids concurrently, so the id is taken under a
transaction-scoped advisory lock, held only for the rest of the (short) transaction.

Nobody announces an entry by hand: `core.db.Database` tells its commit listeners (the live
hub) once the transaction that appended it has committed.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from models.events import LogEntry

EVENT_LOG_LOCK = 727_002
APPENDED = "grassroots.appended"  # session.info key: the highest id this transaction appended


async def append(session: AsyncSession, topic: str, subject_id: int, region_path: str) -> int:
    """Add an entry for `topic` about `subject_id` in `region_path`; returns its id."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENT_LOG_LOCK})
    entry = LogEntry(topic=topic, subject_id=subject_id, region_path=region_path)
    session.add(entry)
    await session.flush()
    session.info[APPENDED] = max(session.info.get(APPENDED, 0), entry.id)
    return entry.id
