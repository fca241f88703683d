"""Engine and sessions.

Reads open a short session per statement batch, so the concurrent resolvers of one request
never share a session (an AsyncSession must not be used from two tasks at once) and no lazy
load can sneak in: everything related comes through a DataLoader. Writes use one session in
one transaction per mutation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql import Executable


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
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

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
