"""Throttles: at most `limit` of something per window of time for one key, counted in the
database, so every worker shares them and concurrent requests cannot overshoot.

A throttle is rows of (key, window start, count). `take` counts one more with a single
INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING statement (SQLite ≥ 3.35, PostgreSQL): the
database serialises the bumps of one row, and a bump that would pass the limit changes
nothing and returns nothing. Of any number of simultaneous requests exactly `limit` get a
slot; the others are refused (`RATE_LIMITED`) at the cost of that one statement, before the
expensive work the throttle protects (a password hash, a report). Callers take their slot
first; one whose attempt turns out not to count (a sign-in that succeeded) gives it back.

The window slides: the previous window still counts in proportion to how much of it lies
within the last `window` seconds (the usual sliding-window estimate), so a burst either side
of a window boundary does not get twice the limit.
"""

from __future__ import annotations

import ipaddress
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    String,
    delete,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.db import Database
from core.errors import ErrorCode, UserFailure
from models.accounts import Throttle

log = logging.getLogger("grassroots.throttle")

MAX_WINDOW = 3600  # seconds; rows are kept for two of the longest window, then pruned
PRUNE_CHANCE = 1 / 100  # the share of `take_all` / `ensure_room` calls that prune old rows
KEY_MAX = 160  # Throttle.key's length


@dataclass(frozen=True)
class Limit:
    """At most `limit` per `window` seconds for each key of this `name`; refusals are
    `RATE_LIMITED` with the message `message` (which may use `{max}`)."""

    name: str
    limit: int
    window: int
    message: str

    def __post_init__(self) -> None:
        if not 0 < self.window <= MAX_WINDOW:
            raise ValueError(f"throttle window must be 1 to {MAX_WINDOW} seconds")

    def refused(self) -> UserFailure:
        return UserFailure.of(ErrorCode.RATE_LIMITED, self.message, None, max=self.limit)


@dataclass(frozen=True)
class Slot:
    """One counted attempt, which `give_back` can uncount."""

    key: str
    window_start: int


def _window(limit: Limit, key: str, now: float) -> tuple[str, int, float]:
    """The row key, the current window's start and the previous window's weight."""
    start = int(now // limit.window) * limit.window
    return f"{limit.name}:{key}"[:KEY_MAX], start, 1 - (now - start) / limit.window


def _previous(row_key: str, start: int, limit: Limit) -> ColumnElement[int]:
    """SQL: the previous window's count (0 if none)."""
    earlier = aliased(Throttle)  # its own name: never correlated with the row being bumped
    return (
        select(func.coalesce(func.max(earlier.count), 0))
        .where(earlier.key == row_key, earlier.window_start == start - limit.window)
        .scalar_subquery()
    )


async def take(session: AsyncSession, limit: Limit, key: str, *, now: float | None = None) -> Slot:
    """Count one more for `key` in the session's transaction (rolled back with it), or raise
    `RATE_LIMITED`, counting nothing, when that would pass the limit."""
    row_key, start, weight = _window(limit, key, time.time() if now is None else now)
    # One more fits while count + 1 + weight * previous <= limit.
    earlier = literal(weight, Float()) * _previous(row_key, start, limit)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    first = select(
        literal(row_key, String()), literal(start, BigInteger()), literal(1, Integer())
    ).where(1 + earlier <= limit.limit)
    statement = (
        insert(Throttle)
        .from_select(["key", "window_start", "count"], first)
        .on_conflict_do_update(
            index_elements=[Throttle.key, Throttle.window_start],
            set_={"count": Throttle.count + 1},
            where=Throttle.count + 1 + earlier <= limit.limit,
        )
        .returning(Throttle.count)
    )
    if (await session.execute(statement)).scalar() is None:
        raise limit.refused()
    return Slot(row_key, start)


async def take_all(db: Database, wanted: Sequence[tuple[Limit, str]]) -> list[Slot]:
    """A slot of every (limit, key), in one transaction: all of them or, refused by any
    (`RATE_LIMITED`), none. Callers always list their limits in the same order."""
    now = time.time()
    async with db.transaction() as session:
        slots = [await take(session, limit, key, now=now) for limit, key in wanted]
    await _now_and_then(db)
    return slots


async def give_back(db: Database, slots: Sequence[Slot]) -> None:
    """Uncount attempts that turned out not to count."""
    if not slots:
        return
    async with db.transaction() as session:
        for slot in slots:
            await session.execute(
                update(Throttle)
                .where(
                    Throttle.key == slot.key,
                    Throttle.window_start == slot.window_start,
                    Throttle.count > 0,
                )
                .values(count=Throttle.count - 1)
            )


async def ensure_room(db: Database, limit: Limit, key: str) -> None:
    """Raise `RATE_LIMITED` now if `take` would refuse: a cheap early answer before costly
    work. Not binding (it reads, it does not count): `take` decides."""
    row_key, start, weight = _window(limit, key, time.time())
    rows = await db.rows(
        select(Throttle.window_start, Throttle.count).where(
            Throttle.key == row_key, Throttle.window_start.in_([start, start - limit.window])
        )
    )
    counts = {window: count for window, count in rows}
    if counts.get(start, 0) + 1 + weight * counts.get(start - limit.window, 0) > limit.limit:
        raise limit.refused()
    await _now_and_then(db)


async def prune(db: Database, *, now: float | None = None) -> None:
    """Delete windows no throttle looks at any more."""
    cutoff = int(time.time() if now is None else now) - 2 * MAX_WINDOW
    async with db.transaction() as session:
        await session.execute(delete(Throttle).where(Throttle.window_start < cutoff))


async def _now_and_then(db: Database) -> None:
    if random.random() < PRUNE_CHANCE:
        try:
            await prune(db)
        except Exception:  # the next one will; never fail a request over housekeeping
            log.exception("pruning throttles failed")


def source_key(address: str | None) -> str:
    """What a client address is counted as: an IPv4 address as itself, an IPv6 address by
    its /64 (one subscriber's network: the host part costs an attacker nothing), anything
    else as given; `unknown` when the transport gave none."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
