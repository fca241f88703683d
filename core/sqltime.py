"""Time arithmetic in SQL that gives the same numbers on SQLite and PostgreSQL.

Durations and days are computed in whole seconds since the epoch (`epoch_seconds`): SQLite's
`strftime('%s', ...)` and PostgreSQL's `floor(date_part('epoch', ...))` agree to the second,
where floating julian days would not, so a figure built on them is identical on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, case, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import Grouping
from sqlalchemy.sql.functions import FunctionElement

OPERATOR_PRECEDENCE = 8  # SQLAlchemy's for * and /

EPOCH_DAY = date(1970, 1, 1)
DAY_SECONDS = 86_400


class epoch_seconds(FunctionElement[int]):
    """Whole seconds since 1970-01-01 UTC of a UTC timestamp column (truncated)."""

    type = BigInteger()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(epoch_seconds)
def _epoch_pg(element: Any, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    # date_part is double precision (extract is numeric, several times slower): exact to the
    # second for microsecond timestamps, whose fractions stay 1e-6 apart from the next second.
    return f"CAST(floor(date_part('epoch', {compiler.process(arg, **kw)})) AS BIGINT)"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"CAST(strftime('%s', {compiler.process(arg, **kw)}) AS INTEGER)"


def integer_division(numerator: ColumnElement[int], denominator: int) -> ColumnElement[int]:
    """`numerator / denominator` on integers: truncating on both databases (SQLAlchemy's
    own `/` is true division)."""
    divided = Grouping(numerator).op("/", precedence=OPERATOR_PRECEDENCE)
    return Grouping(divided(literal_column(str(int(denominator)))))


# ((epoch second of a transition, the offset before it), ...), the offset after the last.
Shifts = tuple[tuple[tuple[int, int], ...], int]


@dataclass(frozen=True)
class LocalDays:
    """The days of a time zone that a period [start, end) touches, and its `shifts`, with
    which `local_day`'s SQL puts a timestamp on its local day: (epoch seconds + the zone's
    offset then) / 86400, the offset a CASE over the zone's transitions within the period
    (none in Asia/Shanghai)."""

    zone: ZoneInfo
    start: datetime
    end: datetime

    def days(self) -> list[date]:
        if self.end <= self.start:
            return []
        first = self.start.astimezone(self.zone).date()
        last = (self.end - timedelta(microseconds=1)).astimezone(self.zone).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def number(self, day: int) -> date:
        """The date of a day number the SQL gave."""
        return EPOCH_DAY + timedelta(days=day)

    @cached_property
    def offsets(self) -> list[tuple[int, int]]:
        """[(from epoch second, offset seconds)], from the period's start on (found by probing
        every 12 hours: once per period, not once per `day_of`)."""

        def offset(at: datetime) -> int:
            delta = at.astimezone(self.zone).utcoffset()
            return int(delta.total_seconds()) if delta else 0

        start = int(self.start.timestamp())
        out = [(start, offset(self.start))]
        probe = self.start
        while probe < self.end:
            step = min(probe + timedelta(hours=12), self.end)
            if offset(step) != offset(probe):  # a transition in (probe, step]: find it
                lo, hi = int(probe.timestamp()), int(step.timestamp())
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if offset(datetime.fromtimestamp(mid, UTC)) == offset(probe):
                        lo = mid
                    else:
                        hi = mid
                out.append((hi, offset(step)))
            probe = step
        return out

    @property
    def shifts(self) -> Shifts:
        """What `day_of`'s SQL depends on: the zone's transitions within the period and the
        offset before each, and the offset after the last (not the period itself)."""
        offsets = self.offsets
        return (
            tuple((at, before) for (at, _), (_, before) in zip(offsets[1:], offsets, strict=False)),
            offsets[-1][1],
        )


def local_day(column: Any, shifts: Shifts) -> ColumnElement[int]:
    """SQL: the local day number (days since 1970-01-01 in the zone) of a UTC timestamp."""
    seconds = epoch_seconds(column)
    transitions, last = shifts
    shift: ColumnElement[int] = literal_column(str(last))
    if transitions:
        whens: list[tuple[ColumnElement[bool], ColumnElement[int]]] = [
            (seconds < literal_column(str(at)), literal_column(str(before)))
            for at, before in transitions
        ]
        shift = case(*whens, else_=shift)
    return integer_division(seconds + shift, DAY_SECONDS)
