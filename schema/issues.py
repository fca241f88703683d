"""Issue (ticket) types, queries and mutations."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Awaitable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.file_uploads import Upload
from strawberry.types import Info

from core import pagination
from core.ids import node_pk
from core.loaders import present
from core.pagination import EMPTY, encode_cursor, slice_page
from models import issues as m
from models.base import utcnow
from resolvers.issues import demands, filters, lifecycle, live, merging, mutations, policy, queries
from resolvers.issues.loaders import (
    ChildPageByIssueIdLoader,
    IssueByIdLoader,
    PhotosByEventIdLoader,
    PhotosByIssueIdLoader,
    TimelinePageByIssueIdLoader,
)
from resolvers.regions import RegionByIdLoader
from schema.accounts import Account, account_or_none
from schema.common import (
    AFTER,
    BEFORE,
    FIRST,
    LAST,
    Connection,
    Photo,
    UserError,
    graphql_enum,
    payload,
)
from schema.regions import Region, RegionLevel

# The models' enums, registered as GraphQL enums.
IssueStatus = m.IssueStatus
IssueCategory = m.IssueCategory
Channel = m.Channel
IssueEventKind = m.IssueEventKind
S, C, K = IssueStatus, IssueCategory, IssueEventKind
graphql_enum(
    IssueStatus,
    "Where an issue stands. Escalation changes its `level`, not its kind of status.",
    {
        S.SUBMITTED: "Waiting for the handling level to accept it (again, after an "
        "escalation, a low rating or a reopening).",
        S.ACCEPTED: "Accepted (受理) by the handling level, possibly assigned to a handler.",
        S.IN_PROGRESS: "Being worked on.",
        S.RESOLVED: "Resolved (办结) with a note and photo evidence; waiting for the "
        "reporter's rating.",
        S.CLOSED: "Rated by the reporter and closed.",
        S.REJECTED: "Declined by the handling level, with a reason.",
        S.DUPLICATE: "Closed as a duplicate of another issue (`duplicateOf`).",
        S.CANCELLED: "Withdrawn by the reporter.",
    },
)
graphql_enum(
    IssueCategory,
    "What an issue is about; it decides the deadlines (heating and water in hours).",
    {
        C.ROADS: "Roads, bridges and paths.",
        C.WATER: "Drinking water and water supply.",
        C.HEATING: "Heating in winter.",
        C.ENVIRONMENT: "Rubbish, sanitation, pollution.",
        C.DISPUTE: "A dispute between neighbours or families to mediate.",
        C.AGRICULTURE: "Farming: crops, livestock, irrigation.",
        C.LEGAL_AID: "Legal aid and legal advice.",
        C.CONSULTATION: "A question about a policy or a procedure.",
        C.HOME_SERVICE: "A visit at home (needs `serviceAddress` and `serviceWindow`).",
        C.OTHER: "Anything else.",
    },
)
graphql_enum(
    Channel,
    "How the report reached us.",
    {
        Channel.APP: "Filed in the app (or mini program) by the reporter.",
        Channel.QR_CODE: "Filed in the app after scanning a QR code posted in the region.",
        Channel.PHONE: "Taken over the phone by a grid head or official.",
        Channel.WALK_IN: "Taken in person by a grid head or official.",
    },
)
graphql_enum(
    IssueEventKind,
    "What one timeline entry records.",
    {
        K.REPORTED: "The issue was filed (`reportIssue`).",
        K.ACCEPTED: "The handling level accepted it (`acceptIssue`).",
        K.ASSIGNED: "It was assigned to a STAFF handler (`assignIssue`; see `assignee`).",
        K.STARTED: "Work started (`startIssueWork`).",
        K.UPDATED: "A progress note, perhaps with photos (`addIssueUpdate`).",
        K.RESOLVED: "It was resolved with evidence (`resolveIssue`); on a merged issue, by "
        "its parent's resolution (`parent` names it; the parent's note and photos).",
        K.ESCALATED: "It went up one level (`escalateIssue`, or the overdue sweep: no actor).",
        K.REJECTED: "It was declined (`rejectIssue`; the reason in `note`); on a merged "
        "issue, with its parent (`parent` names it).",
        K.MARKED_DUPLICATE: "It was closed as a duplicate (`markIssueDuplicate`).",
        K.CANCELLED: "The reporter withdrew it (`cancelIssue`).",
        K.RATED: "The reporter rated it (`rateIssue`; see `rating`); 2 or less reopens "
        "it one level up.",
        K.REOPENED: "It was reopened (`reopenIssue`): by a handler at the same level, by the "
        "reporter one level up (an appeal). A merged issue reopened leaves its parent.",
        K.MERGED: "It was merged (`mergeIssues`): on a merged issue, `parent` is the issue "
        "it was merged into; on the parent, `parent` is null and `children` lists them.",
        K.UNMERGED: "It was taken out of its parent (`unmergeIssue`; `parent` names it) "
        "and is worked on its own again, with a new deadline.",
    },
)


DeadlineOutcome = filters.DeadlineOutcome
graphql_enum(
    DeadlineOutcome,
    "How an issue met the deadline of its handling level (`IssueFilter.deadlineOutcomes`).",
    {
        DeadlineOutcome.ON_TIME: "Resolved (RESOLVED, or rated and CLOSED) by the deadline of "
        "the level that resolved it.",
        DeadlineOutcome.LATE: "Resolved (RESOLVED or CLOSED) after that deadline.",
        DeadlineOutcome.OVERDUE: "Still open, past its current level's deadline.",
    },
)


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
    UNMERGE = "unmerge"


graphql_enum(
    IssueAction,
    "What the viewer may do to an issue now: one value per mutation.",
    {
        IssueAction.ACCEPT: "`acceptIssue`",
        IssueAction.ASSIGN: "`assignIssue`",
        IssueAction.START_WORK: "`startIssueWork`",
        IssueAction.ADD_UPDATE: "`addIssueUpdate`",
        IssueAction.RESOLVE: "`resolveIssue`",
        IssueAction.ESCALATE: "`escalateIssue`",
        IssueAction.REJECT: "`rejectIssue`",
        IssueAction.MARK_DUPLICATE: "`markIssueDuplicate`",
        IssueAction.CANCEL: "`cancelIssue`",
        IssueAction.RATE: "`rateIssue`",
        IssueAction.REOPEN: "`reopenIssue`",
        IssueAction.UNMERGE: "`unmergeIssue`",
    },
)

ISSUE_ID = "The issue's ID."
NOTE = "A note for the timeline (at most 2,000 characters)."


# Mutations that run more than one transition of the table, depending on input or actor.
_TRANSITIONS_OF = {a: (a.value,) for a in IssueAction} | {
    IssueAction.RATE: ("rate", "rate_low"),
    IssueAction.REOPEN: ("reopen", "appeal"),
}


@strawberry.type(description="The time window a home-service visit is booked for.")
class TimeWindow:
    start: datetime = strawberry.field(description="From.")
    end: datetime = strawberry.field(description="Until.")


@strawberry.input(description="A time window; both ends with their offset.")
class TimeWindowInput:
    start: datetime = strawberry.field(description="From, e.g. `2026-12-01T09:00:00+08:00`.")
    end: datetime = strawberry.field(description="Until; after `start`, and not past.")


@strawberry.type(description="A point on the earth (WGS 84, as phones' GPS report it).")
class GeoPoint:
    latitude: float = strawberry.field(description="Degrees north (negative: south).")
    longitude: float = strawberry.field(description="Degrees east (negative: west).")


@strawberry.input(description="A point on the earth (WGS 84, as phones' GPS report it).")
class GeoPointInput:
    latitude: float = strawberry.field(description="Degrees north, -90 to 90.")
    longitude: float = strawberry.field(description="Degrees east, -180 to 180.")


async def _readable_issue(info: Info, issue_id: int) -> m.Issue | None:
    """The issue, or None when there is none or the viewer may not read it."""
    return await queries.readable_issue(info.context, info.context.viewer, issue_id)


@strawberry.type(description="One timeline entry of an issue; also what subscriptions deliver.")
class IssueEvent(relay.Node):
    id: relay.NodeID[int]
    kind: IssueEventKind = strawberry.field(description="What happened.")
    from_status: IssueStatus | None = strawberry.field(
        description="The status before; null for REPORTED."
    )
    to_status: IssueStatus = strawberry.field(description="The status after.")
    from_level: RegionLevel | None = strawberry.field(
        description="The handling level before; null for REPORTED."
    )
    level: RegionLevel = strawberry.field(description="The handling level after.")
    note: str | None = strawberry.field(
        description="What the actor wrote: a note, a reason or an update; null if nothing."
    )
    rating: int | None = strawberry.field(description="For RATED events: 1 to 5.")
    at: datetime = strawberry.field(description="When it happened.")
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
            for e in await info.context.reads.all(
                select(m.IssueEvent).where(m.IssueEvent.id.in_(ids))
            )
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

    @strawberry.field(description="The issue, as it is now.")
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

    @strawberry.field(description="Photos sent with this event (a report, update or resolution).")
    async def photos(self, info: Info) -> list[Photo]:
        photos = await PhotosByEventIdLoader(info).load((self.row.issue_id, self.id))
        return [Photo.from_model(p) for p in photos]

    @strawberry.field(
        description="MERGED on a merged issue: the issue it was merged into; RESOLVED and "
        "REJECTED passed on by that parent: the parent. Null otherwise, and when the viewer "
        "may not read the parent."
    )
    async def parent(self, info: Info) -> Issue | None:
        if self.row.parent_id is None:
            return None
        row = await _readable_issue(info, self.row.parent_id)
        return Issue.from_model(row) if row else None


@strawberry.type(description="A problem or request reported by a resident (诉求/工单).")
class Issue(relay.Node):
    id: relay.NodeID[int]
    number: str = strawberry.field(description="Human-readable number, e.g. 2026-000042.")
    title: str = strawberry.field(description="A short summary, e.g. 村道塌方.")
    description: str = strawberry.field(description="What the reporter wrote.")
    category: IssueCategory = strawberry.field(description="What it is about.")
    status: IssueStatus = strawberry.field(description="Where it stands.")
    level: RegionLevel = strawberry.field(description="The handling level, separate from status.")
    channel: Channel = strawberry.field(description="How the report reached us.")
    anonymous: bool = strawberry.field(
        description="The reporter asked not to be shown: `reporter` is null to all but the "
        "reporter, and photo metadata is removed."
    )
    created_at: datetime = strawberry.field(description="When it was reported.")
    accepted_at: datetime | None = strawberry.field(
        description="When the handling level accepted it; null while SUBMITTED."
    )
    resolved_at: datetime | None = strawberry.field(
        description="When it was resolved; null again once it goes back to SUBMITTED."
    )
    closed_at: datetime | None = strawberry.field(
        description="When the reporter's rating closed it; null again once reopened."
    )
    due_at: datetime | None = strawberry.field(
        description="Deadline of the current level: to accept when SUBMITTED, else to "
        "resolve; once RESOLVED or CLOSED, the deadline the resolution met or missed; null "
        "when rejected, a duplicate or cancelled."
    )
    rating: int | None = strawberry.field(description="The reporter's rating, 1 to 5.")
    rating_comment: str | None = strawberry.field(
        description="What the reporter wrote with the rating."
    )
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

    @strawberry.field(
        description="Where it is: a village or courtyard (a parent made by `mergeIssues`: "
        "the smallest region covering its children)."
    )
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

    @strawberry.field(
        description="Phone of a reporter without an account (proxy reports); shown to the "
        "parties and handlers only."
    )
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

    @strawberry.field(
        description="Where the report was made, if the reporter said (`reportIssue`'s "
        "`location`). An anonymous report's location is shown only to the reporter and to "
        "those who may work it; null to others."
    )
    def location(self, info: Info) -> GeoPoint | None:
        row = self.row
        if row.latitude is None or row.longitude is None:
            return None
        if not policy.can_see_location(info.context.viewer, row):
            return None
        return GeoPoint(latitude=row.latitude, longitude=row.longitude)

    @strawberry.field(
        description="Merged into another issue (`mergeIssues`): while open, it is worked "
        "through that parent, and the parent's resolution resolves it."
    )
    def merged(self) -> bool:
        return self.row.parent_id is not None

    @strawberry.field(
        description="The issue this one was merged into; null when not merged, and when the "
        "viewer may not read the parent."
    )
    async def parent(self, info: Info) -> Issue | None:
        if self.row.parent_id is None:
            return None
        row = await _readable_issue(info, self.row.parent_id)
        return Issue.from_model(row) if row else None

    @strawberry.field(
        description="The issues merged into this one, oldest first. Listed to those who "
        "oversee this issue's region (who may read every one of them); empty to others."
    )
    async def children(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[Issue]:
        span = pagination.span(first, after)
        if not policy.can_list_children(info.context.viewer, self.row):
            return Connection.of(EMPTY, Issue.from_model)
        page = await ChildPageByIssueIdLoader(info).load((self.id, span))
        IssueByIdLoader(info).prime_many({i.id: i for i in page.items})
        return Connection.of(page, Issue.from_model)

    @strawberry.field(description="Every photo of the issue: the report's and later evidence.")
    async def photos(self, info: Info) -> list[Photo]:
        return [Photo.from_model(p) for p in await PhotosByIssueIdLoader(info).load(self.id)]

    @strawberry.field(
        description="The timeline, oldest first: `first`/`after` page forward, `last`/`before` "
        "backward (`last: 3` is the three newest; then `before: pageInfo.startCursor`)."
    )
    async def timeline(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[IssueEvent]:
        span = pagination.span(first, after, last, before)
        page = await TimelinePageByIssueIdLoader(info).load((self.id, span))
        return Connection.of(page, IssueEvent.from_model)

    @strawberry.field(description="The mutations the viewer may perform on this issue now.")
    def allowed_actions(self, info: Info) -> list[IssueAction]:
        viewer = info.context.viewer
        return [
            a
            for a in IssueAction
            if any(lifecycle.can_apply(viewer, self.row, key) for key in _TRANSITIONS_OF[a])
        ]


@strawberry.input(description="Which issues to list; the conditions given must all hold.")
class IssueFilter:
    region_id: strawberry.ID | None = strawberry.field(
        default=None, description="That region and everything under it."
    )
    statuses: list[IssueStatus] | None = strawberry.field(
        default=None, description="In one of these statuses."
    )
    categories: list[IssueCategory] | None = strawberry.field(
        default=None, description="In one of these categories."
    )
    levels: list[RegionLevel] | None = strawberry.field(
        default=None, description="Handled at one of these levels."
    )
    overdue: bool | None = strawberry.field(
        default=None, description="Only overdue ones (true) or only the others (false)."
    )
    assigned_to_me: bool = strawberry.field(
        default=False, description="Only those assigned to the viewer."
    )
    reported_by_me: bool = strawberry.field(
        default=False, description="Only those the viewer reported (or filed for someone)."
    )
    search: str | None = strawberry.field(default=None, description="Words in the title.")
    reported_from: datetime | None = strawberry.field(
        default=None, description="Reported at or after this instant (with its offset)."
    )
    reported_to: datetime | None = strawberry.field(
        default=None, description="Reported before this instant (with its offset)."
    )
    ever_accepted: bool | None = strawberry.field(
        default=None,
        description="Accepted at least once, at any level, by the timeline (true), or never "
        "(false); a reopened issue keeps its past acceptance.",
    )
    ever_resolved: bool | None = strawberry.field(
        default=None,
        description="Resolved at least once by the timeline (true), or never (false); a "
        "reopened issue keeps its past resolution.",
    )
    latest_ratings: list[int] | None = strawberry.field(
        default=None,
        description="The reporter's latest rating (kept in the timeline when a low rating "
        "reopened the issue) is one of these (1 to 5): `[1, 2, 3, 4, 5]` is every rated "
        "issue, `[4, 5]` the satisfied ones.",
    )
    escalated_to: list[RegionLevel] | None = strawberry.field(
        default=None,
        description="Escalated at least once (by an official or the overdue sweep) to one "
        "of these levels.",
    )
    deadline_outcomes: list[DeadlineOutcome] | None = strawberry.field(
        default=None, description="How the issue met its deadline: one of these."
    )


# Each field of IssueFilter, once more as output (tests/test_dashboards.py checks the names).
@strawberry.type(
    description="An `IssueFilter`, as the server built it (a dashboard figure's `filter`): "
    "its fields are the input's, so it can be passed back as `issues(filter: ...)` and "
    "`issueCounts(filter: ...)` to list or count exactly what the figure counts."
)
class IssueFilterValue:
    region_id: strawberry.ID | None = strawberry.field(
        description="That region and everything under it."
    )
    statuses: list[IssueStatus] | None = strawberry.field(description="In one of these statuses.")
    categories: list[IssueCategory] | None = strawberry.field(
        description="In one of these categories."
    )
    levels: list[RegionLevel] | None = strawberry.field(
        description="Handled at one of these levels."
    )
    overdue: bool | None = strawberry.field(
        description="Only overdue ones (true) or only the others (false)."
    )
    assigned_to_me: bool = strawberry.field(description="Only those assigned to the viewer.")
    reported_by_me: bool = strawberry.field(
        description="Only those the viewer reported (or filed for someone)."
    )
    search: str | None = strawberry.field(description="Words in the title.")
    reported_from: datetime | None = strawberry.field(
        description="Reported at or after this instant."
    )
    reported_to: datetime | None = strawberry.field(description="Reported before this instant.")
    ever_accepted: bool | None = strawberry.field(
        description="Accepted at least once (true), or never (false)."
    )
    ever_resolved: bool | None = strawberry.field(
        description="Resolved at least once (true), or never (false)."
    )
    latest_ratings: list[int] | None = strawberry.field(
        description="The reporter's latest rating is one of these."
    )
    escalated_to: list[RegionLevel] | None = strawberry.field(
        description="Escalated at least once to one of these levels."
    )
    deadline_outcomes: list[DeadlineOutcome] | None = strawberry.field(
        description="How the issue met its deadline: one of these."
    )

    @classmethod
    def of(cls, value: filters.FilterValue) -> IssueFilterValue:
        def listed(items):
            return None if items is None else list(items)

        return cls(
            region_id=None if value.region_id is None else strawberry.ID(value.region_id),
            statuses=listed(value.statuses),
            categories=listed(value.categories),
            levels=listed(value.levels),
            overdue=value.overdue,
            assigned_to_me=value.assigned_to_me,
            reported_by_me=value.reported_by_me,
            search=value.search,
            reported_from=value.reported_from,
            reported_to=value.reported_to,
            ever_accepted=value.ever_accepted,
            ever_resolved=value.ever_resolved,
            latest_ratings=listed(value.latest_ratings),
            escalated_to=listed(value.escalated_to),
            deadline_outcomes=listed(value.deadline_outcomes),
        )


IssueCountKey = queries.CountKey
graphql_enum(
    IssueCountKey,
    "What `issueCounts` groups by.",
    {
        IssueCountKey.STATUS: "The issue's status.",
        IssueCountKey.CATEGORY: "The issue's category.",
        IssueCountKey.LEVEL: "The handling level.",
        IssueCountKey.REGION: "The child of the filter's `regionId` the issue is in (needs "
        "`regionId`); issues of that region itself, in none of its children, have `region` "
        "null.",
    },
    name="IssueCountKey",
)


@strawberry.type(description="How many issues one group holds (`issueCounts`).")
class IssueCount:
    count: int = strawberry.field(description="How many issues.")
    status: IssueStatus | None = strawberry.field(
        description="The group's status; null unless grouped by STATUS."
    )
    category: IssueCategory | None = strawberry.field(
        description="The group's category; null unless grouped by CATEGORY."
    )
    level: RegionLevel | None = strawberry.field(
        description="The group's handling level; null unless grouped by LEVEL."
    )
    region_id: strawberry.Private[int | None]

    @strawberry.field(
        description="The child region of `filter.regionId` (grouped by REGION); null for "
        "the region itself, and when not grouped by REGION."
    )
    async def region(self, info: Info) -> Region | None:
        if self.region_id is None:
            return None
        return Region.from_model(present(await RegionByIdLoader(info).load(self.region_id)))


@strawberry.type(
    description="A group of open issues that look like one underlying problem (共性诉求): "
    "one category, the same township (or located within COMMON_DEMAND_DISTANCE_M), similar "
    "wording. Merge it with `mergeIssues`."
)
class CommonDemand:
    category: IssueCategory = strawberry.field(description="The category of all its issues.")
    size: int = strawberry.field(description="How many issues it holds.")
    suggested_title: str = strawberry.field(
        description="A title for the group: that of the issue worded most like the others."
    )
    keywords: list[str] = strawberry.field(
        description="Words (Chinese: two-character pieces) that at least half of its issues "
        "share, the most shared first; at most 5."
    )
    first_reported_at: datetime = strawberry.field(description="When its first was reported.")
    last_reported_at: datetime = strawberry.field(description="When its last was reported.")
    distance_span_meters: float | None = strawberry.field(
        description="How far apart its two located issues farthest apart are (locations the "
        "viewer may see); null with fewer than two."
    )
    row: strawberry.Private[demands.Demand]

    @classmethod
    def from_demand(cls, d: demands.Demand) -> CommonDemand:
        return cls(
            category=d.category,
            size=len(d.issues),
            suggested_title=d.title,
            keywords=d.keywords,
            first_reported_at=d.first_at,
            last_reported_at=d.last_at,
            distance_span_meters=d.distance_m,
            row=d,
        )

    @strawberry.field(description="Its issues, oldest first.")
    def issues(
        self,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[Issue]:
        ordered = sorted(self.row.issues, key=lambda i: i.id)
        return Connection.of(slice_page(ordered, "id", first, after), Issue.from_model)

    @strawberry.field(description="The villages and courtyards its issues are in.")
    async def regions(self, info: Info) -> list[Region]:
        return await _regions(info, self.row.region_ids)

    @strawberry.field(description="The villages its issues are in (spread).")
    async def villages(self, info: Info) -> list[Region]:
        return await _regions(info, self.row.village_ids)

    @strawberry.field(description="The townships its issues are in (spread).")
    async def townships(self, info: Info) -> list[Region]:
        return await _regions(info, self.row.township_ids)


async def _regions(info: Info, ids: list[int]) -> list[Region]:
    rows = await RegionByIdLoader(info).load_many(ids)
    return [Region.from_model(present(r)) for r in rows]


@strawberry.type(description="A page of common demands, largest first.")
class CommonDemandConnection(Connection[CommonDemand]):  # type: ignore[type-var]  # no Node
    considered: int = strawberry.field(default=0, description="How many open issues were compared.")
    truncated: bool = strawberry.field(
        default=False,
        description="More open issues than COMMON_DEMAND_MAX_ISSUES matched: only the newest "
        "were compared, so older ones may be missing from the groups.",
    )
    since: datetime | None = strawberry.field(
        default=None, description="Issues reported since then were compared."
    )


@strawberry.type
class IssueQueries:
    @strawberry.field(description="One issue by ID; null when there is none or it is not visible.")
    async def issue(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description=ISSUE_ID)]
    ) -> Issue | None:
        row = await queries.issue(info.context, id)
        return Issue.from_model(row) if row else None

    @strawberry.field(description="Issues the viewer may see, newest first.")
    async def issues(
        self,
        info: Info,
        filter: Annotated[
            IssueFilter | None, strawberry.argument(description="Which issues; all by default.")
        ] = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[Issue]:
        page = await queries.issues(info.context, filter, first, after)
        return Connection.of(page, Issue.from_model)

    @strawberry.field(
        description="Groups of open issues in the region and below that look like one "
        "underlying problem (same category; same township or located close; similar "
        "wording), largest first, each of at least COMMON_DEMAND_MIN_SIZE issues. For the "
        "region's officials; only issues the viewer may read, merged ones left out. "
        "Computed per request over at most COMMON_DEMAND_MAX_ISSUES open issues "
        "(`truncated` says when more matched)."
    )
    async def common_demands(
        self,
        info: Info,
        region_id: Annotated[
            strawberry.ID, strawberry.argument(description="The region, and everything under it.")
        ],
        since: Annotated[
            datetime | None,
            strawberry.argument(
                description="Only issues reported since then; COMMON_DEMAND_DAYS ago by default."
            ),
        ] = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> CommonDemandConnection:
        found = await demands.common_demands(info.context, region_id, since, first, after)
        connection = cast(
            CommonDemandConnection,
            CommonDemandConnection.of(found.page, CommonDemand.from_demand),
        )
        connection.considered = found.considered
        connection.truncated = found.truncated
        connection.since = found.since
        return connection

    @strawberry.field(
        description="How many issues `issues(filter)` would list, per group: by status, "
        "category, handling level and child region, in any combination (one database "
        "statement). Without `groupBy`, one group: the total. Groups with no issues are left "
        "out."
    )
    async def issue_counts(
        self,
        info: Info,
        group_by: Annotated[
            list[IssueCountKey],
            strawberry.argument(description="The keys to group by; none for the total."),
        ],
        filter: Annotated[
            IssueFilter | None, strawberry.argument(description="Which issues; all by default.")
        ] = None,
    ) -> list[IssueCount]:
        counts = await queries.issue_counts(info.context, filter, group_by)
        return [
            IssueCount(
                count=c.count,
                status=c.status,
                category=c.category,
                level=c.level,
                region_id=c.region_id,
            )
            for c in counts
        ]


# --- mutations ---------------------------------------------------------------------------


@strawberry.type(description="What an issue mutation did: the issue and its new timeline event.")
class IssuePayload:
    issue: Issue | None = strawberry.field(
        description="The issue after the change; null when `errors` is not empty."
    )
    event: IssueEvent | None = strawberry.field(
        description="The timeline event the change wrote; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success."
    )


async def _payload(info: Info, work: Awaitable[mutations.Result]) -> IssuePayload:
    async def issue_and_event() -> dict:
        issue, event = await work
        return {"issue": Issue.from_model(issue), "event": IssueEvent.from_model(event)}

    return await payload(info, IssuePayload, issue_and_event())


@strawberry.input(description="Input of `reportIssue`.")
class ReportIssueInput:
    region_id: strawberry.ID = strawberry.field(description="A village or courtyard.")
    category: IssueCategory = strawberry.field(description="What it is about.")
    title: str = strawberry.field(description="A short summary (at most 100 characters).")
    description: str = strawberry.field(description="What and where (at most 5,000 characters).")
    photos: list[Upload] | None = strawberry.field(
        default=None, description="Photos, as multipart uploads (JPEG, PNG or WebP)."
    )
    anonymous: bool = strawberry.field(
        default=False,
        description="Hide the reporter from everyone but the reporter; photo metadata is removed.",
    )
    client_request_id: str | None = strawberry.field(
        default=None, description="Retrying with the same id returns the first result."
    )
    channel: Channel | None = strawberry.field(
        default=None,
        description="How it reached us; APP by default. PHONE and WALK_IN are proxy reports.",
    )
    on_behalf_of: strawberry.ID | None = strawberry.field(
        default=None, description="Proxy report: the account of the person reported for."
    )
    contact_name: str | None = strawberry.field(
        default=None, description="Proxy report for someone without an account."
    )
    contact_phone: str | None = strawberry.field(
        default=None, description="Proxy report: the phone of the person reported for."
    )
    service_window: TimeWindowInput | None = strawberry.field(
        default=None, description="HOME_SERVICE (required): when to visit."
    )
    service_address: str | None = strawberry.field(
        default=None, description="HOME_SERVICE (required): where to visit."
    )
    location: GeoPointInput | None = strawberry.field(
        default=None,
        description="Where the problem is (the phone's GPS), if the reporter agrees; helps "
        "`commonDemands` find neighbouring reports. An anonymous report's location is shown "
        "only to the reporter and those who may work it.",
    )


@strawberry.input(description="Input of `acceptIssue`.")
class AcceptIssueInput:
    id: strawberry.ID = strawberry.field(description=ISSUE_ID)
    note: str | None = strawberry.field(default=None, description=NOTE)


@strawberry.input(description="Input of `startIssueWork`.")
class StartIssueWorkInput:
    id: strawberry.ID = strawberry.field(description=ISSUE_ID)
    note: str | None = strawberry.field(default=None, description=NOTE)


@strawberry.input(description="Input of `addIssueUpdate`.")
class AddIssueUpdateInput:
    id: strawberry.ID = strawberry.field(description=ISSUE_ID)
    note: str | None = strawberry.field(
        default=None, description="The update (required; at most 2,000 characters)."
    )
    photos: list[Upload] | None = strawberry.field(
        default=None, description="Photos, as multipart uploads (JPEG, PNG or WebP)."
    )


@strawberry.input(description="Input of `resolveIssue`.")
class ResolveIssueInput:
    id: strawberry.ID = strawberry.field(description=ISSUE_ID)
    note: str | None = strawberry.field(
        default=None, description="What was done (required; at most 2,000 characters)."
    )
    photos: list[Upload] | None = strawberry.field(
        default=None, description="Evidence: at least one photo, as multipart uploads."
    )


@strawberry.input(description="Input of `escalateIssue`.")
class EscalateIssueInput:
    id: strawberry.ID = strawberry.field(description=ISSUE_ID)
    note: str | None = strawberry.field(default=None, description=NOTE)


@strawberry.input(description="Input of `rejectIssue`.")
class RejectIssueInput:
    id: strawberry.ID = strawberry.field(description=ISSUE_ID)
    note: str | None = strawberry.field(
        default=None, description="The reason (required; at most 2,000 characters)."
    )


@strawberry.input(description="Input of `cancelIssue`.")
class CancelIssueInput:
    id: strawberry.ID = strawberry.field(description=ISSUE_ID)
    note: str | None = strawberry.field(default=None, description=NOTE)


@strawberry.input(description="Input of `unmergeIssue`.")
class UnmergeIssueInput:
    id: strawberry.ID = strawberry.field(description="The merged issue (a child).")
    note: str | None = strawberry.field(default=None, description=NOTE)


@strawberry.input(description="Input of `reopenIssue`.")
class ReopenIssueInput:
    id: strawberry.ID = strawberry.field(description=ISSUE_ID)
    note: str | None = strawberry.field(
        default=None, description="The reason (required; at most 2,000 characters)."
    )


@strawberry.input(description="Input of `assignIssue`.")
class AssignIssueInput:
    id: strawberry.ID = strawberry.field(description=ISSUE_ID)
    assignee_id: strawberry.ID = strawberry.field(
        description="The STAFF account to hand it to; their grant must cover the region."
    )
    note: str | None = strawberry.field(default=None, description=NOTE)


@strawberry.input(description="Input of `markIssueDuplicate`.")
class MarkIssueDuplicateInput:
    id: strawberry.ID = strawberry.field(description=ISSUE_ID)
    duplicate_of_id: strawberry.ID = strawberry.field(
        description="The issue it duplicates (if that one is itself a duplicate, its "
        "original is used)."
    )
    note: str | None = strawberry.field(default=None, description=NOTE)


@strawberry.input(description="Input of `rateIssue`.")
class RateIssueInput:
    id: strawberry.ID = strawberry.field(description=ISSUE_ID)
    rating: int = strawberry.field(description="1 to 5; 2 or less reopens it one level up.")
    comment: str | None = strawberry.field(
        default=None, description="What the reporter thinks (at most 500 characters)."
    )


@strawberry.input(
    description="Input of `mergeIssues`: the group, and either `parentId` (one of them) or "
    "a new parent's `title` and `description`."
)
class MergeIssuesInput:
    issue_ids: list[strawberry.ID] = strawberry.field(
        description="The open issues to merge (at least 2, at most MAX_MERGE_ISSUES; one "
        "category), the chosen parent included."
    )
    parent_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="One of `issueIds` to be the parent; its region must cover the others'. "
        "Null: a new parent is created from `title` and `description`.",
    )
    title: str | None = strawberry.field(
        default=None, description="A new parent's title (at most 100 characters)."
    )
    description: str | None = strawberry.field(
        default=None, description="A new parent's description (at most 5,000 characters)."
    )
    note: str | None = strawberry.field(
        default=None, description="For every MERGED event (at most 2,000 characters)."
    )


def _input(description: str) -> Any:
    return strawberry.argument(description=description)


@strawberry.type
class IssueMutations:
    @strawberry.mutation(description="File an issue (反映诉求), with photos.")
    async def report_issue(
        self, info: Info, input: Annotated[ReportIssueInput, _input("The report.")]
    ) -> IssuePayload:
        return await _payload(info, mutations.report(info.context, input))

    @strawberry.mutation(description="The handling level takes the issue on (受理).")
    async def accept_issue(
        self, info: Info, input: Annotated[AcceptIssueInput, _input("Which issue.")]
    ) -> IssuePayload:
        return await _payload(info, mutations.accept(info.context, input))

    @strawberry.mutation(description="Hand the issue to a named STAFF handler (派单).")
    async def assign_issue(
        self, info: Info, input: Annotated[AssignIssueInput, _input("Which issue, to whom.")]
    ) -> IssuePayload:
        return await _payload(info, mutations.assign(info.context, input))

    @strawberry.mutation(description="The handler or assignee starts working on the issue.")
    async def start_issue_work(
        self, info: Info, input: Annotated[StartIssueWorkInput, _input("Which issue.")]
    ) -> IssuePayload:
        return await _payload(info, mutations.start_work(info.context, input))

    @strawberry.mutation(description="A progress note, with optional photos.")
    async def add_issue_update(
        self, info: Info, input: Annotated[AddIssueUpdateInput, _input("Which issue, what news.")]
    ) -> IssuePayload:
        return await _payload(info, mutations.add_update(info.context, input))

    @strawberry.mutation(description="Mark resolved (办结): needs a note and at least one photo.")
    async def resolve_issue(
        self, info: Info, input: Annotated[ResolveIssueInput, _input("Which issue, the evidence.")]
    ) -> IssuePayload:
        return await _payload(info, mutations.resolve(info.context, input))

    @strawberry.mutation(description="Move the issue up one handling level (逐级上报).")
    async def escalate_issue(
        self, info: Info, input: Annotated[EscalateIssueInput, _input("Which issue.")]
    ) -> IssuePayload:
        return await _payload(info, mutations.escalate(info.context, input))

    @strawberry.mutation(description="Decline the issue, with the reason in `note`.")
    async def reject_issue(
        self, info: Info, input: Annotated[RejectIssueInput, _input("Which issue, and why.")]
    ) -> IssuePayload:
        return await _payload(info, mutations.reject(info.context, input))

    @strawberry.mutation(description="Close the issue as a duplicate of another one.")
    async def mark_issue_duplicate(
        self,
        info: Info,
        input: Annotated[MarkIssueDuplicateInput, _input("Which issue, duplicating which.")],
    ) -> IssuePayload:
        return await _payload(info, mutations.mark_duplicate(info.context, input))

    @strawberry.mutation(description="The reporter withdraws the issue.")
    async def cancel_issue(
        self, info: Info, input: Annotated[CancelIssueInput, _input("Which issue.")]
    ) -> IssuePayload:
        return await _payload(info, mutations.cancel(info.context, input))

    @strawberry.mutation(description="The reporter rates the result (评价) and closes it.")
    async def rate_issue(
        self, info: Info, input: Annotated[RateIssueInput, _input("Which issue, the rating.")]
    ) -> IssuePayload:
        return await _payload(info, mutations.rate(info.context, input))

    @strawberry.mutation(
        description="Merge a group of open issues (e.g. one of `commonDemands`) into one "
        "parent (合并办理): an official who may handle every one of them. Each merged issue "
        "gets a MERGED event and is worked through the parent; resolving or rejecting the "
        "parent resolves or rejects every open one, each with its own event. `issue` is the "
        "parent, `event` its MERGED event."
    )
    async def merge_issues(
        self, info: Info, input: Annotated[MergeIssuesInput, _input("The group and its parent.")]
    ) -> IssuePayload:
        return await _payload(info, merging.merge(info.context, input))

    @strawberry.mutation(
        description="Take a merged issue out of its parent: it is worked on its own again, "
        "with its level's full deadline from now (an UNMERGED event). By whoever may handle it."
    )
    async def unmerge_issue(
        self, info: Info, input: Annotated[UnmergeIssueInput, _input("Which merged issue.")]
    ) -> IssuePayload:
        return await _payload(info, mutations.unmerge(info.context, input))

    @strawberry.mutation(
        description="Reopen a resolved, closed or rejected issue (reason in `note`)."
    )
    async def reopen_issue(
        self, info: Info, input: Annotated[ReopenIssueInput, _input("Which issue, and why.")]
    ) -> IssuePayload:
        return await _payload(info, mutations.reopen(info.context, input))


def _event_of(change: live.IssueChange) -> IssueEvent:
    """The root value a subscription's selection executes on, for each event."""
    return IssueEvent.from_model(change.event)


RESUME = strawberry.argument(
    description="The `cursor` of the last event seen: what came after it is replayed first, "
    "in order. Null: from now on."
)


@strawberry.type
class IssueSubscriptions:
    @strawberry.subscription(
        description="Every event that creates an issue or changes its status or level, for "
        "issues in the region and below. `after` (an event's `cursor`) first replays, in "
        "order, what was missed since that event."
    )
    async def issue_status_changed(
        self,
        info: Info,
        region_id: Annotated[
            strawberry.ID, strawberry.argument(description="The region watched, and below.")
        ],
        after: Annotated[str | None, RESUME] = None,
    ) -> AsyncIterator[IssueEvent]:
        stream = await live.status_changes(info.context, region_id, after)
        return replace(stream, root=_event_of)  # type: ignore[return-value]

    @strawberry.subscription(description="Every timeline event of one issue.")
    async def issue_updated(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=ISSUE_ID)],
        after: Annotated[str | None, RESUME] = None,
    ) -> AsyncIterator[IssueEvent]:
        stream = await live.issue_updates(info.context, id, after)
        return replace(stream, root=_event_of)  # type: ignore[return-value]
