"""Engine and sessions.

A request reads through one `Reads`: one pooled connection, checked out at its first
statement and returned when the operation ends, whatever number of DataLoader batches it
runs. Its statements take turns (one lock), since concurrent resolvers must not share an
AsyncSession at the same moment; they would wait for the one connection anyway. Nothing
lazy-loads: everything related comes through a DataLoader. Work outside a request (the
hub, sweeps) reads with `Database.all/rows/one`, a short session per statement. Writes use
one session in one transaction per mutation.

Every statement and every checkout is counted (`grassroots_sql_statements_total`,
`grassroots_db_checkouts_total` on /metrics), so the cost of a request can be read from
outside.

Commit listeners: a transaction that appended to the event log (`core.events.append`) tells
every `on_commit` listener the highest id it appended, right after it commits. Publishing
live events is therefore part of committing, not a call a writer could forget.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol

from prometheus_client import Counter
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
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

STATEMENTS = Counter("grassroots_sql_statements", "SQL statements sent to the database.")
CHECKOUTS = Counter("grassroots_db_checkouts", "Connections taken from the pool.")


def _count_statement(*_args: Any) -> None:
    STATEMENTS.inc()


def _count_checkout(*_args: Any) -> None:
    CHECKOUTS.inc()


def _counted(engine: AsyncEngine) -> AsyncEngine:
    event.listen(engine.sync_engine, "before_cursor_execute", _count_statement)
    event.listen(engine.sync_engine.pool, "checkout", _count_checkout)
    return engine


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

        return _counted(engine)
    return _counted(create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True))


# SQLite's "database is locked" (SQLITE_BUSY, SQLITE_LOCKED); PostgreSQL's serialization
# failure, deadlock and lock-not-available.
SQLITE_CONTENTION = {5, 6}
POSTGRES_CONTENTION = {"40001", "40P01", "55P03"}


def is_contention(error: BaseException) -> bool:
    """A write that lost to a concurrent one at the database, rolled back whole: the caller
    may simply try again (`schema.common.payload` answers CONFLICT). On SQLite, a writer
    that waited for the write lock longer than `busy_timeout`; on PostgreSQL, a deadlock, a
    serialization failure or a lock not available."""
    if not isinstance(error, DBAPIError):
        return False
    orig = error.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in SQLITE_CONTENTION
    return getattr(orig, "sqlstate", None) in POSTGRES_CONTENTION


class Reader(Protocol):
    """What loaders and queries read with: a request's `Reads`, or the `Database` itself."""

    async def all(self, stmt: Executable) -> Sequence[Any]: ...

    async def rows(
        self, stmt: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Sequence[Any]: ...

    async def one(self, stmt: Executable) -> Any: ...


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
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

    async def rows(
        self, stmt: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Sequence[Any]:
        """Run a read and return its rows; `parameters`: the values of named bindparams."""
        async with self.sessions() as session:
            return (await session.execute(stmt, parameters)).all()

    async def one(self, stmt: Executable) -> Any:
        async with self.sessions() as session:
            return (await session.scalars(stmt)).first()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed on success, rolled back whole on any error.

        On SQLite it takes the write lock as it begins (`BEGIN IMMEDIATE`). SQLite ignores
        `FOR UPDATE`, and the driver would begin the transaction only at its first write,
        so what a mutation read before that could be stale by then: two at once could each
        read the same row and the second's write undo the first's (a lost update). So
        writers queue for the lock (up to `busy_timeout`), each reading what the one before
        wrote; readers never wait (WAL). On PostgreSQL a writer locks the rows it reads to
        change (`with_for_update`)."""
        async with self.sessions() as session, session.begin():
            if self.sqlite:
                await session.execute(text("BEGIN IMMEDIATE"))
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")


class Reads:
    """One request's reads on one connection (see the module's docstring). `close` returns
    the connection; a closed `Reads` opens a new one if it is used again."""

    __slots__ = ("db", "lock", "session")

    def __init__(self, db: Database) -> None:
        self.db = db
        self.lock = asyncio.Lock()
        self.session: AsyncSession | None = None

    async def all(self, stmt: Executable) -> Sequence[Any]:
        """Run a read and return its scalars (ORM objects, or single column values)."""
        async with self.lock:
            return (await self._session().scalars(stmt)).all()

    async def rows(
        self, stmt: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Sequence[Any]:
        async with self.lock:
            return (await self._session().execute(stmt, parameters)).all()

    async def one(self, stmt: Executable) -> Any:
        async with self.lock:
            return (await self._session().scalars(stmt)).first()

    def _session(self) -> AsyncSession:
        if self.session is None:
            self.session = self.db.sessions()
        return self.session

    async def close(self) -> None:
        async with self.lock:
            session, self.session = self.session, None
            if session is not None:
                await session.close()


async def upsert(
    session: AsyncSession, model: Any, values: dict[str, Any], keys: Sequence[str]
) -> None:
    """Insert a row, or update the one with the same `keys` (a unique constraint): one
    statement, so two writers racing for a new row both succeed, the later one's values
    kept (PostgreSQL's and SQLite's `ON CONFLICT ... DO UPDATE`)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    changed = {k: v for k, v in values.items() if k not in keys}
    statement = insert(model).values(**values)
    if changed:
        statement = statement.on_conflict_do_update(index_elements=list(keys), set_=changed)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    await session.execute(statement)
