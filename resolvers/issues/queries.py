"""Reading issues: one by ID, and filtered pages, always within the viewer's jurisdiction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, not_, select

from core.context import Context
from core.errors import BadRequest
from core.identity import Viewer
from core.ids import parse_id
from core.pagination import Page, paginate
from core.permissions import readable, under
from models.base import utcnow
from models.issues import OPEN_STATUSES, Issue
from resolvers.issues import policy
from resolvers.issues.loaders import IssueByIdLoader
from resolvers.regions import require_region


async def issue(ctx: Context, issue_id: str) -> Issue | None:
    """The issue, or null when there is none or the viewer may not read it."""
    viewer = ctx.require_viewer()
    return await readable_issue(ctx, viewer, parse_id(issue_id, "Issue"))


async def readable_issue(ctx: Context, viewer: Viewer, pk: int) -> Issue | None:
    return readable(viewer, await IssueByIdLoader(ctx).load(pk), policy.can_read_issue)


def overdue_condition(now=None):
    return and_(Issue.due_at < (now or utcnow()), Issue.status.in_(OPEN_STATUSES))


async def issues(ctx: Context, flt: Any, first: int | None, after: str | None) -> Page:
    """`flt` is an IssueFilter (any object with its attributes), or None."""
    viewer = ctx.require_viewer()
    if flt is not None and flt.search and len(flt.search) > ctx.settings.max_search_length:
        # Bounded (MAX_SEARCH_LENGTH): a long pattern costs the database, and SQLite refuses it.
        raise BadRequest("too_long", field="filter.search", max=ctx.settings.max_search_length)
    stmt = select(Issue).where(policy.visible_issues(viewer))
    if flt is not None:
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
            cond = overdue_condition()
            stmt = stmt.where(cond if flt.overdue else not_(cond) | Issue.due_at.is_(None))
        if flt.assigned_to_me:
            stmt = stmt.where(Issue.assignee_id == viewer.id)
        if flt.reported_by_me:
            stmt = stmt.where((Issue.reporter_id == viewer.id) | (Issue.filed_by_id == viewer.id))
        if flt.search:
            stmt = stmt.where(Issue.title.contains(flt.search, autoescape=True))
    return await paginate(ctx.db, stmt, Issue.id, first=first, after=after, descending=True)
