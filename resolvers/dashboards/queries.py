"""A region's dashboard: every figure computed in the database, each with the `IssueFilter`
that lists exactly the issues it counts.

The period: the **cohort** of issues reported under the region in [from, to). Every figure
counts issues of that cohort, in their state as of `asOf` (now): how they stand, whether they
were ever accepted or resolved, their latest rating, whether they are overdue now. So each
figure is the cohort's filter plus one condition, and `issues(filter)` lists it (the counts
use the same SQL conditions: resolvers/issues/filters.py). The trend's days are the
`TIME_ZONE`'s days of the period.

Statements, whatever the region's size: the region's children, and one statement for every
figure (`_statement`, built once and run with the region and period as parameters). It reads
the cohort once, into a materialized CTE of what each row contributes (its status, category,
child region, level, latest rating and levels escalated to, a bit per condition, the
durations in whole seconds, its days in the trend), and groups that CTE once per figure
(UNION ALL): what an issue went through is kept on its row (`Issue.first_accepted_at`, ...),
not read from the timeline. The percentiles are order statistics picked in SQL and
interpolated in Python (`_percentiles`); PostgreSQL picks them with `percentile_disc` at
computed ranks, SQLite with `row_number`: the same integers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Float,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)

from core.context import Context
from core.errors import BadRequest, not_found
from core.ids import to_global_id
from core.permissions import child_of, path_end
from core.sqlconst import literal_parameter
from core.sqltime import LocalDays, Shifts, epoch_seconds, integer_division, local_day
from models.base import utcnow
from models.issues import Issue, IssueCategory, IssueStatus
from models.regions import LEVEL_ORDER, Region, RegionLevel
from resolvers.dashboards import policy
from resolvers.issues import filters
from resolvers.issues.filters import DeadlineOutcome, FilterValue
from resolvers.regions import ChildrenByRegionIdLoader, RegionByIdLoader, require_region

D = DeadlineOutcome
PERCENTILES = (50, 90)
# The typed keys of the statement's rows (a part without one has a NULL of its type there).
TYPED = (Issue.status, Issue.category, Issue.level)
DURATIONS = ("accept", "resolve")
LEVELS = sorted(RegionLevel, key=LEVEL_ORDER.index)
# The conditions tested on each row (`_conditions`), and each one's bit in its `flags`.
CONDITIONS = ("accepted", "resolved", "on_time", "closed", "overdue")
BITS = {name: 1 << k for k, name in enumerate(CONDITIONS)}


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Figure:
    count: int
    filter: FilterValue


@dataclass(frozen=True)
class Keyed:
    """A count of one status, category, level or child region."""

    key: Any
    count: int
    filter: FilterValue


@dataclass(frozen=True)
class Duration:
    count: int
    median_hours: float | None
    p90_hours: float | None
    filter: FilterValue


@dataclass(frozen=True)
class Satisfaction:
    ratings: int
    satisfied: int
    filter: FilterValue
    satisfied_filter: FilterValue

    @property
    def rate(self) -> float | None:
        return self.satisfied / self.ratings if self.ratings else None


@dataclass(frozen=True)
class OnTime:
    closed_on_time: int
    closed: int
    overdue_open: int
    filter: FilterValue
    closed_on_time_filter: FilterValue
    closed_filter: FilterValue
    overdue_open_filter: FilterValue

    @property
    def rate(self) -> float | None:
        counted = self.closed + self.overdue_open
        return self.closed_on_time / counted if counted else None


@dataclass(frozen=True)
class Day:
    day: date
    reported: int
    resolved: int
    closed: int


@dataclass(frozen=True)
class Dashboard:
    region: Region
    period: Period
    as_of: datetime
    reported: Figure
    by_status: list[Keyed]
    by_category: list[Keyed]
    by_region: list[Keyed]
    time_to_accept: Duration
    time_to_resolve: Duration
    satisfaction: Satisfaction
    on_time: OnTime
    overdue_by_level: list[Keyed]
    escalations_by_level: list[Keyed]
    trend: list[Day]


def period(ctx: Context, start: datetime | None, end: datetime | None, now: datetime) -> Period:
    """The period asked for: `to` defaults to now, `from` to DASHBOARD_DEFAULT_DAYS before
    `to`; at most DASHBOARD_MAX_DAYS long."""
    for value, field in ((start, "from"), (end, "to")):
        if value is not None and value.tzinfo is None:
            raise BadRequest("needs_offset", field=field)
    settings = ctx.settings
    end = (end or now).astimezone(UTC)  # the API answers in UTC
    start = (start or end - timedelta(days=settings.dashboard_default_days)).astimezone(UTC)
    if start > end:
        raise BadRequest("dashboard_period_order", field="from")
    if end - start > timedelta(days=settings.dashboard_max_days):
        raise BadRequest("dashboard_period_too_long", field="from", max=settings.dashboard_max_days)
    return Period(start, end)


async def readable_region(ctx: Context, region_id: str, field: str = "regionId") -> Region:
    """The region, if the viewer may read its dashboard; else NOT_FOUND, as if missing."""
    viewer = ctx.require_viewer()
    region = await require_region(ctx, region_id, field)
    if not policy.can_read_dashboard(viewer, region):
        raise not_found(field)
    return region


async def dashboard(
    ctx: Context, region_id: str, start: datetime | None, end: datetime | None
) -> Dashboard:
    now = utcnow()
    region = await readable_region(ctx, region_id)
    return await compute(ctx, region, period(ctx, start, end, now), now)


async def compute(ctx: Context, region: Region, span: Period, now: datetime) -> Dashboard:
    """The figures of `region` over `span`, as of `now`. `ctx.viewer` must be allowed to read
    the region's dashboard; which allowed viewer it is changes nothing (see policy)."""
    if not policy.can_read_dashboard(ctx.require_viewer(), region):
        raise not_found("regionId")  # the figures leave out the issues policy's condition
    RegionByIdLoader(ctx).prime(region.id, region)
    cohort = FilterValue(
        region_id=to_global_id("Region", region.id),
        reported_from=span.start,
        reported_to=span.end,
    )
    children = await ChildrenByRegionIdLoader(ctx).load(region.id)
    RegionByIdLoader(ctx).prime_many({child.id: child for child in children})
    figures = await _figures(ctx, region, span, now)
    statuses, categories, per_child = figures.statuses, figures.categories, figures.children
    counts, durations = figures.counts, figures.durations

    return Dashboard(
        region=region,
        period=span,
        as_of=now,
        reported=Figure(sum(statuses.values()), cohort),
        by_status=[Keyed(s, statuses.get(s, 0), cohort.but(statuses=(s,))) for s in IssueStatus],
        by_category=[
            Keyed(c, categories.get(c, 0), cohort.but(categories=(c,))) for c in IssueCategory
        ],
        by_region=[
            Keyed(
                child,
                per_child.get(child.id, 0),
                cohort.but(region_id=to_global_id("Region", child.id)),
            )
            for child in children
        ],
        time_to_accept=Duration(
            counts["accepted"],
            *durations.get("accept", (None, None)),
            cohort.but(ever_accepted=True),
        ),
        time_to_resolve=Duration(
            counts["resolved"],
            *durations.get("resolve", (None, None)),
            cohort.but(ever_resolved=True),
        ),
        satisfaction=Satisfaction(
            ratings=counts["rated"],
            satisfied=counts["satisfied"],
            filter=cohort.but(latest_ratings=filters.RATINGS),
            satisfied_filter=cohort.but(latest_ratings=filters.SATISFIED_RATINGS),
        ),
        on_time=OnTime(
            closed_on_time=counts["on_time"],
            closed=counts["closed"],
            overdue_open=counts["overdue"],
            filter=cohort.but(deadline_outcomes=(D.ON_TIME, D.LATE, D.OVERDUE)),
            closed_on_time_filter=cohort.but(deadline_outcomes=(D.ON_TIME,)),
            closed_filter=cohort.but(deadline_outcomes=(D.ON_TIME, D.LATE)),
            overdue_open_filter=cohort.but(deadline_outcomes=(D.OVERDUE,)),
        ),
        overdue_by_level=[
            Keyed(
                level, counts[f"overdue_{level.value}"], cohort.but(overdue=True, levels=(level,))
            )
            for level in LEVELS
        ],
        escalations_by_level=[
            Keyed(level, counts[f"escalated_{level.value}"], cohort.but(escalated_to=(level,)))
            for level in LEVELS
        ],
        trend=figures.trend,
    )


