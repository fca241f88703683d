"""`commonDemands`: groups of open issues in a region that look like one underlying problem.

One statement reads the candidates: the open, unmerged issues the viewer may read, reported
since `since` in the region and below, each with its township and village (joined by path
range), newest first and at most `COMMON_DEMAND_MAX_ISSUES` (the answer says when the cut
fell). `resolvers/issues/grouping.py` then compares them within each category and township
(and located ones across townships within `COMMON_DEMAND_DISTANCE_M`). The issues are
primed into the request's `IssueByIdLoader`: rendering a group's issues reads nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from core.context import Context
from core.errors import BadRequest, Forbidden
from core.pagination import Page, slice_page
from core.permissions import under, under_region
from models.base import utcnow
from models.issues import OPEN_STATUSES, Issue, IssueCategory
from models.regions import Region, RegionLevel
from resolvers.issues import grouping, policy
from resolvers.issues.loaders import IssueByIdLoader
from resolvers.regions import require_region

EXACT_SPAN_POINTS = 300  # above this many located issues, a group's span is its bounding box


@dataclass
class Demand:
    """One group, with its spread (what the schema's `CommonDemand` shows)."""

    position: int  # 1 for the largest group: the key its cursor carries
    category: IssueCategory
    issues: list[Issue]  # oldest first
    title: str
    keywords: list[str]
    region_ids: list[int]
    village_ids: list[int]
    township_ids: list[int]
    first_at: datetime
    last_at: datetime
    distance_m: float | None  # between the two located issues farthest apart


@dataclass
class Demands:
    page: Page
    considered: int  # open issues compared
    truncated: bool  # more open issues than COMMON_DEMAND_MAX_ISSUES: the oldest were left out
    since: datetime
    all: list[Demand] = field(default_factory=list)


async def common_demands(
    ctx: Context, region_id: str, since: datetime | None, first: int | None, after: str | None
) -> Demands:
    viewer = ctx.require_viewer()
    region = await require_region(ctx, region_id, "regionId")
    if not policy.can_find_common_demands(viewer, region.path):
        raise Forbidden()
    settings = ctx.settings
    if since is None:
        since = utcnow() - timedelta(days=settings.common_demand_days)
    elif since.tzinfo is None:
        raise BadRequest("needs_offset", field="since")
    cap = settings.common_demand_max_issues
    township, village = aliased(Region), aliased(Region)
    rows = await ctx.reads.rows(
        select(Issue, township.id, village.id)
        .outerjoin(
            township,
            and_(
                township.level == RegionLevel.TOWNSHIP,
                under_region(Issue.region_path, township.path),
            ),
        )
        .outerjoin(
            village,
            and_(
                village.level == RegionLevel.VILLAGE, under_region(Issue.region_path, village.path)
            ),
        )
        .where(
            policy.visible_issues(viewer),
            under(Issue.region_path, region.path),
            Issue.status.in_(OPEN_STATUSES),
            Issue.parent_id.is_(None),
            Issue.created_at >= since,
        )
        .order_by(Issue.created_at.desc(), Issue.id.desc())
        .limit(cap + 1)
    )
    truncated = len(rows) > cap
    rows = rows[:cap]
    issues = {issue.id: issue for issue, _t, _v in rows}
    IssueByIdLoader(ctx).prime_many(issues)
    places = {issue.id: (t, v) for issue, t, v in rows}
    candidates = [
        grouping.Candidate(
            id=issue.id,
            category=issue.category,
            township=t,
            title=issue.title,
            text=f"{issue.title} {issue.description[: grouping.TEXT_CHARS]}",
            point=_point(issue) if policy.can_see_location(viewer, issue) else None,
        )
        for issue, t, _v in rows
        if policy.can_read_issue(viewer, issue)  # the SQL said so; the rule says it again
    ]
    groups = grouping.group(
        candidates,
        threshold=settings.common_demand_similarity,
        distance=settings.common_demand_distance_m,
        min_size=settings.common_demand_min_size,
    )
    demands = [
        _demand(n, [issues[c.id] for c in g.members], g, places, candidates)
        for n, g in enumerate(groups, 1)
    ]
    return Demands(
        page=slice_page(demands, "position", first, after),
        considered=len(rows),
        truncated=truncated,
        since=since,
        all=demands,
    )


def _point(issue: Issue) -> tuple[float, float] | None:
    if issue.latitude is None or issue.longitude is None:
        return None
    return (issue.latitude, issue.longitude)


def _demand(
    position: int,
    members: list[Issue],
    g: grouping.Group,
    places: dict[int, tuple[int | None, int | None]],
    candidates: list[grouping.Candidate],
) -> Demand:
    members.sort(key=lambda i: (i.created_at, i.id))
    located = {c.id: c.point for c in candidates if c.point is not None}
    points = [located[i.id] for i in members if i.id in located]
    return Demand(
        position=position,
        category=members[0].category,
        issues=members,
        title=g.title,
        keywords=g.keywords,
        region_ids=sorted({i.region_id for i in members}),
        village_ids=sorted({v for i in members if (v := places[i.id][1]) is not None}),
        township_ids=sorted({t for i in members if (t := places[i.id][0]) is not None}),
        first_at=members[0].created_at,
        last_at=members[-1].created_at,
        distance_m=_span(points),
    )


def _span(points: list[tuple[float, float]]) -> float | None:
    """The distance between the two points farthest apart (the bounding box's diagonal
    for many points); None for fewer than two."""
    if len(points) < 2:
        return None
    if len(points) > EXACT_SPAN_POINTS:
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        return grouping.distance_m((min(lats), min(lons)), (max(lats), max(lons)))
    return max(grouping.distance_m(a, b) for n, a in enumerate(points) for b in points[n + 1 :])
