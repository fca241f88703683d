"""What the issue subscriptions listen to, and who may listen."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, or_

from core.context import Context
from core.errors import Forbidden, not_found
from core.identity import Viewer
from core.ids import parse_id
from core.pagination import decode_cursor
from core.permissions import OVERSIGHT_ROLES, can_read_issue, covers
from models.issues import Issue, IssueEvent, IssueEventKind
from resolvers.issues.loaders import IssueByIdLoader
from resolvers.regions import require_region
from subscriptions.hub import LiveStream


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
    key: tuple = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", ("issueStatusChanged", self.region_path))

    def matches(self, event: IssueEvent) -> bool:
        return event.region_path.startswith(self.region_path) and changes_status_or_level(event)

    def where(self) -> ColumnElement[bool]:
        return IssueEvent.region_path.startswith(self.region_path) & or_(
            IssueEvent.kind == IssueEventKind.REPORTED,
            IssueEvent.from_status != IssueEvent.to_status,
            IssueEvent.from_level != IssueEvent.level,
        )

    def allowed(self, viewer: Viewer, issue: Issue) -> bool:
        return can_read_issue(viewer, issue)


@dataclass(frozen=True)
class IssueTimeline:
    """Every event of one issue."""

    issue_id: int
    key: tuple = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", ("issueUpdated", self.issue_id))

    def matches(self, event: IssueEvent) -> bool:
        return event.issue_id == self.issue_id

    def where(self) -> ColumnElement[bool]:
        return IssueEvent.issue_id == self.issue_id

    def allowed(self, viewer: Viewer, issue: Issue) -> bool:
        return can_read_issue(viewer, issue)


def _after(after: str | None) -> int | None:
    return None if after is None else decode_cursor(after)


async def status_changes(ctx: Context, region_id: str, after: str | None) -> LiveStream:
    """Officials and deputies whose jurisdiction covers the region may watch it."""
    viewer = ctx.require_viewer()
    cursor = _after(after)
    region = await require_region(ctx, region_id, "regionId")
    if not covers(viewer, region.path, OVERSIGHT_ROLES):
        raise Forbidden()
    return LiveStream(StatusChanges(region.path), cursor)


async def issue_updates(ctx: Context, issue_id: str, after: str | None) -> LiveStream:
    """Anyone who may read the issue may follow its timeline."""
    viewer = ctx.require_viewer()
    cursor = _after(after)
    issue = await IssueByIdLoader(ctx).load(parse_id(issue_id, "Issue"))
    if issue is None:
        raise not_found("id")
    if not can_read_issue(viewer, issue):
        raise Forbidden()
    return LiveStream(IssueTimeline(issue.id), cursor)