@dataclass(frozen=True)
class Figures:
    """What the one statement over the cohort gives: its counts by status, category and
    child region, the conditional counts, the durations' percentiles and the trend."""

    statuses: dict[Any, int]
    categories: dict[Any, int]
    children: dict[Any, int]
    counts: Counter[str]
    durations: dict[str, tuple[float | None, float | None]]
    trend: list[Day]


# The figures' statement is built once (`_statement`) and run with these parameters: building
# it and computing its cache key cost about 8 ms a request. The path's bounds are written into
# the SQL at execution (core.sqlconst): a generic plan cannot tell a county's range (most
# rows: scan the period's index) from a village's (few: intersect with the path's index).
PATH, PATH_END = (literal_parameter(n, Issue.region_path.type) for n in ("path", "path_end"))
START, END, NOW = (bindparam(name, type_=Issue.created_at.type) for name in ("start", "end", "now"))


async def _figures(ctx: Context, region: Region, span: Period, now: datetime) -> Figures:
    """Every figure, from one statement (`_statement`) and its rows `(kind, status, category,
    level, k1, k2, k3, n, values...)`."""
    local = LocalDays(ZoneInfo(ctx.settings.time_zone), span.start, span.end)
    statement = _statement(local.shifts, ctx.settings.is_sqlite)
    parameters = {
        "path": region.path,
        "path_end": path_end(region.path),
        "start": span.start,
        "end": span.end,
        "now": now,
    }
    statuses: dict[Any, int] = {}
    categories: dict[Any, int] = {}
    children: dict[Any, int] = {}
    counts: Counter[str] = Counter()  # a count no group added to is 0
    durations: dict[str, tuple[float | None, float | None]] = {}
    counted: dict[date, dict[str, int]] = {}
    for kind, status, category, level, k1, k2, k3, n, *values in await ctx.reads.rows(
        statement, parameters
    ):
        if kind == "grouped":
            statuses[status] = statuses.get(status, 0) + n
            categories[category] = categories.get(category, 0) + n
        elif kind == "child":
            children[k1] = n
        elif kind == "flags":
            _count_flags(counts, n, k1, level, k2, k3)
        elif kind in DURATIONS:
            if n:
                durations[kind] = _percentiles(n, values)
        else:
            counted.setdefault(local.number(k1), {})[kind] = n
    trend = [
        Day(
            day,
            counted.get(day, {}).get("reported", 0),
            counted.get(day, {}).get("resolved", 0),
            counted.get(day, {}).get("closed", 0),
        )
        for day in local.days()
    ]
    return Figures(statuses, categories, children, counts, durations, trend)


