"""Reading discussions: one by ID, and a village's, newest first."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from core.context import Context
from core.ids import parse_id
from core.pagination import Page, paginate
from core.permissions import readable
from models.discussions import Discussion, DiscussionKind
from resolvers.discussions import policy
from resolvers.discussions.loaders import DiscussionByIdLoader
from resolvers.regions import RegionByIdLoader
from resolvers.villages.queries import followed, readable_feed


async def discussion(ctx: Context, discussion_id: str) -> Discussion | None:
    ctx.require_viewer()
    return await readable_discussion(ctx, parse_id(discussion_id, "Discussion"))


async def readable_discussion(ctx: Context, pk: int) -> Discussion | None:
    row = await DiscussionByIdLoader(ctx).load(pk)
    marks = await followed(ctx)
    return readable(ctx.viewer, row, lambda viewer, d: policy.can_read(viewer, d, marks))


async def discussions(
    ctx: Context,
    village_id: str,
    kinds: Sequence[DiscussionKind] | None,
    first: int | None,
    after: str | None,
) -> Page | None:
    """A village's discussions, newest first; null when its feed is not the viewer's."""
    ctx.require_viewer()
    region = await RegionByIdLoader(ctx).load(parse_id(village_id, "Region", "villageId"))
    village = await readable_feed(ctx, region)
    if village is None:
        return None
    stmt = select(Discussion).where(Discussion.village_id == village.id)
    if kinds:
        stmt = stmt.where(Discussion.kind.in_(kinds))
    page = await paginate(ctx.reads, stmt, Discussion.id, first=first, after=after, descending=True)
    DiscussionByIdLoader(ctx).prime_many({d.id: d for d in page.items})
    return page
