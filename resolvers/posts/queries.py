"""Reading posts: one by ID, and a village's feed (pinned first, newest first)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, literal, select

from core.context import Context
from core.errors import BadRequest
from core.ids import parse_id
from core.pagination import Page, paginate
from core.permissions import readable
from models.posts import ContentReport, Post, PostKind
from models.regions import RegionLevel
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
    stmt = select(Post).where(
        Post.village_id == village.id, Post.deleted_at.is_(None), policy.unhidden(ctx.viewer)
    )
    if kinds:
        stmt = stmt.where(Post.kind.in_(kinds))
    page = await paginate(
        ctx.reads, stmt, (Post.pin, Post.id), first=first, after=after, descending=True
    )
    PostByIdLoader(ctx).prime_many({p.id: p for p in page.items})
    return page


LIBRARY_KINDS = (PostKind.POLICY, PostKind.AFFAIRS)
MAX_TERMS = 5


async def search(
    ctx: Context,
    text: str,
    village_id: str | None,
    kinds: Sequence[PostKind] | None,
    first: int | None,
    after: str | None,
) -> Page:
    """The policy library (政策知识库): posts the viewer may read whose title or text
    contains every word of `text` (a substring match, so "低保" finds "农村低保申请条件";
    case-insensitive), POLICY and AFFAIRS unless `kinds` says otherwise. Ranked by how many
    of the words the title holds, then newest first: one keyset on (rank, id)."""
    viewer = ctx.require_viewer()
    if len(text) > ctx.settings.max_search_length:
        # Bounded (MAX_SEARCH_LENGTH): a long pattern costs the database, and SQLite refuses it.
        raise BadRequest("too_long", field="query", max=ctx.settings.max_search_length)
    terms = list(dict.fromkeys(text.split()))
    if not terms:
        raise BadRequest("blank", field="query")
    if len(terms) > MAX_TERMS:
        raise BadRequest("too_many_terms", field="query", max=MAX_TERMS)
    stmt = select(Post).where(policy.visible_posts(viewer), Post.kind.in_(kinds or LIBRARY_KINDS))
    if village_id is not None:
        region = await RegionByIdLoader(ctx).load(parse_id(village_id, "Region", "villageId"))
        village = await readable_feed(ctx, region)
        stmt = stmt.where(Post.village_id == (village.id if village else 0))
    in_title = [Post.title.icontains(t, autoescape=True) for t in terms]
    for term, title_has in zip(terms, in_title, strict=True):
        stmt = stmt.where(title_has | Post.body.icontains(term, autoescape=True))
    rank = sum((case((t, 1), else_=0) for t in in_title), start=literal(0))
    page = await paginate(
        ctx.reads, stmt, (rank, Post.id), first=first, after=after, descending=True
    )
    PostByIdLoader(ctx).prime_many({p.id: p for p in page.items})
    return page


async def reports(
    ctx: Context, village_id: str, first: int | None, after: str | None
) -> Page | None:
    """What was reported in a village, newest first: for its officials; null for others
    (and for an ID that is no village)."""
    viewer = ctx.require_viewer()
    region = await RegionByIdLoader(ctx).load(parse_id(village_id, "Region", "villageId"))
    if region is None or region.level is not RegionLevel.VILLAGE:
        return None
    if not policy.is_village_official(viewer, region.path):
        return None
    stmt = select(ContentReport).where(ContentReport.village_id == region.id)
    return await paginate(
        ctx.reads, stmt, ContentReport.id, first=first, after=after, descending=True
    )


async def readable_report(ctx: Context, pk: int) -> ContentReport | None:
    """A report, for the officials of its village; None for anyone else."""
    row = await ctx.reads.one(select(ContentReport).where(ContentReport.id == pk))
    if row is None:
        return None
    village = await RegionByIdLoader(ctx).load(row.village_id)
    if village is None or not policy.is_village_official(ctx.viewer, village.path):
        return None
    return row