@lru_cache(maxsize=16)
def _statement(shifts: Shifts, sqlite: bool) -> Any:
    """The figures of the issues reported in [START, END) under PATH, as of NOW, for a time
    zone whose offsets over the period are `shifts` (one statement for all periods where it
    has no transition).

    The cohort is read once into a materialized CTE of what each row contributes (its
    status, category, child region, level, latest rating and levels escalated to, a bit per
    condition, the durations in whole seconds, its days in the trend), and one part per
    grouping reads the CTE (UNION ALL). The cohort's conditions are `IssueFilter`'s
    (`under`, `reportedFrom`/`To`) without the issues policy's: whoever may read the
    region's dashboard may see every issue under it (see policy), so it would only cost a
    test per row; `issues(filter)` still applies it to each figure's filter, and lists the
    same issues."""
    conditions = _conditions(NOW)

    def within(stamp: Any) -> Any:
        return and_(stamp >= START, stamp < END)

    zero: Any = literal_column("0")
    created = epoch_seconds(Issue.created_at)
    flags: Any = zero
    for name, cond in conditions.items():
        flags = flags + case((cond, literal_column(str(BITS[name]))), else_=zero)
    rows = (
        select(
            Issue.status.label("status"),
            Issue.category.label("category"),
            Issue.level.label("level"),
            child_of(Issue.region_path, PATH).label("child"),
            flags.label("flags"),
            Issue.escalated_levels.label("escalated"),
            Issue.latest_rating.label("rating"),
            (epoch_seconds(Issue.first_accepted_at) - created).label("accept"),
            (epoch_seconds(Issue.last_resolved_at) - created).label("resolve"),
            local_day(Issue.created_at, shifts).label("reported"),
            case((within(Issue.last_resolved_at), local_day(Issue.last_resolved_at, shifts))).label(
                "resolved"
            ),
            case(
                (
                    and_(Issue.status == IssueStatus.CLOSED, within(Issue.closed_at)),
                    local_day(Issue.closed_at, shifts),
                )
            ).label("closed"),
        )
        .where(
            Issue.region_path >= PATH,
            Issue.region_path < PATH_END,
            filters.reported_since(START),
            filters.reported_before(END),
        )
        .cte("cohort")
        .prefix_with("MATERIALIZED")
    )
    width = 2 * len(PERCENTILES)

    def row(
        kind: str,
        n: Any,
        typed: Sequence[Any] = (None, None, None),
        keys: Sequence[Any] = (),
        values: Sequence[Any] = (),
    ) -> Any:
        """One part's columns: the kind, the typed keys (status, category, level), three
        integer keys and the count, the order statistics."""
        typed = [
            t if t is not None else type_coerce(null(), k.type)
            for t, k in zip(typed, TYPED, strict=True)
        ]
        keys = [*keys, *[null()] * (3 - len(keys))]
        values = [*values, *[null()] * (width - len(values))]
        return select(
            literal_column(f"'{kind}'").label("kind"),
            *typed,
            *[cast(k, BigInteger) for k in (*keys, n, *values)],
        )

    c = rows.c
    parts: list[Any] = [
        row("grouped", func.count(), [c.status, c.category, None]).group_by(c.status, c.category),
        row("child", func.count(), keys=[c.child]).where(c.child.is_not(None)).group_by(c.child),
        row(
            "flags", func.count(), [None, None, c.level], [c.flags, c.escalated, c.rating]
        ).group_by(c.flags, c.level, c.escalated, c.rating),
    ]
    for kind in ("reported", "resolved", "closed"):
        day = c[kind]
        parts.append(row(kind, func.count(), keys=[day]).where(day.is_not(None)).group_by(day))
    order_statistics = _ranked if sqlite else _percentile_disc
    for name, (n, values) in zip(
        DURATIONS, order_statistics([c[name] for name in DURATIONS]), strict=True
    ):
        parts.append(row(name, n, values=values))
    return union_all(*parts)


