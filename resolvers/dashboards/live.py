"""dashboardUpdated: a region's figures, pushed again when an issue under it changes.

The figures are a summary of the issue topic (`subscriptions.topics.Summarized`): the hub
coalesces the entries under the region and recomputes at most once every
DASHBOARD_LIVE_SECONDS per region and period, whatever the number of watchers. They are
computed once for everyone: as no one in particular who sees every issue under the region,
which is what each viewer allowed to subscribe sees there (resolvers/dashboards/policy.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from core.config import Settings
from core.context import Context
from core.db import Database
from core.identity import Audience, Grant
from core.permissions import under
from models.accounts import Role
from models.base import utcnow
from models.events import LogEntry
from models.regions import Region
from resolvers.dashboards import queries
from resolvers.issues.live import ISSUES, IssueTopic
from subscriptions.topics import LiveStream


def overseer_of(region: Region) -> Audience:
    """Who the figures are computed as: no one in particular, seeing every issue (an admin's
    grant), and the cohort's filter keeps those under the region: exactly what each viewer
    allowed to watch it sees there."""
    return Audience([Grant(Role.ADMIN, region.id, region.path, region.level)])


@dataclass(frozen=True)
class DashboardFigures:
    """The figures of a region over a period, after each change of an issue under it."""

    region: Region = field(compare=False)
    start: datetime | None
    end: datetime | None
    settings: Settings = field(compare=False, repr=False)
    topic: IssueTopic = field(default=ISSUES, compare=False)
    key: tuple = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "key", ("dashboardUpdated", self.region.path, self.start, self.end)
        )

    @property
    def coalesce_seconds(self) -> float:
        return self.settings.dashboard_live_seconds

    def matches(self, entry: LogEntry, subject: Any) -> bool:
        return entry.region_path.startswith(self.region.path)

    def where(self) -> ColumnElement[bool]:
        return under(LogEntry.region_path, self.region.path)

    async def summarize(self, db: Database, entry: LogEntry, subject: Any) -> queries.Dashboard:
        ctx = Context(settings=self.settings, db=db, storage=None, viewer=overseer_of(self.region))  # type: ignore[arg-type]
        now = utcnow()
        span = queries.period(ctx, self.start, self.end, now)
        return await queries.compute(ctx, self.region, span, now)


async def dashboard_updates(
    ctx: Context, region_id: str, start: datetime | None, end: datetime | None
) -> LiveStream:
    """Who may read the region's dashboard may watch it; to anyone else it is missing."""
    region = await queries.readable_region(ctx, region_id)
    queries.period(ctx, start, end, utcnow())  # checked now: bad periods never subscribe
    return LiveStream(DashboardFigures(region, start, end, ctx.settings), None)
