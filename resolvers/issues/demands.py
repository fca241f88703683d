"""`commonDemands`: groups of open issues in a region that look like one underlying problem.

One statement reads the candidates: the open, unmerged issues the viewer may read, reported
since `since` in the region and below, newest first and at most `COMMON_DEMAND_MAX_ISSUES`
(the answer says when the cut fell); a second the region's townships and villages, which
each issue's path names by prefix. `resolvers/issues/grouping.py` then compares them
within each category and township (and located ones across townships within
`COMMON_DEMAND_DISTANCE_M`). The issues are primed into the request's `IssueByIdLoader`:
rendering a group's issues reads nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from core.context import Context
from core.errors import BadRequest, Forbidden
from core.pagination import Page, slice_page
from core.permissions import under
from core.sqlconst import constant_in
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
    rows = await ctx.reads.all(
        select(Issue)
        .where(
            policy.visible_issues(viewer),
            under(Issue.region_path, region.path),
            constant_in(Issue.status, OPEN_STATUSES),
            Issue.parent_id.is_(None),
            Issue.created_at >= since,
        )
        .order_by(Issue.created_at.desc(), Issue.id.desc())
        .limit(cap + 1)
    )
    truncated = len(rows) > cap
    rows = list(rows[:cap])
    issues = {issue.id: issue for issue in rows}
    IssueByIdLoader(ctx).prime_many(issues)
    places = await _places(ctx, region, rows)
    candidates = [
        grouping.Candidate(
            id=issue.id,
            category=issue.category,
            township=places[issue.id][0],
            title=issue.title,
            text=f"{issue.title} {issue.description[: grouping.TEXT_CHARS]}",
            point=_point(issue) if policy.can_see_location(viewer, issue) else None,
        )
        for issue in rows
        if policy.can_read_issue(viewer, issue)  # the SQL said so; the rule says it again
    ]
    groups = grouping.group(
        candidates,
        threshold=settings.common_demand_similarity,
        distance=settings.common_demand_distance_m,
        min_size=settings.common_demand_min_size,
    )
    located = {c.id: c.point for c in candidates if c.point is not None}
    page = slice_page([_Ranked(n, g) for n, g in enumerate(groups, 1)], "position", first, after)
    # Only the page's groups are described (their titles, keywords and spread).
    page.items = [
        _demand(r.position, [issues[c.id] for c in r.group.members], r.group, places, located)
        for r in page.items
    ]
    return Demands(page=page, considered=len(rows), truncated=truncated, since=since)


@dataclass
class _Ranked:
    position: int
    group: grouping.Group


async def _places(
    ctx: Context, region: Region, rows: list[Issue]
) -> dict[int, tuple[int | None, int | None]]:
    """Each issue's township and village: the townships and villages in the region (and the
    region's own, above it), one indexed range, matched to the issues' paths by prefix."""
    above = [region.path[: i + 1] for i, ch in enumerate(region.path) if ch == "/"]
    found = await ctx.reads.rows(
        select(Region.path, Region.id, Region.level).where(
            constant_in(Region.level, (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)),
            or_(Region.path.in_(above), under(Region.path, region.path)),
        )
    )
    by_path = {path: (pk, level) for path, pk, level in found}
    places: dict[int, tuple[int | None, int | None]] = {}
    for issue in rows:
        township = village = None
        path = issue.region_path
        for i, ch in enumerate(path):
            if ch == "/" and (hit := by_path.get(path[: i + 1])) is not None:
                if hit[1] is RegionLevel.TOWNSHIP:
                    township = hit[0]
                else:
                    village = hit[0]
        places[issue.id] = (township, village)
    return places


def _point(issue: Issue) -> tuple[float, float] | None:
    if issue.latitude is None or issue.longitude is None:
        return None
    return (issue.latitude, issue.longitude)


def _demand(
    position: int,
    members: list[Issue],
    g: grouping.Group,
    places: dict[int, tuple[int | None, int | None]],
    located: dict[int, tuple[float, float]],
) -> Demand:
    members.sort(key=lambda i: (i.created_at, i.id))
    points = [p for i in members if (p := located.get(i.id)) is not None]
    return Demand(
        position=position,
        category=members[0].category,
        issues=members,
        title=g.title(),
        keywords=g.keywords(),
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
