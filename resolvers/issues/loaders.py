"""Per-request loaders for issues and what hangs off them."""

from __future__ import annotations

from sqlalchemy import select

from core.loaders import Loader, by_key, group_by_key
from models.issues import Issue, IssueEvent, Photo


class IssueByIdLoader(Loader[int, Issue | None]):
    async def batch_load(self, keys):
        rows = await self.db.all(select(Issue).where(Issue.id.in_(keys)))
        return by_key(keys, rows, lambda i: i.id)


class EventsByIssueIdLoader(Loader[int, list[IssueEvent]]):
    """A whole timeline per issue (tens of events), oldest first; pages are sliced from it."""

    async def batch_load(self, keys):
        rows = await self.db.all(
            select(IssueEvent).where(IssueEvent.issue_id.in_(keys)).order_by(IssueEvent.id)
        )
        return group_by_key(keys, rows, lambda e: e.issue_id)


class PhotosByIssueIdLoader(Loader[int, list[Photo]]):
    async def batch_load(self, keys):
        rows = await self.db.all(select(Photo).where(Photo.issue_id.in_(keys)).order_by(Photo.id))
        return group_by_key(keys, rows, lambda p: p.issue_id)


class PhotosByEventIdLoader(Loader[int, list[Photo]]):
    async def batch_load(self, keys):
        rows = await self.db.all(select(Photo).where(Photo.event_id.in_(keys)).order_by(Photo.id))
        return group_by_key(keys, rows, lambda p: p.event_id)
