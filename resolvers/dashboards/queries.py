"""A region's dashboard: every figure computed in the database, each with the `IssueFilter`
that lists exactly the issues it counts.

The period: the **cohort** of issues reported under the region in [from, to). Every figure
counts issues of that cohort, in their state as of `asOf` (now): how they stand, whether they
were ever accepted or resolved, their latest rating, whether they are overdue now. So each
figure is the cohort's filter plus one condition, and `issues(filter)` lists it (the counts
use the same SQL conditions: resolvers/issues/filters.py). The trend's days are the
`TIME_ZONE`'s days of the period.

Statements, whatever the region's size: the grouped counts of `issueCounts` (status and
category in one, child regions), the region's children, one statement of conditional counts
(durations' counts, ratings, deadlines, overdue and escalations by level), both durations'
order statistics, and the trend. Each is one pass over the cohort's rows: what an issue went
through is kept on its row (`Issue.first_accepted_at`, ...), not read from the timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal_column, select, union_all

from core.context import Context
from core.errors import BadRequest, not_found
from core.ids import to_global_id
from core.sqltime import LocalDays, epoch_seconds, integer_division
from models.base import utcnow
from models.issues import Issue, IssueCategory, IssueStatus
from models.regions import LEVEL_ORDER, Region, RegionLevel
from resolvers.dashboards import policy
from resolvers.issues import filters
from resolvers.issues.filters import DeadlineOutcome, FilterValue
from resolvers.issues.queries import CountKey, filtered, issue_counts
from resolvers.regions import ChildrenByRegionIdLoader, RegionByIdLoader, require_region

D = DeadlineOutcome
PERCENTILES = (50, 90)
DURATIONS = ("accept", "resolve")


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
    RegionByIdLoader(ctx).prime(region.id, region)
    cohort = FilterValue(
        region_id=to_global_id("Region", region.id),
        reported_from=span.start,
        reported_to=span.end,
    )
    grouped = await issue_counts(ctx, cohort, [CountKey.STATUS, CountKey.CATEGORY], now=now)
    statuses = _sums(grouped, "status")
    categories = _sums(grouped, "category")
    reported = sum(c.count for c in grouped)

    children = await ChildrenByRegionIdLoader(ctx).load(region.id)
    RegionByIdLoader(ctx).prime_many({child.id: child for child in children})
    per_child = (
        _sums(await issue_counts(ctx, cohort, [CountKey.REGION], now=now), "region_id")
        if children
        else {}
    )
    base, _ = await filtered(ctx, cohort, now=now)
    counts = await _conditional_counts(ctx, base, now)
    durations = await _durations(ctx, base)
    trend = await _trend(ctx, base, span)

    return Dashboard(
        region=region,
        period=span,
        as_of=now,
        reported=Figure(reported, cohort),
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
            for level in _levels()
        ],
        escalations_by_level=[
            Keyed(level, counts[f"escalated_{level.value}"], cohort.but(escalated_to=(level,)))
            for level in _levels()
        ],
        trend=trend,
    )


def _levels() -> list[RegionLevel]:
    return sorted(RegionLevel, key=LEVEL_ORDER.index)


def _sums(counts: Sequence[Any], key: str) -> dict[Any, int]:
    out: dict[Any, int] = {}
    for c in counts:
        value = getattr(c, key)
        if value is not None:
            out[value] = out.get(value, 0) + c.count
    return out


async def _conditional_counts(ctx: Context, base: Any, now: datetime) -> dict[str, int]:
    """The cohort's issues meeting each condition, counted in one statement; the conditions
    are the ones `IssueFilter` applies for the figure's filter."""
    conditions = {
        "accepted": filters.ever_accepted(),
        "resolved": filters.ever_resolved(),
        "rated": filters.latest_rating_in(filters.RATINGS),
        "satisfied": filters.latest_rating_in(filters.SATISFIED_RATINGS),
        "on_time": filters.deadline_outcomes((D.ON_TIME,), now),
        "closed": filters.deadline_outcomes((D.ON_TIME, D.LATE), now),
        "overdue": filters.deadline_outcomes((D.OVERDUE,), now),
    }
    for level in _levels():
        conditions[f"overdue_{level.value}"] = and_(filters.overdue(now), Issue.level == level)
        conditions[f"escalated_{level.value}"] = filters.escalated_to((level,))
    columns = [
        func.coalesce(func.sum(case((cond, 1), else_=0)), 0).label(name)
        for name, cond in conditions.items()
    ]
    row = (await ctx.reads.rows(base.with_only_columns(*columns, maintain_column_froms=True)))[0]
    return {name: int(value) for name, value in zip(conditions, row, strict=True)}


