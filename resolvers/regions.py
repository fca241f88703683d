"""Regions: loaders and queries. Regions are public: anyone may browse the tree."""

from __future__ import annotations

from sqlalchemy import select

from core import permissions
from core.context import Context
from core.errors import BadRequest, not_found
from core.ids import parse_id
from core.loaders import ChildrenLoader, Loader, by_key
from core.pagination import Page, paginate, slice_page
from models.regions import Region, RegionLevel


class RegionByIdLoader(Loader[int, Region | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(Region).where(Region.id.in_(keys)))
        return by_key(keys, rows, lambda r: r.id)


class ChildrenByRegionIdLoader(ChildrenLoader[Region]):
    entity = Region
    parent = Region.__table__.c.parent_id


async def region(ctx: Context, region_id: str) -> Region | None:
    return await RegionByIdLoader(ctx).load(parse_id(region_id, "Region"))


async def require_region(ctx: Context, region_id: str, field: str) -> Region:
    found = await RegionByIdLoader(ctx).load(parse_id(region_id, "Region", field))
    if found is None:
        raise not_found(field)
    return found


async def children(ctx: Context, parent_id: int, first: int | None, after: str | None) -> Page:
    kids = await ChildrenByRegionIdLoader(ctx).load(parent_id)
    return slice_page(kids, "id", first, after)


async def villages(
    ctx: Context, under: str | None, search: str | None, first: int | None, after: str | None
) -> Page:
    if search is not None and len(search) > ctx.settings.max_search_length:
        # Bounded (MAX_SEARCH_LENGTH): a long pattern costs the database, and SQLite refuses it.
        raise BadRequest("too_long", field="search", max=ctx.settings.max_search_length)
    stmt = select(Region).where(Region.level == RegionLevel.VILLAGE)
    if under is not None:
        root = await require_region(ctx, under, "under")
        stmt = stmt.where(permissions.under(Region.path, root.path))
    if search:
        stmt = stmt.where(Region.name.contains(search.strip(), autoescape=True))
    return await paginate(ctx.reads, stmt, Region.id, first=first, after=after)