def _count_flags(
    counts: Counter[str],
    n: int,
    flags: int,
    level: RegionLevel,
    escalated: int,
    rating: int | None,
) -> None:
    """Add a group of `n` issues alike in their condition bits, level, levels escalated to
    and latest rating to the counts it is in. The rating, level and escalation tests are
    `IssueFilter`'s (`latest_rating_in`, `levels`, `escalated_to`) on the group's values:
    grouped by the raw columns, the statement does not test each of them on every row."""
    for name, bit in BITS.items():
        if flags & bit:
            counts[name] += n
    if rating in filters.RATINGS:
        counts["rated"] += n
    if rating in filters.SATISFIED_RATINGS:
        counts["satisfied"] += n
    if flags & BITS["overdue"]:
        counts[f"overdue_{level.value}"] += n
    for each in LEVELS:
        if escalated & filters.level_bit(each):
            counts[f"escalated_{each.value}"] += n


def _ranked(columns: Sequence[Any]) -> list[tuple[Any, list[Any]]]:
    """For each column: the number of rows with a value, and the values at 0-based ranks
    floor and ceil of each percentile's position (n - 1) * p / 100 among them: ranked by
    `row_number`."""
    out = []
    for value in columns:
        ranked = (
            select(
                value.label("v"),
                (func.row_number().over(order_by=value) - 1).label("i"),
                func.count().over().label("n"),
            )
            .where(value.is_not(None))
            .subquery(f"ranked_{value.name}")
        )
        v, i, n = ranked.c.v, ranked.c.i, ranked.c.n
        values = []
        for p in PERCENTILES:
            low = integer_division((n - 1) * p, 100)
            values += [func.max(case((i == low, v))), func.max(case((i == low + 1, v)))]
        out.append((func.max(n), values))
    return out


