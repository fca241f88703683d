"""Per-request loaders for village profiles, their committees, grid heads and figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select

from core.loaders import ChildrenLoader, Loader, by_key, group_by_key
from core.permissions import under_region
from models.accounts import Account, Role, RoleGrant
from models.base import utcnow
from models.issues import Issue
from models.posts import Post
from models.regions import Region
from models.villages import CommitteeMember, Follow, VillageCover, VillageProfile
from resolvers.issues.filters import DeadlineOutcome, deadline_outcomes


class ProfileByRegionIdLoader(Loader[int, VillageProfile | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(
            select(VillageProfile).where(VillageProfile.region_id.in_(keys))
        )
        return by_key(keys, rows, lambda p: p.region_id)


class CoverByRegionIdLoader(Loader[int, VillageCover | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(VillageCover).where(VillageCover.region_id.in_(keys)))
        return by_key(keys, rows, lambda c: c.region_id)


class CommitteeByRegionIdLoader(ChildrenLoader[CommitteeMember]):
    entity = CommitteeMember
    parent = CommitteeMember.__table__.c.region_id
    order = (CommitteeMember.__table__.c.position,)


class GridHeadsByRegionIdLoader(Loader[int, list[Account]]):
    """The accounts holding GRID_HEAD on each region (a courtyard), in grant order."""

    async def batch_load(self, keys):
        rows = await self.reads.rows(
            select(RoleGrant.region_id, Account)
            .join(Account, Account.id == RoleGrant.account_id)
            .where(RoleGrant.region_id.in_(keys), RoleGrant.role == Role.GRID_HEAD)
            .order_by(RoleGrant.id)
        )
        grouped = group_by_key(keys, rows, lambda row: row[0])
        return [[row[1] for row in group] for group in grouped]


@dataclass(frozen=True)
class IssueFigures:
    """A region's issues reported since a time, and the dashboards' on-time count of them:
    resolved by their deadline, out of resolved plus still open past it."""

    reported: int = 0
    on_time: int = 0
    counted: int = 0


class IssueFiguresByRegionIdLoader(Loader[tuple[int, datetime], IssueFigures]):
    """`IssueFigures` of each region (and below) since a time: one grouped statement for
    every village of a page, each region's issues found by path range."""

    async def batch_load(self, keys):
        now = utcnow()
        on_time = deadline_outcomes((DeadlineOutcome.ON_TIME,), now)
        counted = deadline_outcomes(tuple(DeadlineOutcome), now)
        figures: dict[tuple[int, datetime], IssueFigures] = {}
        for since in {s for _, s in keys}:
            ids = [pk for pk, s in keys if s == since]
            rows = await self.reads.rows(
                select(
                    Region.id,
                    func.count(Issue.id),
                    func.coalesce(func.sum(case((on_time, 1), else_=0)), 0),
                    func.coalesce(func.sum(case((counted, 1), else_=0)), 0),
                )
                .join(
                    Issue,
                    and_(under_region(Issue.region_path, Region.path), Issue.created_at >= since),
                )
                .where(Region.id.in_(ids))
                .group_by(Region.id)
            )
            figures.update({(pk, since): IssueFigures(n, int(t), int(c)) for pk, n, t, c in rows})
        return [figures.get(key, IssueFigures()) for key in keys]


class FollowedByAccountIdLoader(Loader[int, frozenset[int]]):
    """The ids of the villages each account follows."""

    async def batch_load(self, keys):
        rows = await self.reads.rows(
            select(Follow.account_id, Follow.village_id).where(Follow.account_id.in_(keys))
        )
        grouped = group_by_key(keys, rows, lambda row: row[0])
        return [frozenset(row[1] for row in group) for group in grouped]


class PostsSinceByRegionIdLoader(Loader[tuple[int, datetime], int]):
    """How many posts (not deleted) each village published since a time: one grouped
    statement for every village of a page."""

    async def batch_load(self, keys):
        counts: dict[tuple[int, datetime], int] = {}
        for since in {s for _, s in keys}:
            ids = [pk for pk, s in keys if s == since]
            rows = await self.reads.rows(
                select(Post.village_id, func.count())
                .where(
                    Post.village_id.in_(ids),
                    Post.created_at >= since,
                    Post.deleted_at.is_(None),
                )
                .group_by(Post.village_id)
            )
            counts.update({(pk, since): n for pk, n in rows})
        return [counts.get(key, 0) for key in keys]
