"""The issue topic of the event log, and what the issue subscriptions listen to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.sql import FromClause

from core.context import Context
from core.db import Database
from core.errors import Forbidden, not_found
from core.identity import Viewer
from core.ids import parse_id
from core.pagination import decode_cursor
from core.permissions import under
from models.events import LogEntry
from models.issues import Issue, IssueEvent, IssueEventKind
from resolvers.issues import policy
from resolvers.issues.lifecycle import TOPIC
from resolvers.issues.loaders import IssueByIdLoader
from resolvers.issues.queries import readable_issue
from resolvers.regions import require_region
from subscriptions.topics import LiveStream, LoaderScope


@dataclass(frozen=True)
class IssueChange:
    """What an entry of the issue topic is about: the timeline event and its issue."""

    event: IssueEvent
    issue: Issue


class IssueTopic:
    name = TOPIC

    def source(self) -> FromClause:
        return LogEntry.__table__.join(IssueEvent.__table__, IssueEvent.id == LogEntry.id)

    async def load(self, db: Database, entries: Sequence[LogEntry]) -> dict[int, IssueChange]:
        rows = await db.rows(
            select(IssueEvent, Issue)
            .join(Issue, Issue.id == IssueEvent.issue_id)
            .where(IssueEvent.id.in_([e.id for e in entries]))
            .execution_options(background=True)
        )
        return {event.id: IssueChange(event, issue) for event, issue in rows}

    def allowed(self, viewer: Viewer, subject: IssueChange) -> bool:
        return policy.can_read_issue(viewer, subject.issue)

    def prime(self, scope: LoaderScope, subject: IssueChange) -> None:
        IssueByIdLoader(scope).prime(subject.issue.id, subject.issue)


ISSUES = IssueTopic()


def changes_status_or_level(event: IssueEvent) -> bool:
    return (
        event.kind is IssueEventKind.REPORTED
        or event.from_status is not event.to_status
        or event.from_level is not event.level
    )


@dataclass(frozen=True)
class StatusChanges:
    """Creations, status and level changes of issues in a region and below."""

    region_path: str
    topic: IssueTopic = ISSUES
    key: tuple = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", ("issueStatusChanged", self.region_path))

    def matches(self, entry: LogEntry, subject: IssueChange) -> bool:
        return entry.region_path.startswith(self.region_path) and changes_status_or_level(
            subject.event
        )

    def where(self) -> ColumnElement[bool]:
        return under(LogEntry.region_path, self.region_path) & or_(
            IssueEvent.kind == IssueEventKind.REPORTED,
            IssueEvent.from_status != IssueEvent.to_status,
            IssueEvent.from_level != IssueEvent.level,
        )


@dataclass(frozen=True)
class IssueTimeline:
    """Every event of one issue."""

    issue_id: int
    topic: IssueTopic = ISSUES
    key: tuple = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", ("issueUpdated", self.issue_id))

    def matches(self, entry: LogEntry, subject: IssueChange) -> bool:
        return entry.subject_id == self.issue_id

    def where(self) -> ColumnElement[bool]:
        return LogEntry.subject_id == self.issue_id


def _after(after: str | None) -> int | None:
    return None if after is None else decode_cursor(after)


async def status_changes(ctx: Context, region_id: str, after: str | None) -> LiveStream:
    """Officials and deputies whose jurisdiction covers the region may watch it."""
    viewer = ctx.require_viewer()
    cursor = _after(after)
    region = await require_region(ctx, region_id, "regionId")
    if not policy.can_watch_region(viewer, region.path):
        raise Forbidden()
    return LiveStream(StatusChanges(region.path), cursor)


async def issue_updates(ctx: Context, issue_id: str, after: str | None) -> LiveStream:
    """Anyone who may read the issue may follow its timeline; to anyone else it is missing."""
    viewer = ctx.require_viewer()
    cursor = _after(after)
    issue = await readable_issue(ctx, viewer, parse_id(issue_id, "Issue"))
    if issue is None:
        raise not_found("id")
    return LiveStream(IssueTimeline(issue.id), cursor)