async def _durations(ctx: Context, base: Any) -> dict[str, tuple[float | None, float | None]]:
    """Median and 90th percentile, in hours, of the time from report to first acceptance
    and to latest resolution, in one pass over the cohort: the order statistics in SQL
    (row_number over whole seconds, the issues without one ranked last), the interpolation
    between the two neighbours in Python, as `percentile_cont` does."""
    created = epoch_seconds(Issue.created_at)
    seconds = base.with_only_columns(
        (epoch_seconds(Issue.first_accepted_at) - created).label("accept"),
        (epoch_seconds(Issue.last_resolved_at) - created).label("resolve"),
    ).subquery("seconds")
    ranked_columns = []
    for name in DURATIONS:
        value = seconds.c[name]
        rank = func.row_number().over(order_by=(value.is_(None), value)) - 1
        ranked_columns += [
            value,
            rank.label(f"{name}_i"),
            func.count(value).over().label(f"{name}_n"),
        ]
    ranked = select(*ranked_columns).subquery("ranked")
    columns = []
    for name in DURATIONS:
        value, i, n = ranked.c[name], ranked.c[f"{name}_i"], ranked.c[f"{name}_n"]
        columns.append(func.max(n))
        for p in PERCENTILES:
            low = integer_division((n - 1) * p, 100)
            columns.append(func.max(case((and_(value.is_not(None), i == low), value))))
            columns.append(func.max(case((and_(value.is_not(None), i == low + 1), value))))
    row = (await ctx.reads.rows(select(*columns)))[0]
    out: dict[str, tuple[float | None, float | None]] = {}
    width = 1 + 2 * len(PERCENTILES)
    for k, name in enumerate(DURATIONS):
        n, *values = row[k * width : (k + 1) * width]
        if not n:
            continue
        hours = []
        for j, p in enumerate(PERCENTILES):
            low, high = values[2 * j], values[2 * j + 1]
            position = Fraction((n - 1) * p, 100)
            fraction = position - int(position)
            exact = low + (high - low) * fraction if fraction and high is not None else low
            hours.append(float(Fraction(exact) / 3600))
        out[name] = (hours[0], hours[1])
    return out


async def _trend(ctx: Context, base: Any, span: Period) -> list[Day]:
    """Per day of the period (TIME_ZONE): the cohort's issues reported that day, those whose
    latest resolution was that day, and those closed by their reporter's rating that day."""
    local = LocalDays(ZoneInfo(ctx.settings.time_zone), span.start, span.end)
    days = local.days()
    if not days:
        return []

    def per_day(name: str, stamp: Any, *where: Any) -> Any:
        day = local.day_of(stamp)
        return (
            base.where(*where)
            .with_only_columns(literal_column(f"'{name}'").label("k"), day.label("d"), func.count())
            .group_by(day)
        )

    def within(stamp: Any) -> Any:
        return and_(stamp >= span.start, stamp < span.end)

    parts = [
        per_day("reported", Issue.created_at),
        per_day("resolved", Issue.last_resolved_at, within(Issue.last_resolved_at)),
        per_day(
            "closed",
            Issue.closed_at,
            Issue.status == IssueStatus.CLOSED,
            within(Issue.closed_at),
        ),
    ]
    counted: dict[date, dict[str, int]] = {}
    for k, d, n in await ctx.reads.rows(union_all(*parts)):
        counted.setdefault(local.number(int(d)), {})[k] = int(n)
    return [
        Day(
            day,
            counted.get(day, {}).get("reported", 0),
            counted.get(day, {}).get("resolved", 0),
            counted.get(day, {}).get("closed", 0),
        )
        for day in days
    ]
