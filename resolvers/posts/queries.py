"""Reading posts: one by ID, and a village's feed (pinned first, newest first)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from core.context import Context
from core.ids import parse_id
from core.pagination import Page, paginate
from core.permissions import readable
from models.posts import Post, PostKind
from resolvers.posts import policy
from resolvers.posts.loaders import PostByIdLoader
from resolvers.regions import RegionByIdLoader
from resolvers.villages.queries import followed, readable_feed


async def post(ctx: Context, post_id: str) -> Post | None:
    """The post, or null when there is none or the viewer may not read it."""
    ctx.require_viewer()
    return await readable_post(ctx, parse_id(post_id, "Post"))


async def readable_post(ctx: Context, pk: int) -> Post | None:
    row = await PostByIdLoader(ctx).load(pk)
    marks = await followed(ctx)
    return readable(ctx.viewer, row, lambda viewer, p: policy.can_read_post(viewer, p, marks))


async def feed(
    ctx: Context,
    village_id: str,
    kinds: Sequence[PostKind] | None,
    first: int | None,
    after: str | None,
) -> Page | None:
    """A village's posts, pinned ones first, each part newest first: one keyset over
    (pin, id), so a page is one statement however many posts are pinned. Null when the
    village is missing or its feed not readable (members and followers read it)."""
    ctx.require_viewer()
    region = await RegionByIdLoader(ctx).load(parse_id(village_id, "Region", "villageId"))
    village = await readable_feed(ctx, region)
    if village is None:
        return None
    stmt = select(Post).where(Post.village_id == village.id, Post.deleted_at.is_(None))
    if kinds:
        stmt = stmt.where(Post.kind.in_(kinds))
    page = await paginate(
        ctx.reads, stmt, (Post.pin, Post.id), first=first, after=after, descending=True
    )
    PostByIdLoader(ctx).prime_many({p.id: p for p in page.items})
    return page