def _percentile_disc(columns: Sequence[Any]) -> list[tuple[Any, list[Any]]]:
    """`_ranked`'s values on PostgreSQL, without windows: `percentile_disc(f)` is the value
    at 1-based rank ceil(f * n), so f = (rank + 0.5) / n picks the 0-based `rank` (the half
    keeps float rounding off the boundary); one sort per column for them all, the fractions
    of every column from one one-row CTE (one more pass over the cohort). `least`: the rank
    after the last is never read (a whole position needs no neighbour), but its fraction
    must be at most 1."""
    fractions: list[Any] = []
    for value in columns:
        n = func.count(value)
        per_row = cast(func.nullif(n, 0), Float)
        for p in PERCENTILES:
            low = cast(integer_division((n - 1) * p, 100), Float)
            fractions += [
                (low + literal_column("0.5")) / per_row,
                func.least((low + literal_column("1.5")) / per_row, literal_column("1.0")),
            ]
    ranks = select(*(f.label(f"f{k}") for k, f in enumerate(fractions))).cte("ranks")
    width = 2 * len(PERCENTILES)
    return [
        (
            func.count(value),
            [
                func.percentile_disc(select(f).scalar_subquery()).within_group(value)
                for f in list(ranks.c)[j * width : (j + 1) * width]
            ],
        )
        for j, value in enumerate(columns)
    ]


def _conditions(now: filters.When) -> dict[str, Any]:
    """The conditions tested on each row, a bit each (`CONDITIONS`); each is the one
    `IssueFilter` applies for the figure's filter. (Ratings, levels and escalations are
    grouped by their columns instead: `_count_flags`.)"""
    return {
        "accepted": filters.ever_accepted(),
        "resolved": filters.ever_resolved(),
        "on_time": filters.deadline_outcomes((D.ON_TIME,), now),
        "closed": filters.deadline_outcomes((D.ON_TIME, D.LATE), now),
        "overdue": filters.deadline_outcomes((D.OVERDUE,), now),
    }


def _percentiles(n: int, values: Sequence[Any]) -> tuple[float | None, float | None]:
    """Median and 90th percentile, in hours, as PostgreSQL's `percentile_cont`: linear
    between the order statistics at floor and ceil of (n - 1) * p / 100."""
    hours = []
    for j, p in enumerate(PERCENTILES):
        low, high = values[2 * j], values[2 * j + 1]
        position = Fraction((n - 1) * p, 100)
        fraction = position - int(position)
        exact = low + (high - low) * fraction if fraction and high is not None else low
        hours.append(float(Fraction(exact) / 3600))
    return hours[0], hours[1]
