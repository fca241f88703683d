"""Reading issues: one by ID, and filtered pages, always within the viewer's jurisdiction."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, not_, select

from core.context import Context
from core.errors import BadRequest
from core.identity import Viewer
from core.ids import parse_id
from core.pagination import Page, paginate
from core.permissions import child_of, readable, under
from models.base import utcnow
from models.issues import Issue, IssueCategory, IssueStatus
from models.regions import Region, RegionLevel
from resolvers.issues import filters, policy
from resolvers.issues.loaders import IssueByIdLoader
from resolvers.regions import require_region


async def issue(ctx: Context, issue_id: str) -> Issue | None:
    """The issue, or null when there is none or the viewer may not read it."""
    viewer = ctx.require_viewer()
    return await readable_issue(ctx, viewer, parse_id(issue_id, "Issue"))


async def readable_issue(ctx: Context, viewer: Viewer, pk: int) -> Issue | None:
    return readable(viewer, await IssueByIdLoader(ctx).load(pk), policy.can_read_issue)


def overdue_condition(now=None):
    return filters.overdue(now or utcnow())


async def issues(ctx: Context, flt: Any, first: int | None, after: str | None) -> Page:
    """`flt` is an IssueFilter (any object with its attributes), or None."""
    stmt, _ = await filtered(ctx, flt)
    page = await paginate(ctx.reads, stmt, Issue.id, first=first, after=after, descending=True)
    # The page's issues are loaded: what asks for them by id (an event's issue) finds them.
    IssueByIdLoader(ctx).prime_many({issue.id: issue for issue in page.items})
    return page


class CountKey(enum.Enum):
    STATUS = "status"
    CATEGORY = "category"
    LEVEL = "level"
    REGION = "region"


@dataclass(frozen=True)
class Count:
    """One group of `issue_counts`: the value of each key grouped by (None for the others,
    and for REGION: issues of the filter's region itself, in none of its children)."""

    count: int
    status: IssueStatus | None = None
    category: IssueCategory | None = None
    level: RegionLevel | None = None
    region_id: int | None = None


async def issue_counts(
    ctx: Context, flt: Any, group_by: Sequence[CountKey], *, now: datetime | None = None
) -> list[Count]:
    """The issues `issues(filter)` would list, counted per group in one statement: by
    status, category, handling level, and child region of `filter.regionId`. `now`: the
    instant `overdue` is judged at (default: now)."""
    stmt, region = await filtered(ctx, flt, now=now)
    keys = list(dict.fromkeys(group_by))  # each once, in the order given
    columns: dict[CountKey, Any] = {
        CountKey.STATUS: Issue.status,
        CountKey.CATEGORY: Issue.category,
        CountKey.LEVEL: Issue.level,
    }
    if CountKey.REGION in keys:
        if region is None:
            raise BadRequest("region_required", field="groupBy")
        # The child a row is in, from its path (no join: a hash per row, not a comparison
        # with every child); issues of the region itself have none.
        columns[CountKey.REGION] = child_of(Issue.region_path, region.path)
    grouped = [columns[k] for k in keys]
    counted = stmt.with_only_columns(*grouped, func.count(), maintain_column_froms=True)
    rows = await ctx.reads.rows(counted.group_by(*grouped).order_by(*grouped))
    return [
        Count(
            count=row[-1],
            **{
                k.value if k is not CountKey.REGION else "region_id": v
                for k, v in zip(keys, row, strict=False)
            },
        )
        for row in rows
    ]


async def filtered(
    ctx: Context, flt: Any, *, now: datetime | None = None
) -> tuple[Select, Region | None]:
    """The issues the viewer may see that meet the filter, and the filter's region."""
    viewer = ctx.require_viewer()
    now = now or utcnow()
    if flt is not None and flt.search and len(flt.search) > ctx.settings.max_search_length:
        # Bounded (MAX_SEARCH_LENGTH): a long pattern costs the database, and SQLite refuses it.
        raise BadRequest("too_long", field="filter.search", max=ctx.settings.max_search_length)
    stmt = select(Issue).where(policy.visible_issues(viewer))
    region = None
    if flt is not None:
        _check_history(flt)
        if flt.region_id is not None:
            region = await require_region(ctx, flt.region_id, "filter.regionId")
            stmt = stmt.where(under(Issue.region_path, region.path))
        if flt.statuses:
            stmt = stmt.where(Issue.status.in_(flt.statuses))
        if flt.categories:
            stmt = stmt.where(Issue.category.in_(flt.categories))
        if flt.levels:
            stmt = stmt.where(Issue.level.in_(flt.levels))
        if flt.overdue is not None:
            cond = overdue_condition(now)
            stmt = stmt.where(cond if flt.overdue else not_(cond) | Issue.due_at.is_(None))
        if flt.assigned_to_me:
            stmt = stmt.where(Issue.assignee_id == viewer.id)
        if flt.reported_by_me:
            stmt = stmt.where((Issue.reporter_id == viewer.id) | (Issue.filed_by_id == viewer.id))
        if flt.search:
            stmt = stmt.where(Issue.title.contains(flt.search, autoescape=True))
        stmt = stmt.where(*history_conditions(flt, now))
    return stmt, region


def _check_history(flt: Any) -> None:
    for value, field in ((flt.reported_from, "reportedFrom"), (flt.reported_to, "reportedTo")):
        if value is not None and value.tzinfo is None:
            raise BadRequest("needs_offset", field=f"filter.{field}")
    if flt.latest_ratings is not None and not set(flt.latest_ratings) <= set(filters.RATINGS):
        raise BadRequest("rating_range", field="filter.latestRatings")


def history_conditions(flt: Any, now: datetime) -> list[ColumnElement[bool]]:
    """The filter's period and history fields (resolvers/issues/filters.py), as SQL."""
    out: list[ColumnElement[bool]] = []
    if flt.reported_from is not None:
        out.append(filters.reported_since(flt.reported_from))
    if flt.reported_to is not None:
        out.append(filters.reported_before(flt.reported_to))
    for wanted, happened in (
        (flt.ever_accepted, filters.ever_accepted()),
        (flt.ever_resolved, filters.ever_resolved()),
    ):
        if wanted is not None:
            out.append(happened if wanted else ~happened)
    if flt.latest_ratings is not None:
        out.append(filters.latest_rating_in(flt.latest_ratings))
    if flt.escalated_to is not None:
        out.append(filters.escalated_to(flt.escalated_to))
    if flt.deadline_outcomes is not None:
        out.append(filters.deadline_outcomes(flt.deadline_outcomes, now))
    return out
