"""Issue (ticket) types, queries and mutations."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Awaitable, Iterable
from dataclasses import replace
from datetime import datetime

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.file_uploads import Upload
from strawberry.types import Info

from core.ids import node_pk
from core.loaders import present
from core.media import signed_url
from core.pagination import encode_cursor, page_size, slice_page
from models import issues as m
from models.base import utcnow
from resolvers.issues import lifecycle, live, mutations, policy, queries
from resolvers.issues.loaders import (
    EventsByIssueIdLoader,
    IssueByIdLoader,
    PhotosByEventIdLoader,
    PhotosByIssueIdLoader,
)
from resolvers.regions import RegionByIdLoader
from schema.accounts import Account, account_or_none
from schema.common import Connection, UserError, payload
from schema.regions import Region, RegionLevel

# The models' enums, registered as GraphQL enums.
IssueStatus = m.IssueStatus
IssueCategory = m.IssueCategory
Channel = m.Channel
IssueEventKind = m.IssueEventKind
strawberry.enum(IssueStatus)
strawberry.enum(IssueCategory)
strawberry.enum(Channel, description="How the report reached us.")
strawberry.enum(IssueEventKind)


@strawberry.enum(description="What the viewer may do to an issue now.")
class IssueAction(enum.Enum):
    ACCEPT = "accept"
    ASSIGN = "assign"
    START_WORK = "start"
    ADD_UPDATE = "update"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    REJECT = "reject"
    MARK_DUPLICATE = "mark_duplicate"
    CANCEL = "cancel"
    RATE = "rate"
    REOPEN = "reopen"


# Mutations that run more than one transition of the table, depending on input or actor.
_TRANSITIONS_OF = {a: (a.value,) for a in IssueAction} | {
    IssueAction.RATE: ("rate", "rate_low"),
    IssueAction.REOPEN: ("reopen", "appeal"),
}


@strawberry.type(description="An uploaded photo; `url` is a signed link that expires.")
class Photo:
    content_type: str
    width: int
    height: int
    size: int
    key: strawberry.Private[str]

    @classmethod
    def from_model(cls, row: m.Photo) -> Photo:
        return cls(
            content_type=row.content_type,
            width=row.width,
            height=row.height,
            size=row.size,
            key=row.storage_key,
        )

    @strawberry.field
    def url(self, info: Info) -> str:
        settings = info.context.settings
        return signed_url(settings.secret_key, self.key, settings.photo_url_ttl_seconds)


@strawberry.type(description="The time window a home-service visit is booked for.")
class TimeWindow:
    start: datetime
    end: datetime


@strawberry.input
class TimeWindowInput:
    start: datetime
    end: datetime


async def _readable_issue(info: Info, issue_id: int) -> m.Issue | None:
    """The issue, or None when there is none or the viewer may not read it."""
    return await queries.readable_issue(info.context, info.context.viewer, issue_id)


@strawberry.type(description="One timeline entry of an issue; also what subscriptions deliver.")
class IssueEvent(relay.Node):
    id: relay.NodeID[int]
    kind: IssueEventKind
    from_status: IssueStatus | None
    to_status: IssueStatus
    from_level: RegionLevel | None
    level: RegionLevel
    note: str | None
    rating: int | None
    at: datetime
    row: strawberry.Private[m.IssueEvent]

    @classmethod
    def from_model(cls, row: m.IssueEvent) -> IssueEvent:
        return cls(
            id=row.id,
            kind=row.kind,
            from_status=row.from_status,
            to_status=row.to_status,
            from_level=row.from_level,
            level=row.level,
            note=row.note,
            rating=row.rating,
            at=row.at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        info.context.require_viewer()
        ids = [node_pk(i) for i in node_ids]
        rows = {
            e.id: e
            for e in await info.context.db.all(select(m.IssueEvent).where(m.IssueEvent.id.in_(ids)))
        }
        out = []
        for i in ids:
            event = rows.get(i)
            if event is not None and await _readable_issue(info, event.issue_id) is None:
                event = None  # an event of an issue the viewer may not read: as if missing
            out.append(cls.from_model(event) if event else None)
        return out

    @strawberry.field(description="Pass as `after` to a subscription to resume after this event.")
    def cursor(self) -> str:
        return encode_cursor(self.id)

    @strawberry.field
    async def issue(self, info: Info) -> Issue:
        return Issue.from_model(present(await IssueByIdLoader(info).load(self.row.issue_id)))

    @strawberry.field(
        description="Who acted; null for the system (the overdue sweep), and for "
        "the reporter of an anonymous issue to those who may not know them."
    )
    async def actor(self, info: Info) -> Account | None:
        actor_id = self.row.actor_id
        if actor_id is None:
            return None
        issue = present(await IssueByIdLoader(info).load(self.row.issue_id))
        if actor_id in (issue.reporter_id, issue.filed_by_id) and not policy.can_see_reporter(
            info.context.viewer, issue
        ):
            return None
        return await account_or_none(info, actor_id)

    @strawberry.field(description="For ASSIGNED events: who the issue was assigned to.")
    async def assignee(self, info: Info) -> Account | None:
        return await account_or_none(info, self.row.assignee_id)

    @strawberry.field
    async def photos(self, info: Info) -> list[Photo]:
        return [Photo.from_model(p) for p in await PhotosByEventIdLoader(info).load(self.id)]


@strawberry.type(description="A problem or request reported by a resident (诉求/工单).")
class Issue(relay.Node):
    id: relay.NodeID[int]
    number: str = strawberry.field(description="Human-readable number, e.g. 2026-000042.")
    title: str
    description: str
    category: IssueCategory
    status: IssueStatus
    level: RegionLevel = strawberry.field(description="The handling level, separate from status.")
    channel: Channel
    anonymous: bool
    created_at: datetime
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    due_at: datetime | None = strawberry.field(
        description="Deadline of the current level: to accept when SUBMITTED, else to resolve."
    )
    rating: int | None
    rating_comment: str | None
    row: strawberry.Private[m.Issue]

    @classmethod
    def from_model(cls, row: m.Issue) -> Issue:
        return cls(
            id=row.id,
            number=row.number or "",
            title=row.title,
            description=row.description,
            category=row.category,
            status=row.status,
            level=row.level,
            channel=row.channel,
            anonymous=row.anonymous,
            created_at=row.created_at,
            accepted_at=row.accepted_at,
            resolved_at=row.resolved_at,
            closed_at=row.closed_at,
            due_at=row.due_at,
            rating=row.rating,
            rating_comment=row.rating_comment,
            row=row,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        info.context.require_viewer()
        rows = [await _readable_issue(info, node_pk(i)) for i in node_ids]
        return [cls.from_model(row) if row else None for row in rows]

    @strawberry.field(description="Past its deadline and still open.")
    def overdue(self) -> bool:
        return (
            self.row.status in m.OPEN_STATUSES
            and self.row.due_at is not None
            and self.row.due_at < utcnow()
        )

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return Region.from_model(present(await RegionByIdLoader(info).load(self.row.region_id)))

    @strawberry.field(
        description="Null to those who may not see it (anonymous reports), and "
        "for reports filed for someone without an account."
    )
    async def reporter(self, info: Info) -> Account | None:
        if not policy.can_see_reporter(info.context.viewer, self.row):
            return None
        return await account_or_none(info, self.row.reporter_id)

    @strawberry.field(
        description="Who filed the report: the reporter, or a grid head or "
        "official filing on their behalf (proxy report)."
    )
    async def filed_by(self, info: Info) -> Account | None:
        if not policy.can_see_reporter(info.context.viewer, self.row):
            return None
        return await account_or_none(info, self.row.filed_by_id)

    @strawberry.field(
        description="Name of a reporter without an account (proxy reports); "
        "shown to the parties and handlers only."
    )
    def contact_name(self, info: Info) -> str | None:
        return (
            self.row.contact_name if policy.can_see_contact(info.context.viewer, self.row) else None
        )

    @strawberry.field
    def contact_phone(self, info: Info) -> str | None:
        return (
            self.row.contact_phone
            if policy.can_see_contact(info.context.viewer, self.row)
            else None
        )

    @strawberry.field(description="HOME_SERVICE: the address to visit (parties and handlers).")
    def service_address(self, info: Info) -> str | None:
        return (
            self.row.service_address
            if policy.can_see_contact(info.context.viewer, self.row)
            else None
        )

    @strawberry.field(description="HOME_SERVICE: the wished time window.")
    def service_window(self) -> TimeWindow | None:
        if self.row.service_from is None or self.row.service_until is None:
            return None
        return TimeWindow(start=self.row.service_from, end=self.row.service_until)

    @strawberry.field(description="The named handler (STAFF) working the issue, if assigned.")
    async def assignee(self, info: Info) -> Account | None:
        return await account_or_none(info, self.row.assignee_id)

    @strawberry.field(
        description="For DUPLICATE issues: the issue this one duplicates (null if the viewer "
        "may not read it)."
    )
    async def duplicate_of(self, info: Info) -> Issue | None:
        if self.row.duplicate_of_id is None:
            return None
        # The original may be someone else's, out of this viewer's sight.
        row = await _readable_issue(info, self.row.duplicate_of_id)
        return Issue.from_model(row) if row else None

    @strawberry.field(description="Every photo of the issue: the report's and later evidence.")
    async def photos(self, info: Info) -> list[Photo]:
        return [Photo.from_model(p) for p in await PhotosByIssueIdLoader(info).load(self.id)]

    @strawberry.field(description="The timeline, oldest first. `last: n` gives the n newest.")
    async def timeline(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
    ) -> Connection[IssueEvent]:
        events = await EventsByIssueIdLoader(info).load(self.id)
        if last is not None:
            events = events[len(events) - page_size(last, "last") :] if last else []
        return Connection.of(slice_page(events, "id", first, after), IssueEvent.from_model)

    @strawberry.field(description="The mutations the viewer may perform on this issue now.")
    def allowed_actions(self, info: Info) -> list[IssueAction]:
        viewer = info.context.viewer
        return [
            a
            for a in IssueAction
            if any(lifecycle.can_apply(viewer, self.row, key) for key in _TRANSITIONS_OF[a])
        ]


@strawberry.input
class IssueFilter:
    region_id: strawberry.ID | None = strawberry.field(
        default=None, description="That region and everything under it."
    )
    statuses: list[IssueStatus] | None = None
    categories: list[IssueCategory] | None = None
    levels: list[RegionLevel] | None = None
    overdue: bool | None = None
    assigned_to_me: bool = False
    reported_by_me: bool = False
    search: str | None = strawberry.field(default=None, description="Words in the title.")


@strawberry.type
class IssueQueries:
    @strawberry.field
    async def issue(self, info: Info, id: strawberry.ID) -> Issue | None:
        row = await queries.issue(info.context, id)
        return Issue.from_model(row) if row else None

    @strawberry.field(description="Issues the viewer may see, newest first.")
    async def issues(
        self,
        info: Info,
        filter: IssueFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Issue]:
        page = await queries.issues(info.context, filter, first, after)
        return Connection.of(page, Issue.from_model)


# --- mutations ---------------------------------------------------------------------------


@strawberry.type
class IssuePayload:
    issue: Issue | None
    event: IssueEvent | None
    errors: list[UserError]


async def _payload(info: Info, work: Awaitable[mutations.Result]) -> IssuePayload:
    async def issue_and_event() -> dict:
        issue, event = await work
        return {"issue": Issue.from_model(issue), "event": IssueEvent.from_model(event)}

    return await payload(info, IssuePayload, issue_and_event())


@strawberry.input
class ReportIssueInput:
    region_id: strawberry.ID = strawberry.field(description="A village or courtyard.")
    category: IssueCategory
    title: str
    description: str
    photos: list[Upload] | None = None
    anonymous: bool = False
    client_request_id: str | None = strawberry.field(
        default=None, description="Retrying with the same id returns the first result."
    )
    channel: Channel | None = None
    on_behalf_of: strawberry.ID | None = strawberry.field(
        default=None, description="Proxy report: the account of the person reported for."
    )
    contact_name: str | None = strawberry.field(
        default=None, description="Proxy report for someone without an account."
    )
    contact_phone: str | None = None
    service_window: TimeWindowInput | None = None
    service_address: str | None = None


@strawberry.input
class IssueNoteInput:
    id: strawberry.ID
    note: str | None = None


@strawberry.input
class IssueEvidenceInput:
    id: strawberry.ID
    note: str | None = None
    photos: list[Upload] | None = None


@strawberry.input
class AssignIssueInput:
    id: strawberry.ID
    assignee_id: strawberry.ID
    note: str | None = None


@strawberry.input
class MarkIssueDuplicateInput:
    id: strawberry.ID
    duplicate_of_id: strawberry.ID
    note: str | None = None


@strawberry.input
class RateIssueInput:
    id: strawberry.ID
    rating: int = strawberry.field(description="1 to 5; 2 or less reopens it one level up.")
    comment: str | None = None


@strawberry.type
class IssueMutations:
    @strawberry.mutation(description="File an issue (反映诉求), with photos.")
    async def report_issue(self, info: Info, input: ReportIssueInput) -> IssuePayload:
        return await _payload(info, mutations.report(info.context, input))

    @strawberry.mutation(description="The handling level takes the issue on (受理).")
    async def accept_issue(self, info: Info, input: IssueNoteInput) -> IssuePayload:
        return await _payload(info, mutations.accept(info.context, input))

    @strawberry.mutation(description="Hand the issue to a named STAFF handler (派单).")
    async def assign_issue(self, info: Info, input: AssignIssueInput) -> IssuePayload:
        return await _payload(info, mutations.assign(info.context, input))

    @strawberry.mutation
    async def start_issue_work(self, info: Info, input: IssueNoteInput) -> IssuePayload:
        return await _payload(info, mutations.start_work(info.context, input))

    @strawberry.mutation(description="A progress note, with optional photos.")
    async def add_issue_update(self, info: Info, input: IssueEvidenceInput) -> IssuePayload:
        return await _payload(info, mutations.add_update(info.context, input))

    @strawberry.mutation(description="Mark resolved (办结): needs a note and at least one photo.")
    async def resolve_issue(self, info: Info, input: IssueEvidenceInput) -> IssuePayload:
        return await _payload(info, mutations.resolve(info.context, input))

    @strawberry.mutation(description="Move the issue up one handling level (逐级上报).")
    async def escalate_issue(self, info: Info, input: IssueNoteInput) -> IssuePayload:
        return await _payload(info, mutations.escalate(info.context, input))

    @strawberry.mutation(description="Decline the issue, with the reason in `note`.")
    async def reject_issue(self, info: Info, input: IssueNoteInput) -> IssuePayload:
        return await _payload(info, mutations.reject(info.context, input))

    @strawberry.mutation
    async def mark_issue_duplicate(
        self, info: Info, input: MarkIssueDuplicateInput
    ) -> IssuePayload:
        return await _payload(info, mutations.mark_duplicate(info.context, input))

    @strawberry.mutation(description="The reporter withdraws the issue.")
    async def cancel_issue(self, info: Info, input: IssueNoteInput) -> IssuePayload:
        return await _payload(info, mutations.cancel(info.context, input))

    @strawberry.mutation(description="The reporter rates the result (评价) and closes it.")
    async def rate_issue(self, info: Info, input: RateIssueInput) -> IssuePayload:
        return await _payload(info, mutations.rate(info.context, input))

    @strawberry.mutation(
        description="Reopen a resolved, closed or rejected issue (reason in `note`)."
    )
    async def reopen_issue(self, info: Info, input: IssueNoteInput) -> IssuePayload:
        return await _payload(info, mutations.reopen(info.context, input))


def _event_of(change: live.IssueChange) -> IssueEvent:
    """The root value a subscription's selection executes on, for each event."""
    return IssueEvent.from_model(change.event)


@strawberry.type
class IssueSubscriptions:
    @strawberry.subscription(
        description="Every event that creates an issue or changes its status or level, for "
        "issues in the region and below. `after` (an event's `cursor`) first replays, in "
        "order, what was missed since that event."
    )
    async def issue_status_changed(
        self, info: Info, region_id: strawberry.ID, after: str | None = None
    ) -> AsyncIterator[IssueEvent]:
        stream = await live.status_changes(info.context, region_id, after)
        return replace(stream, root=_event_of)  # type: ignore[return-value]

    @strawberry.subscription(description="Every timeline event of one issue.")
    async def issue_updated(
        self, info: Info, id: strawberry.ID, after: str | None = None
    ) -> AsyncIterator[IssueEvent]:
        stream = await live.issue_updates(info.context, id, after)
        return replace(stream, root=_event_of)  # type: ignore[return-value]
