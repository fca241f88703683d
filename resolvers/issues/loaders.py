"""Per-request loaders for issues and what hangs off them."""

from __future__ import annotations

from sqlalchemy import select

from core.loaders import ChildPagesLoader, ChildrenLoader, Loader, by_key
from models.issues import Issue, IssueEvent, Photo


class IssueByIdLoader(Loader[int, Issue | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(Issue).where(Issue.id.in_(keys)))
        return by_key(keys, rows, lambda i: i.id)


class TimelinePageByIssueIdLoader(ChildPagesLoader):
    """A page of each issue's timeline: `timeline(last: 3)` fetches 3 events per issue,
    however long its timeline."""

    entity, parent = IssueEvent, IssueEvent.__table__.c.issue_id


class PhotosByIssueIdLoader(ChildrenLoader[Photo]):
    entity = Photo
    parent = Photo.__table__.c.issue_id


class PhotosByEventIdLoader(Loader[tuple[int, int], list[Photo]]):
    """An event's photos, keyed `(issue_id, event_id)`: taken from the issue's photos
    (`PhotosByIssueIdLoader`), so a page showing both loads each photo once."""

    async def batch_load(self, keys):
        of_issue = await PhotosByIssueIdLoader(self.context).load_many([i for i, _ in keys])
        return [
            [p for p in photos if p.event_id == event_id]
            for (_, event_id), photos in zip(keys, of_issue, strict=True)
        ]


class ChildPageByIssueIdLoader(ChildPagesLoader):
    """A page of the issues merged into each parent (`Issue.children`), oldest first."""

    entity, parent = Issue, Issue.__table__.c.parent_id
