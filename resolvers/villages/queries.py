"""Reading villages: one by ID (null for an ID that is no village), and their figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.context import Context
from core.ids import parse_id
from core.permissions import readable
from models.base import utcnow
from models.regions import Region
from resolvers.regions import RegionByIdLoader
from resolvers.villages import policy
from resolvers.villages.loaders import (
    FollowedByAccountIdLoader,
    IssueFigures,
    IssueFiguresByRegionIdLoader,
    PostsSinceByRegionIdLoader,
)


async def village(ctx: Context, village_id: str) -> Region | None:
    """The village, or null when the ID is no village (a township's, say) or no region."""
    row = await RegionByIdLoader(ctx).load(parse_id(village_id, "Region"))
    return readable(ctx.viewer, row, policy.can_read_village)


def month_start(zone: str, now: datetime | None = None) -> datetime:
    """The start of the current calendar month in the time zone (`TIME_ZONE`, as the
    dashboards count days), as an aware datetime."""
    local = (now or utcnow()).astimezone(ZoneInfo(zone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def week_start(now: datetime | None = None) -> datetime:
    """Seven days ago: "this week" is the last seven days, not a calendar week."""
    return (now or utcnow()) - timedelta(days=7)


async def issues_this_month(ctx: Context, region_id: int) -> IssueFigures:
    since = month_start(ctx.settings.time_zone)
    return await IssueFiguresByRegionIdLoader(ctx).load((region_id, since))


async def posts_this_week(ctx: Context, region_id: int) -> int:
    return await PostsSinceByRegionIdLoader(ctx).load((region_id, week_start()))


async def followed(ctx: Context) -> frozenset[int]:
    """The villages the viewer follows (none when anonymous)."""
    viewer = ctx.viewer
    if not viewer.signed_in:
        return frozenset()
    return await FollowedByAccountIdLoader(ctx).load(viewer.id)  # type: ignore[arg-type]


async def readable_feed(ctx: Context, village: Region | None) -> Region | None:
    """The village, when the viewer may read its feed; else None (as if missing)."""
    if village is None or not policy.is_village(village):
        return None
    marks = await followed(ctx)
    if not policy.can_read_feed(ctx.viewer, village.path, village.id, marks):
        return None
    return village
