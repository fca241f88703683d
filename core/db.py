"""Engine and sessions.

Reads open a short session per statement batch, so the concurrent resolvers of one request
never share a session (an AsyncSession must not be used from two tasks at once) and no lazy
load can sneak in: everything related comes through a DataLoader. Writes use one session in
one transaction per mutation.

Commit listeners: a transaction that appended to the event log (`core.events.append`) tells
every `on_commit` listener the highest id it appended, right after it commits. Publishing
live events is therefore part of committing, not a call a writer could forget.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from core.events import APPENDED

log = logging.getLogger("grassroots.db")


def create_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # WAL's recommended level: never corrupts; a power cut may lose the last commits.
            # (PostgreSQL is the production database; SQLite is the embedded default.)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # A Session class of this database's own, so its listeners see only its sessions.
        session_class = type("DatabaseSession", (Session,), {})
        self.sessions = async_sessionmaker(
            engine, expire_on_commit=False, sync_session_class=session_class
        )
        self.on_commit: list[Callable[[int], None]] = []
        event.listen(session_class, "after_commit", self._after_commit)
        event.listen(session_class, "after_rollback", self._after_rollback)

    def _after_commit(self, session: Session) -> None:
        newest = session.info.pop(APPENDED, None)
        if newest is not None:
            for listener in self.on_commit:
                try:
                    listener(newest)
                except Exception:  # the commit stands; a listener must not undo the mutation
                    log.exception("commit listener failed")

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(APPENDED, None)  # rolled back: nothing was appended after all

    async def all(self, stmt: Executable) -> Sequence[Any]:
        """Run a read and return its scalars (ORM objects, or single column values)."""
        async with self.sessions() as session:
            return (await session.scalars(stmt)).all()

    async def rows(self, stmt: Executable) -> Sequence[Any]:
        async with self.sessions() as session:
            return (await session.execute(stmt)).all()

    async def one(self, stmt: Executable) -> Any:
        async with self.sessions() as session:
            return (await session.scalars(stmt)).first()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed on success, rolled back whole on any error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")
