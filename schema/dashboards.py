"""County dashboards: a region's statistics over a period, each figure with the filter that
lists its issues (resolvers/dashboards)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers.dashboards import live, queries
from schema.issues import IssueCategory, IssueFilterValue, IssueStatus
from schema.regions import Region, RegionLevel

FILTER = "Pass it as `issues(filter: ...)` to list exactly the issues counted here."


@strawberry.type(description="A number of issues, and the filter that lists them.")
class DashboardFigure:
    count: int = strawberry.field(description="How many issues.")
    filter: IssueFilterValue = strawberry.field(description=FILTER)

    @classmethod
    def of(cls, figure: queries.Figure) -> DashboardFigure:
        return cls(count=figure.count, filter=IssueFilterValue.of(figure.filter))


@strawberry.type(description="The period's issues in one status now.")
class DashboardStatusCount:
    status: IssueStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="How many issues are in it now.")
    filter: IssueFilterValue = strawberry.field(description=FILTER)


@strawberry.type(description="The period's issues of one category.")
class DashboardCategoryCount:
    category: IssueCategory = strawberry.field(description="The category.")
    count: int = strawberry.field(description="How many issues.")
    filter: IssueFilterValue = strawberry.field(description=FILTER)


@strawberry.type(description="The period's issues in one child region (and below it).")
class DashboardRegionCount:
    region: Region = strawberry.field(description="A child region of the dashboard's region.")
    count: int = strawberry.field(description="How many issues are in it or under it.")
    filter: IssueFilterValue = strawberry.field(description=FILTER)


@strawberry.type(description="Issues counted per handling level.")
class DashboardLevelCount:
    level: RegionLevel = strawberry.field(description="The level.")
    count: int = strawberry.field(description="How many issues.")
    filter: IssueFilterValue = strawberry.field(description=FILTER)


@strawberry.type(
    description="How long something took, from the report on, over the issues it happened "
    "to (median and 90th percentile as PostgreSQL's `percentile_cont`, over whole seconds)."
)
class DashboardDuration:
    count: int = strawberry.field(description="How many issues it happened to.")
    median_hours: float | None = strawberry.field(
        description="The median, in hours; null when `count` is 0."
    )
    p90_hours: float | None = strawberry.field(
        description="The 90th percentile, in hours; null when `count` is 0."
    )
    filter: IssueFilterValue = strawberry.field(description=FILTER)

    @classmethod
    def of(cls, d: queries.Duration) -> DashboardDuration:
        return cls(
            count=d.count,
            median_hours=d.median_hours,
            p90_hours=d.p90_hours,
            filter=IssueFilterValue.of(d.filter),
        )


@strawberry.type(
    description="Reporters' satisfaction: of the period's rated issues, the share whose "
    "latest rating is 4 or 5."
)
class DashboardSatisfaction:
    ratings: int = strawberry.field(
        description="Issues rated at least once (each counted once, by its latest rating)."
    )
    satisfied: int = strawberry.field(description="Those whose latest rating is 4 or 5.")
    rate: float | None = strawberry.field(
        description="`satisfied / ratings`, 0 to 1; null when there are no ratings."
    )
    filter: IssueFilterValue = strawberry.field(description=FILTER + " (the rated ones)")
    satisfied_filter: IssueFilterValue = strawberry.field(
        description=FILTER + " (the satisfied ones)"
    )


@strawberry.type(
    description="Deadlines kept: resolved on time over resolved plus overdue, so open "
    "overdue issues are never hidden."
)
class DashboardOnTime:
    closed_on_time: int = strawberry.field(
        description="Resolved (RESOLVED or CLOSED now) by the deadline of the level that "
        "resolved them."
    )
    closed: int = strawberry.field(description="Resolved (RESOLVED or CLOSED now).")
    overdue_open: int = strawberry.field(description="Open and past their deadline now.")
    rate: float | None = strawberry.field(
        description="`closedOnTime / (closed + overdueOpen)`, 0 to 1; null when both are 0."
    )
    filter: IssueFilterValue = strawberry.field(
        description=FILTER + " (`closed + overdueOpen`: the issues the rate is over)"
    )
    closed_on_time_filter: IssueFilterValue = strawberry.field(
        description=FILTER + " (`closedOnTime`)"
    )
    closed_filter: IssueFilterValue = strawberry.field(description=FILTER + " (`closed`)")
    overdue_open_filter: IssueFilterValue = strawberry.field(
        description=FILTER + " (`overdueOpen`)"
    )


@strawberry.type(description="One day of the trend (a day of the server's TIME_ZONE).")
class DashboardDay:
    day: date = strawberry.field(description="The day.")
    reported: int = strawberry.field(description="The period's issues reported that day.")
    resolved: int = strawberry.field(
        description="The period's issues whose latest resolution was that day."
    )
    closed: int = strawberry.field(
        description="The period's issues closed that day by their reporter's rating (and "
        "CLOSED still)."
    )


@strawberry.type(
    description="A region's statistics over a period: the issues reported under it in "
    "[`from`, `to`), as they stand at `asOf`. Every count comes with the `IssueFilter` that "
    "lists exactly its issues."
)
class Dashboard:
    region: Region = strawberry.field(description="The region: it and everything under it.")
    from_: datetime = strawberry.field(
        name="from", description="The period's start: issues reported at or after it."
    )
    to: datetime = strawberry.field(description="The period's end: issues reported before it.")
    as_of: datetime = strawberry.field(
        description="When the figures were computed: states, overdue and durations are as of then."
    )
    reported: DashboardFigure = strawberry.field(
        description="The issues reported in the period (all the figures below are of these)."
    )
    by_status: list[DashboardStatusCount] = strawberry.field(
        description="Per status (each status, 0 included), as they stand now."
    )
    by_category: list[DashboardCategoryCount] = strawberry.field(
        description="Per category (each category, 0 included)."
    )
    by_region: list[DashboardRegionCount] = strawberry.field(
        description="Per child region of `region` (each child, 0 included); issues reported "
        "in `region` itself are in `reported` only."
    )
    time_to_accept: DashboardDuration = strawberry.field(
        description="From the report to the first acceptance (at any level), over the issues "
        "ever accepted (by the timeline: reopening does not undo it)."
    )
    time_to_resolve: DashboardDuration = strawberry.field(
        description="From the report to the latest resolution (a reopened and resolved again "
        "issue counts its whole time), over the issues ever resolved."
    )
    satisfaction: DashboardSatisfaction = strawberry.field(
        description="The reporters' latest ratings."
    )
    on_time: DashboardOnTime = strawberry.field(description="Deadlines kept.")
    overdue_by_level: list[DashboardLevelCount] = strawberry.field(
        description="Open and overdue now, per current handling level (each level)."
    )
    escalations_by_level: list[DashboardLevelCount] = strawberry.field(
        description="Escalated (by an official or the overdue sweep) to each level at least "
        "once: an issue escalated twice counts at both levels."
    )
    trend: list[DashboardDay] = strawberry.field(
        description="Each day of the period (TIME_ZONE), oldest first."
    )

    @classmethod
    def of(cls, d: queries.Dashboard) -> Dashboard:
        return cls(
            region=Region.from_model(d.region),
            from_=d.period.start,
            to=d.period.end,
            as_of=d.as_of,
            reported=DashboardFigure.of(d.reported),
            by_status=[
                DashboardStatusCount(
                    status=k.key, count=k.count, filter=IssueFilterValue.of(k.filter)
                )
                for k in d.by_status
            ],
            by_category=[
                DashboardCategoryCount(
                    category=k.key, count=k.count, filter=IssueFilterValue.of(k.filter)
                )
                for k in d.by_category
            ],
            by_region=[
                DashboardRegionCount(
                    region=Region.from_model(k.key),
                    count=k.count,
                    filter=IssueFilterValue.of(k.filter),
                )
                for k in d.by_region
            ],
            time_to_accept=DashboardDuration.of(d.time_to_accept),
            time_to_resolve=DashboardDuration.of(d.time_to_resolve),
            satisfaction=DashboardSatisfaction(
                ratings=d.satisfaction.ratings,
                satisfied=d.satisfaction.satisfied,
                rate=d.satisfaction.rate,
                filter=IssueFilterValue.of(d.satisfaction.filter),
                satisfied_filter=IssueFilterValue.of(d.satisfaction.satisfied_filter),
            ),
            on_time=DashboardOnTime(
                closed_on_time=d.on_time.closed_on_time,
                closed=d.on_time.closed,
                overdue_open=d.on_time.overdue_open,
                rate=d.on_time.rate,
                filter=IssueFilterValue.of(d.on_time.filter),
                closed_on_time_filter=IssueFilterValue.of(d.on_time.closed_on_time_filter),
                closed_filter=IssueFilterValue.of(d.on_time.closed_filter),
                overdue_open_filter=IssueFilterValue.of(d.on_time.overdue_open_filter),
            ),
            overdue_by_level=[_level(k) for k in d.overdue_by_level],
            escalations_by_level=[_level(k) for k in d.escalations_by_level],
            trend=[
                DashboardDay(day=t.day, reported=t.reported, resolved=t.resolved, closed=t.closed)
                for t in d.trend
            ],
        )


def _level(k: queries.Keyed) -> DashboardLevelCount:
    return DashboardLevelCount(level=k.key, count=k.count, filter=IssueFilterValue.of(k.filter))


REGION = strawberry.argument(
    description="The region: it and everything under it. Its officials (grid head to "
    "county), its deputies and admins may read it; to anyone else it is NOT_FOUND."
)
FROM = strawberry.argument(
    name="from",
    description="The period's start (with its offset); default: DASHBOARD_DEFAULT_DAYS (30) "
    "days before `to`. Not after `to`; the period is at most DASHBOARD_MAX_DAYS (400) days.",
)
TO = strawberry.argument(description="The period's end, excluded (with its offset); default: now.")


@strawberry.type
class DashboardQueries:
    @strawberry.field(
        description="A region's statistics over a period: the issues reported under it in "
        "[`from`, `to`), as they stand now, computed in the database. Every figure's `filter` "
        "lists its issues through `issues(filter: ...)`."
    )
    async def dashboard(
        self,
        info: Info,
        region_id: Annotated[strawberry.ID, REGION],
        from_: Annotated[datetime | None, FROM] = None,
        to: Annotated[datetime | None, TO] = None,
    ) -> Dashboard:
        return Dashboard.of(await queries.dashboard(info.context, region_id, from_, to))


@strawberry.type
class DashboardSubscriptions:
    @strawberry.subscription(
        description="The region's `dashboard` again each time an issue under it changes, at "
        "most once per DASHBOARD_LIVE_SECONDS (1): a burst of changes is one push, as of the "
        "newest. Changes only: query `dashboard` first for the figures now."
    )
    async def dashboard_updated(
        self,
        info: Info,
        region_id: Annotated[strawberry.ID, REGION],
        from_: Annotated[datetime | None, FROM] = None,
        to: Annotated[datetime | None, TO] = None,
    ) -> AsyncIterator[Dashboard]:
        stream = await live.dashboard_updates(info.context, region_id, from_, to)
        return replace(stream, root=Dashboard.of)  # type: ignore[return-value]
