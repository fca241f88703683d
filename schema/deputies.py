"""Deputy (人大代表) types, queries and mutations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.file_uploads import Upload
from strawberry.types import Info

from core.ids import node_pk, to_global_id
from core.loaders import present
from core.pagination import encode_cursor
from core.permissions import readable
from models import deputies as m
from resolvers.deputies import codes, live, mutations, policy, queries
from resolvers.deputies.loaders import (
    DeputyByIdLoader,
    DeputyMessageByIdLoader,
    DutyRecordByIdLoader,
    InboxCountsByDeputyIdLoader,
    LinksByRecordIdLoader,
    MessageEventsByMessageIdLoader,
    PhotosByRecordIdLoader,
    ProfilePhotoByDeputyIdLoader,
)
from resolvers.issues import policy as issue_policy
from resolvers.issues.queries import readable_issue
from resolvers.regions import RegionByIdLoader
from schema.accounts import Account, account_or_none
from schema.common import AFTER, FIRST, Connection, UserError, graphql_enum, payload
from schema.issues import Issue, IssueCategory, Photo
from schema.regions import Region

CongressLevel = m.CongressLevel
graphql_enum(
    CongressLevel,
    "Which people's congress (人民代表大会) a deputy sits in.",
    {
        CongressLevel.COUNTY: "The county's people's congress (县人大).",
        CongressLevel.TOWNSHIP: "A township's people's congress (乡镇人大).",
    },
)


MessageStatus = m.MessageStatus
graphql_enum(
    MessageStatus,
    "Where a message in a deputy's box stands.",
    {
        MessageStatus.NEW: "Not opened yet.",
        MessageStatus.READ: "Opened by the deputy (`markDeputyMessageRead`).",
        MessageStatus.REPLIED: "The deputy replied (`replyToDeputyMessage`); the sender sees it.",
        MessageStatus.TURNED_INTO_ISSUE: "The deputy filed an issue from it "
        "(`turnDeputyMessageIntoIssue`; see `issue`).",
        MessageStatus.CLOSED: "Closed by the deputy (`closeDeputyMessage`).",
    },
)
MessageEventKind = m.MessageEventKind
graphql_enum(
    MessageEventKind,
    "What one entry of a message's history records.",
    {
        MessageEventKind.RECEIVED: "The message was left (`leaveDeputyMessage`).",
        MessageEventKind.READ: "The deputy opened it.",
        MessageEventKind.REPLIED: "The deputy replied (the reply in `note`).",
        MessageEventKind.TURNED_INTO_ISSUE: "The deputy filed an issue from it.",
        MessageEventKind.CLOSED: "The deputy closed it.",
        MessageEventKind.FOLLOWED_UP: "The sender answered the follow-up (`answerDeputyFollowUp`).",
    },
)

RecordKind = m.RecordKind
graphql_enum(
    RecordKind,
    "What kind of duty a record is (履职类型).",
    {
        RecordKind.CONSTITUENT_VISIT: "Visiting constituents (走访选民).",
        RecordKind.RECEPTION_DAY: "A reception day for constituents (代表接待日).",
        RecordKind.INSPECTION: "An inspection or supervision (视察、监督).",
        RecordKind.SUGGESTION: "A suggestion to the government (建议).",
        RecordKind.PROPOSAL: "A proposal (议案), with its `outcome`.",
        RecordKind.MEETING: "A congress session or meeting (会议).",
        RecordKind.TRAINING: "A training (培训).",
        RecordKind.OTHER: "Any other duty.",
    },
)
ProposalOutcome = m.ProposalOutcome
graphql_enum(
    ProposalOutcome,
    "What became of a proposal.",
    {
        ProposalOutcome.PENDING: "Not decided yet.",
        ProposalOutcome.ADOPTED: "Adopted (see `outcomeDocuments`).",
        ProposalOutcome.PARTLY_ADOPTED: "Partly adopted.",
        ProposalOutcome.NOT_ADOPTED: "Not adopted.",
    },
)

DEPUTY_ID = "The deputy's ID."


def _photo(row: m.DeputyPhoto) -> Photo:
    return Photo(
        content_type=row.content_type,
        width=row.width,
        height=row.height,
        size=row.size,
        key=row.storage_key,
    )


MESSAGE_ID = "The message's ID."


@strawberry.type(
    description="A deputy's QR code (代表二维码): it encodes `link`, the deputy's message box. "
    "Post it anywhere: whoever scans it may leave the deputy a message. `rotateDeputyCode` "
    "replaces it, and the old one stops working."
)
class DeputyCode:
    token: str = strawberry.field(
        description="The unguessable token in the link (what `leaveDeputyMessage` takes)."
    )
    link: str = strawberry.field(
        description="What the code encodes: `{PUBLIC_BASE_URL}/d/{token}` (without "
        "PUBLIC_BASE_URL, on the scheme and host the request came to)."
    )
    svg_url: str = strawberry.field(
        description="The code as an SVG image (public: no sign-in needed to load it)."
    )
    png_url: str = strawberry.field(description="The code as a PNG image (public).")
    issued_at: datetime = strawberry.field(description="When this code replaced the last one.")

    @classmethod
    def of(cls, info: Info, row: m.Deputy) -> DeputyCode:
        ctx = info.context
        text = codes.link(codes.base_url(ctx.settings, ctx.request), row.code_token)
        return cls(
            token=row.code_token,
            link=text,
            svg_url=f"{text}/qr.svg",
            png_url=f"{text}/qr.png",
            issued_at=row.code_issued_at,
        )


@strawberry.type(
    description="A people's congress deputy (人大代表): the public profile of one seat."
)
class Deputy(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The deputy's name, e.g. 曹新生.")
    congress_level: CongressLevel = strawberry.field(description="The congress they sit in.")
    term_start: date = strawberry.field(description="The first day of the term.")
    term_end: date = strawberry.field(description="The last day of the term.")
    row: strawberry.Private[m.Deputy]

    @classmethod
    def from_model(cls, row: m.Deputy) -> Deputy:
        return cls(
            id=row.id,
            name=row.name,
            congress_level=row.congress_level,
            term_start=row.term_start,
            term_end=row.term_end,
            row=row,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        rows = [await queries.readable_deputy(info.context, node_pk(i)) for i in node_ids]
        return [cls.from_model(row) if row else None for row in rows]

    @strawberry.field(description="The profile photo (public, like the profile); null if none.")
    async def photo(self, info: Info) -> Photo | None:
        row = await ProfilePhotoByDeputyIdLoader(info).load(self.row.id)
        return _photo(row) if row else None

    @strawberry.field(description="The constituency (选区): the region they were elected in.")
    async def constituency(self, info: Info) -> Region:
        return Region.from_model(present(await RegionByIdLoader(info).load(self.row.region_id)))

    @strawberry.field(
        description="The deputy's account (its `phone` follows the account rules: shown to "
        "its owner and to officials whose jurisdiction covers it)."
    )
    async def account(self, info: Info) -> Account | None:
        return await account_or_none(info, self.row.account_id)

    @strawberry.field(
        description="The deputy's QR code: for the deputy and for the officials of their "
        "congress level who print it; null to everyone else."
    )
    def code(self, info: Info) -> DeputyCode | None:
        if not policy.can_see_code(info.context.viewer, self.row):
            return None
        return DeputyCode.of(info, self.row)

    @strawberry.field(
        description="The deputy's inbox, newest first: for the deputy alone (null with a "
        "FORBIDDEN error to anyone else)."
    )
    async def inbox(
        self,
        info: Info,
        statuses: Annotated[
            list[MessageStatus] | None,
            strawberry.argument(description="Only messages in one of these statuses."),
        ] = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[DeputyMessage] | None:
        page = await queries.inbox(info.context, self.row, statuses, first, after)
        return Connection.of(page, DeputyMessage.from_model)

    @strawberry.field(
        description="How many messages the inbox holds per status (statuses with none left "
        "out), counted in SQL; null to anyone but the deputy."
    )
    async def inbox_counts(self, info: Info) -> list[DeputyInboxCount] | None:
        if not policy.can_read_inbox(info.context.viewer, self.row):
            return None
        counts = await InboxCountsByDeputyIdLoader(info).load(self.row.id)
        return [
            DeputyInboxCount(status=status, count=counts[status])
            for status in MessageStatus
            if status in counts
        ]

    @strawberry.field(
        description="The deputy's duty records, newest first: for the deputy and the officials "
        "whose jurisdiction covers the constituency (null with FORBIDDEN to others)."
    )
    async def records(
        self,
        info: Info,
        kinds: Annotated[
            list[RecordKind] | None, strawberry.argument(description="Only these kinds.")
        ] = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[DutyRecord] | None:
        page = await queries.records(info.context, self.row, kinds, first, after)
        return Connection.of(page, DutyRecord.from_model)

    @strawberry.field(
        description="The performance file over a period (days at UTC+8, both included): for "
        "the deputy and the officials whose jurisdiction covers the constituency (null with "
        "FORBIDDEN to others). `from` after `to` is VALIDATION at `from`."
    )
    async def performance_file(
        self,
        info: Info,
        start: Annotated[
            date, strawberry.argument(name="from", description="The period's first day.")
        ],
        end: Annotated[date, strawberry.argument(name="to", description="The period's last day.")],
    ) -> DeputyPerformanceFile | None:
        ctx = info.context
        file = await queries.performance(ctx, self.row, start, end)
        lang = ctx.lang
        base = codes.base_url(ctx.settings, ctx.request)
        query = urlencode({"from": start.isoformat(), "to": end.isoformat()})
        path = f"{base}/deputies/{quote(to_global_id('Deputy', self.row.id), safe='')}/performance"
        return DeputyPerformanceFile(
            start=start,
            end=end,
            days_in_office=file.days_in_office,
            figures=[
                PerformanceFigure(
                    key=f.key,
                    label=f.label(lang),
                    value=f.value,
                    per_thirty_days_in_office=f.per_30_days,
                    verified=f.verified,
                    message_ids=[
                        strawberry.ID(to_global_id("DeputyMessage", m.id)) for m in f.messages
                    ],
                    figure=f,
                )
                for f in file.figures
            ],
            pdf_url=f"{path}.pdf?{query}",
            csv_url=f"{path}.csv?{query}",
        )

    @strawberry.field(description="Whether the viewer is this deputy.")
    def is_viewer(self, info: Info) -> bool:
        return policy.is_the_deputy(info.context.viewer, self.row)


@strawberry.type(
    description="One entry of a message's history; also what `deputyInboxUpdated` delivers."
)
class DeputyMessageEvent(relay.Node):
    id: relay.NodeID[int]
    kind: MessageEventKind = strawberry.field(description="What happened.")
    note: str | None = strawberry.field(description="For REPLIED: the deputy's reply.")
    at: datetime = strawberry.field(description="When it happened.")
    row: strawberry.Private[m.DeputyMessageEvent]

    @classmethod
    def from_model(cls, row: m.DeputyMessageEvent) -> DeputyMessageEvent:
        return cls(id=row.id, kind=row.kind, note=row.note, at=row.at, row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        ids = [node_pk(i) for i in node_ids]
        rows = {
            e.id: e
            for e in await info.context.reads.all(
                select(m.DeputyMessageEvent).where(m.DeputyMessageEvent.id.in_(ids))
            )
        }
        messages = await DeputyMessageByIdLoader(info).load_many(
            [rows[i].message_id if i in rows else 0 for i in ids]
        )
        viewer = info.context.viewer
        return [
            cls.from_model(rows[i])
            if i in rows and queries.readable_message(viewer, message, None)
            else None  # an entry of a message the viewer may not read: as if missing
            for i, message in zip(ids, messages, strict=True)
        ]

    @strawberry.field(description="Pass as `after` to `deputyInboxUpdated` to resume after it.")
    def cursor(self) -> str:
        return encode_cursor(self.id)

    @strawberry.field(description="The message, as it is now.")
    async def message(self, info: Info) -> DeputyMessage:
        row = await DeputyMessageByIdLoader(info).load(self.row.message_id)
        return DeputyMessage.from_model(present(row))


@strawberry.type(description="A deputy's reply to a message.")
class DeputyReply:
    body: str = strawberry.field(description="What the deputy wrote.")
    at: datetime = strawberry.field(description="When.")


@strawberry.type(
    description="A message left in a deputy's box through their QR code (代表留言). Read by "
    "the deputy, and by its sender: signed in, or with the receipt `leaveDeputyMessage` gave."
)
class DeputyMessage(relay.Node):
    id: relay.NodeID[int]
    body: str = strawberry.field(description="What the sender wrote.")
    status: MessageStatus = strawberry.field(description="Where it stands in the inbox.")
    sender_name: str | None = strawberry.field(description="The name the sender gave, if any.")
    sender_phone: str | None = strawberry.field(description="The phone the sender gave, if any.")
    created_at: datetime = strawberry.field(description="When it was left.")
    first_replied_at: datetime | None = strawberry.field(
        description="When the deputy first replied; null before."
    )
    answered: bool | None = strawberry.field(
        description="The sender's follow-up answer: did the deputy answer? Null until asked."
    )
    resolved: bool | None = strawberry.field(
        description="The sender's follow-up answer: was it resolved? Null until asked."
    )
    followed_up_at: datetime | None = strawberry.field(
        description="When the sender answered the follow-up."
    )
    row: strawberry.Private[m.DeputyMessage]

    @classmethod
    def from_model(cls, row: m.DeputyMessage) -> DeputyMessage:
        return cls(
            id=row.id,
            body=row.body,
            status=row.status,
            sender_name=row.sender_name,
            sender_phone=row.sender_phone,
            created_at=row.created_at,
            first_replied_at=row.first_replied_at,
            answered=row.answered,
            resolved=row.resolved,
            followed_up_at=row.followed_up_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        rows = await DeputyMessageByIdLoader(info).load_many([node_pk(i) for i in node_ids])
        visible = [queries.readable_message(info.context.viewer, row, None) for row in rows]
        return [cls.from_model(row) if row else None for row in visible]

    @strawberry.field(description="The deputy it was left for.")
    async def deputy(self, info: Info) -> Deputy:
        return Deputy.from_model(present(await DeputyByIdLoader(info).load(self.row.deputy_id)))

    @strawberry.field(description="The sender's account, when they were signed in.")
    async def sender(self, info: Info) -> Account | None:
        return await account_or_none(info, self.row.sender_id)

    @strawberry.field(description="The deputy's replies, oldest first.")
    async def replies(self, info: Info) -> list[DeputyReply]:
        history = await MessageEventsByMessageIdLoader(info).load(self.row.id)
        return [
            DeputyReply(body=e.note or "", at=e.at)
            for e in history
            if e.kind is MessageEventKind.REPLIED
        ]

    @strawberry.field(description="Everything that happened to it, oldest first.")
    async def history(self, info: Info) -> list[DeputyMessageEvent]:
        history = await MessageEventsByMessageIdLoader(info).load(self.row.id)
        return [DeputyMessageEvent.from_model(e) for e in history]

    @strawberry.field(
        description="The issue the deputy filed from it; null if none, or if the viewer may "
        "not read it."
    )
    async def issue(self, info: Info) -> Issue | None:
        if self.row.issue_id is None:
            return None
        row = await readable_issue(info.context, info.context.viewer, self.row.issue_id)
        return Issue.from_model(row) if row else None

    @strawberry.field(
        description="Whether the sender should now be asked whether the deputy answered and "
        "whether it was resolved (`answerDeputyFollowUp`): after the first reply or the issue, "
        "once."
    )
    def follow_up_due(self) -> bool:
        return mutations.follow_up_due(self.row)


@strawberry.type(description="How many messages of a deputy's inbox are in one status.")
class DeputyInboxCount:
    status: MessageStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="How many messages.")


@strawberry.type(description="One duty a deputy performed (履职记录).")
class DutyRecord(relay.Node):
    id: relay.NodeID[int]
    kind: RecordKind = strawberry.field(description="What kind of duty.")
    day: date = strawberry.field(description="When (a day within the term, not in the future).")
    description: str = strawberry.field(description="What was done.")
    outcome: ProposalOutcome | None = strawberry.field(
        description="For proposals: what became of it; null for other kinds."
    )
    outcome_documents: str | None = strawberry.field(
        description="For adopted proposals: as which government documents (e.g. 榆政发〔2026〕3号)."
    )
    created_at: datetime = strawberry.field(description="When it was recorded.")
    verified_at: datetime | None = strawberry.field(
        description="When an official of the deputy's congress level verified it; null if not."
    )
    row: strawberry.Private[m.DutyRecord]

    @classmethod
    def from_model(cls, row: m.DutyRecord) -> DutyRecord:
        return cls(
            id=row.id,
            kind=row.kind,
            day=row.day,
            description=row.description,
            outcome=row.outcome,
            outcome_documents=row.outcome_documents,
            created_at=row.created_at,
            verified_at=row.verified_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        rows = await DutyRecordByIdLoader(info).load_many([node_pk(i) for i in node_ids])
        viewer = info.context.viewer
        visible = [readable(viewer, row, policy.can_read_record) for row in rows]
        return [cls.from_model(row) if row else None for row in visible]

    @strawberry.field(description="Whether an official verified it (the file shows which are).")
    def verified(self) -> bool:
        return self.row.verified_at is not None

    @strawberry.field(description="The official who verified it.")
    async def verified_by(self, info: Info) -> Account | None:
        return await account_or_none(info, self.row.verified_by_id)

    @strawberry.field(description="Photos of the duty (they keep where and when taken).")
    async def photos(self, info: Info) -> list[Photo]:
        return [_photo(p) for p in await PhotosByRecordIdLoader(info).load(self.row.id)]

    @strawberry.field(description="The deputy whose record it is.")
    async def deputy(self, info: Info) -> Deputy:
        return Deputy.from_model(present(await DeputyByIdLoader(info).load(self.row.deputy_id)))

    @strawberry.field(description="The issues it is about (those the viewer may read).")
    async def issues(self, info: Info) -> list[Issue]:
        links = await LinksByRecordIdLoader(info).load(self.row.id)
        ids = [link.issue_id for link in links if link.issue_id is not None]
        rows = [await readable_issue(info.context, info.context.viewer, i) for i in ids]
        return [Issue.from_model(row) for row in rows if row]

    @strawberry.field(description="The messages it is about (those the viewer may read).")
    async def messages(self, info: Info) -> list[DeputyMessage]:
        links = await LinksByRecordIdLoader(info).load(self.row.id)
        ids = [link.message_id for link in links if link.message_id is not None]
        rows = await DeputyMessageByIdLoader(info).load_many(ids)
        viewer = info.context.viewer
        visible = [queries.readable_message(viewer, row, None) for row in rows]
        return [DeputyMessage.from_model(row) for row in visible if row]


@strawberry.type(
    description="One figure of a performance file, with exactly the rows it counts: every "
    "figure can be traced to the records, messages and issues behind it."
)
class PerformanceFigure:
    key: str = strawberry.field(
        description="Stable name, e.g. `records.RECEPTION_DAY`, `messages.answered`, "
        "`messages.medianHoursToAnswer`, `issues.resolved`, `proposals.ADOPTED`."
    )
    label: str = strawberry.field(description="For people, in the request's language.")
    value: float | None = strawberry.field(
        description="The figure; null for a median or mean of nothing."
    )
    per_thirty_days_in_office: float | None = strawberry.field(
        description="Counts only: the value per 30 days in office within the period."
    )
    verified: int | None = strawberry.field(
        description="Record figures: how many of its records an official verified."
    )
    message_ids: list[strawberry.ID] = strawberry.field(
        description="The messages it counts, by ID (also where the viewer may not read them)."
    )
    figure: strawberry.Private[Any]

    @strawberry.field(description="The records it counts.")
    def records(self) -> list[DutyRecord]:
        return [DutyRecord.from_model(r) for r in self.figure.records]

    @strawberry.field(description="The messages it counts that the viewer may read.")
    def messages(self, info: Info) -> list[DeputyMessage]:
        viewer = info.context.viewer
        return [
            DeputyMessage.from_model(row)
            for row in self.figure.messages
            if queries.readable_message(viewer, row, None)
        ]

    @strawberry.field(description="The issues it counts that the viewer may read.")
    def issues(self, info: Info) -> list[Issue]:
        viewer = info.context.viewer
        return [
            Issue.from_model(row)
            for row in self.figure.issues
            if readable(viewer, row, issue_policy.can_read_issue)
        ]


@strawberry.type(
    description="A deputy's electronic performance file (电子履职档案) over a period: counts "
    "per record kind, messages received and answered and the median time to answer, issues "
    "linked and resolved with their satisfaction, proposals and outcomes; each with the rows "
    "behind it, normalised by days in office. No rankings against other deputies."
)
class DeputyPerformanceFile:
    start: date = strawberry.field(name="from", description="The period's first day.")
    end: date = strawberry.field(name="to", description="The period's last day.")
    days_in_office: int = strawberry.field(
        description="Days of the period within the term, up to today."
    )
    figures: list[PerformanceFigure] = strawberry.field(description="The figures.")
    pdf_url: str = strawberry.field(
        description="The same file as PDF: GET it with the `Authorization` header."
    )
    csv_url: str = strawberry.field(description="The same file as CSV (UTF-8), likewise.")


@strawberry.input(description="Which deputies to list; the conditions given must all hold.")
class DeputyFilter:
    region_id: strawberry.ID | None = strawberry.field(
        default=None, description="Elected in that region or anywhere under it."
    )
    representing: strawberry.ID | None = strawberry.field(
        default=None,
        description="Whose constituency contains this region: a resident's own deputies "
        "(the courtyard's, the village's, the township's, the county's).",
    )
    congress_levels: list[CongressLevel] | None = strawberry.field(
        default=None, description="Sitting in one of these congresses."
    )


@strawberry.type
class DeputyQueries:
    @strawberry.field(description="One deputy by ID; null when there is none. Profiles are public.")
    async def deputy(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description=DEPUTY_ID)]
    ) -> Deputy | None:
        row = await queries.deputy(info.context, id)
        return Deputy.from_model(row) if row else None

    @strawberry.field(description="Deputies, in the order they were registered. Public.")
    async def deputies(
        self,
        info: Info,
        filter: Annotated[
            DeputyFilter | None, strawberry.argument(description="Which deputies; all by default.")
        ] = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[Deputy]:
        page = await queries.deputies(info.context, filter, first, after)
        return Connection.of(page, Deputy.from_model)

    @strawberry.field(
        description="The deputy a scanned QR code belongs to (no sign-in needed): what a "
        "citizen's phone shows before leaving a message. An unknown token is a `NOT_FOUND` "
        "error at `token`; a replaced one too, worded to say the code was replaced."
    )
    async def deputy_by_code(
        self,
        info: Info,
        token: Annotated[str, strawberry.argument(description="The token from the code's link.")],
    ) -> Deputy:
        return Deputy.from_model(await queries.deputy_by_code(info.context, token))

    @strawberry.field(
        description="One message: for the deputy, its signed-in sender, or whoever gives its "
        "`receipt`; null otherwise, as if there were none."
    )
    async def deputy_message(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description=MESSAGE_ID)],
        receipt: Annotated[
            str | None,
            strawberry.argument(description="The receipt `leaveDeputyMessage` gave."),
        ] = None,
    ) -> DeputyMessage | None:
        row = await queries.message(info.context, id, receipt)
        return DeputyMessage.from_model(row) if row else None

    @strawberry.field(description="The messages the viewer left in deputies' boxes, newest first.")
    async def sent_deputy_messages(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[DeputyMessage]:
        page = await queries.sent_messages(info.context, first, after)
        return Connection.of(page, DeputyMessage.from_model)


# --- mutations ---------------------------------------------------------------------------


@strawberry.type(description="What a deputy mutation did.")
class DeputyPayload:
    deputy: Deputy | None = strawberry.field(
        description="The deputy after the change; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success."
    )


async def _payload(info: Info, work: Awaitable[m.Deputy]) -> DeputyPayload:
    async def deputy() -> dict:
        row = await work
        DeputyByIdLoader(info).prime(row.id, row)
        return {"deputy": Deputy.from_model(row)}

    return await payload(info, DeputyPayload, deputy())


@strawberry.input(description="Input of `registerDeputy`.")
class RegisterDeputyInput:
    account_id: strawberry.ID = strawberry.field(description="The deputy's account.")
    name: str = strawberry.field(description="The name on the profile (at most 50 characters).")
    congress_level: CongressLevel = strawberry.field(description="The congress they sit in.")
    constituency_id: strawberry.ID = strawberry.field(
        description="The region they were elected in: at the congress's level or below it."
    )
    term_start: date = strawberry.field(description="The first day of the term.")
    term_end: date = strawberry.field(description="The last day of the term; after the first.")


@strawberry.input(description="Input of `updateDeputyProfile`.")
class UpdateDeputyProfileInput:
    id: strawberry.ID = strawberry.field(description=DEPUTY_ID)
    name: str | None = strawberry.field(
        default=None, description="A new name for the profile (at most 50 characters)."
    )
    photo: Upload | None = strawberry.field(
        default=None,
        description="A new profile photo, as a multipart upload (JPEG, PNG or WebP); it "
        "replaces the old one and keeps no location.",
    )


@strawberry.input(description="Input of `rotateDeputyCode`.")
class RotateDeputyCodeInput:
    id: strawberry.ID = strawberry.field(description=DEPUTY_ID)


@strawberry.type(description="What `leaveDeputyMessage` did.")
class LeaveDeputyMessagePayload:
    message: DeputyMessage | None = strawberry.field(
        description="The message; null when `errors` is not empty."
    )
    receipt: str | None = strawberry.field(
        description="Shown once: keep it to read the replies and answer the follow-up "
        "without an account (`deputyMessage(id, receipt)`)."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was left; empty on success."
    )


@strawberry.type(description="What a message mutation did.")
class DeputyMessagePayload:
    message: DeputyMessage | None = strawberry.field(
        description="The message after the change; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success."
    )


async def _message_payload(info: Info, work: Awaitable[m.DeputyMessage]) -> DeputyMessagePayload:
    async def message() -> dict:
        row = await work
        DeputyMessageByIdLoader(info).prime(row.id, row)
        return {"message": DeputyMessage.from_model(row)}

    return await payload(info, DeputyMessagePayload, message())


@strawberry.input(description="Input of `leaveDeputyMessage`.")
class LeaveDeputyMessageInput:
    token: str = strawberry.field(description="The token of the deputy's QR code.")
    body: str = strawberry.field(
        description="The message (at most DEPUTY_MESSAGE_MAX_CHARS, 2,000 by default)."
    )
    name: str | None = strawberry.field(default=None, description="The sender's name, optional.")
    phone: str | None = strawberry.field(
        default=None, description="The sender's phone, optional: for the deputy to call back."
    )


@strawberry.input(description="Input of `markDeputyMessageRead`.")
class MarkDeputyMessageReadInput:
    id: strawberry.ID = strawberry.field(description=MESSAGE_ID)


@strawberry.input(description="Input of `replyToDeputyMessage`.")
class ReplyToDeputyMessageInput:
    id: strawberry.ID = strawberry.field(description=MESSAGE_ID)
    body: str = strawberry.field(description="The reply; the sender sees it.")


@strawberry.input(description="Input of `closeDeputyMessage`.")
class CloseDeputyMessageInput:
    id: strawberry.ID = strawberry.field(description=MESSAGE_ID)


@strawberry.input(description="Input of `turnDeputyMessageIntoIssue`.")
class TurnDeputyMessageIntoIssueInput:
    id: strawberry.ID = strawberry.field(description=MESSAGE_ID)
    region_id: strawberry.ID = strawberry.field(
        description="A village or courtyard of the deputy's constituency."
    )
    category: IssueCategory = strawberry.field(description="What it is about.")
    title: str = strawberry.field(description="A short summary (at most 100 characters).")
    description: str | None = strawberry.field(
        default=None, description="What and where; the message's text by default."
    )


@strawberry.input(description="Input of `answerDeputyFollowUp`.")
class AnswerDeputyFollowUpInput:
    id: strawberry.ID = strawberry.field(description=MESSAGE_ID)
    receipt: str | None = strawberry.field(
        default=None, description="For a sender without an account: the message's receipt."
    )
    answered: bool = strawberry.field(description="Did the deputy answer?")
    resolved: bool = strawberry.field(description="Was it resolved?")


@strawberry.type(description="What a duty-record mutation did.")
class DutyRecordPayload:
    record: DutyRecord | None = strawberry.field(
        description="The record after the change; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success."
    )


async def _record_payload(info: Info, work: Awaitable[m.DutyRecord]) -> DutyRecordPayload:
    async def record() -> dict:
        row = await work
        DutyRecordByIdLoader(info).prime(row.id, row)
        return {"record": DutyRecord.from_model(row)}

    return await payload(info, DutyRecordPayload, record())


@strawberry.input(description="Input of `addDeputyRecord`.")
class AddDeputyRecordInput:
    deputy_id: strawberry.ID = strawberry.field(description="The deputy (the viewer's seat).")
    kind: RecordKind = strawberry.field(description="What kind of duty.")
    day: date = strawberry.field(description="When: within the term, not after today (UTC+8).")
    description: str = strawberry.field(description="What was done (at most 5,000 characters).")
    issue_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Issues it is about (ones the deputy may read; at most 50)."
    )
    message_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Messages of the deputy's box it is about (at most 50)."
    )
    photos: list[Upload] | None = strawberry.field(
        default=None, description="Photos of the duty, as multipart uploads (JPEG, PNG, WebP)."
    )
    outcome: ProposalOutcome | None = strawberry.field(
        default=None, description="Proposals only: what became of it (PENDING by default)."
    )
    outcome_documents: str | None = strawberry.field(
        default=None, description="Proposals only: as which government documents."
    )


@strawberry.input(description="Input of `setDeputyProposalOutcome`.")
class SetDeputyProposalOutcomeInput:
    id: strawberry.ID = strawberry.field(description="The proposal's record ID.")
    outcome: ProposalOutcome = strawberry.field(description="What became of it.")
    outcome_documents: str | None = strawberry.field(
        default=None, description="As which government documents (at most 500 characters)."
    )


@strawberry.input(description="Input of `verifyDeputyRecord`.")
class VerifyDeputyRecordInput:
    id: strawberry.ID = strawberry.field(description="The record's ID.")


def _input(description: str) -> Any:
    return strawberry.argument(description=description)


@strawberry.type
class DeputyMutations:
    @strawberry.mutation(
        description="Record a deputy's seat (officials of that congress's level or above, "
        "whose jurisdiction covers the constituency); the account gets the DEPUTY role there "
        "and the deputy a QR code."
    )
    async def register_deputy(
        self, info: Info, input: Annotated[RegisterDeputyInput, _input("The seat.")]
    ) -> DeputyPayload:
        return await _payload(info, mutations.register(info.context, input))

    @strawberry.mutation(
        description="Change a deputy's name or photo (the deputy, or an official who "
        "registers deputies of that congress)."
    )
    async def update_deputy_profile(
        self, info: Info, input: Annotated[UpdateDeputyProfileInput, _input("What changes.")]
    ) -> DeputyPayload:
        return await _payload(info, mutations.update_profile(info.context, input))

    @strawberry.mutation(
        description="Replace the deputy's QR code (the deputy): the old code, its link and "
        "its images stop working, and scans of it are told it was replaced."
    )
    async def rotate_deputy_code(
        self, info: Info, input: Annotated[RotateDeputyCodeInput, _input("Which deputy.")]
    ) -> DeputyPayload:
        return await _payload(info, mutations.rotate_code(info.context, input))

    @strawberry.mutation(
        description="Leave a message in a deputy's box (扫码留言): anyone with the code's token, "
        "signed in or not; at most DEPUTY_MESSAGES_PER_HOUR per source. Returns a receipt."
    )
    async def leave_deputy_message(
        self, info: Info, input: Annotated[LeaveDeputyMessageInput, _input("The message.")]
    ) -> LeaveDeputyMessagePayload:
        async def left() -> dict:
            row, receipt = await mutations.leave_message(info.context, input)
            DeputyMessageByIdLoader(info).prime(row.id, row)
            return {"message": DeputyMessage.from_model(row), "receipt": receipt}

        return await payload(info, LeaveDeputyMessagePayload, left())

    @strawberry.mutation(description="The deputy opens a new message.")
    async def mark_deputy_message_read(
        self, info: Info, input: Annotated[MarkDeputyMessageReadInput, _input("Which message.")]
    ) -> DeputyMessagePayload:
        return await _message_payload(info, mutations.mark_read(info.context, input))

    @strawberry.mutation(description="The deputy replies; the sender sees the reply.")
    async def reply_to_deputy_message(
        self, info: Info, input: Annotated[ReplyToDeputyMessageInput, _input("The reply.")]
    ) -> DeputyMessagePayload:
        return await _message_payload(info, mutations.reply(info.context, input))

    @strawberry.mutation(
        description="The deputy files an issue from the message, in their constituency; it "
        "follows the normal lifecycle, linked to the message (and so to the deputy)."
    )
    async def turn_deputy_message_into_issue(
        self,
        info: Info,
        input: Annotated[TurnDeputyMessageIntoIssueInput, _input("The message, the issue.")],
    ) -> DeputyMessagePayload:
        return await _message_payload(info, mutations.turn_into_issue(info.context, input))

    @strawberry.mutation(description="The deputy closes the message.")
    async def close_deputy_message(
        self, info: Info, input: Annotated[CloseDeputyMessageInput, _input("Which message.")]
    ) -> DeputyMessagePayload:
        return await _message_payload(info, mutations.close(info.context, input))

    @strawberry.mutation(
        description="The sender answers the follow-up, once: did the deputy answer, was it "
        "resolved (signed in as the sender, or with the receipt)."
    )
    async def answer_deputy_follow_up(
        self, info: Info, input: Annotated[AnswerDeputyFollowUpInput, _input("The answers.")]
    ) -> DeputyMessagePayload:
        return await _message_payload(info, mutations.answer_follow_up(info.context, input))

    @strawberry.mutation(
        description="The deputy records a duty performed (a reception day, a proposal, ...)."
    )
    async def add_deputy_record(
        self, info: Info, input: Annotated[AddDeputyRecordInput, _input("The record.")]
    ) -> DutyRecordPayload:
        return await _record_payload(info, mutations.add_record(info.context, input))

    @strawberry.mutation(
        description="The deputy records what became of a proposal; a verified one whose "
        "outcome changes is unverified again (a verification vouches for what it saw)."
    )
    async def set_deputy_proposal_outcome(
        self,
        info: Info,
        input: Annotated[SetDeputyProposalOutcomeInput, _input("The proposal, its outcome.")],
    ) -> DutyRecordPayload:
        return await _record_payload(info, mutations.set_proposal_outcome(info.context, input))

    @strawberry.mutation(
        description="An official of the deputy's congress level (or above) whose jurisdiction "
        "covers the constituency verifies a record (核实), once; never the deputy."
    )
    async def verify_deputy_record(
        self, info: Info, input: Annotated[VerifyDeputyRecordInput, _input("Which record.")]
    ) -> DutyRecordPayload:
        return await _record_payload(info, mutations.verify_record(info.context, input))


def _event_of(change: live.MessageChange) -> DeputyMessageEvent:
    """The root value the subscription's selection executes on, for each entry."""
    return DeputyMessageEvent.from_model(change.event)


@strawberry.type
class DeputySubscriptions:
    @strawberry.subscription(
        description="A deputy's open app sees their inbox change: every entry of the history "
        "of their messages, a new message (RECEIVED) first. The deputy alone. `after` (an "
        "entry's `cursor`) first replays, in order, what was missed since then."
    )
    async def deputy_inbox_updated(
        self,
        info: Info,
        deputy_id: Annotated[strawberry.ID, strawberry.argument(description=DEPUTY_ID)],
        after: Annotated[
            str | None,
            strawberry.argument(
                description="The `cursor` of the last entry seen: what came after it is "
                "replayed first, in order. Null: from now on."
            ),
        ] = None,
    ) -> AsyncIterator[DeputyMessageEvent]:
        stream = await live.inbox_updates(info.context, deputy_id, after)
        return replace(stream, root=_event_of)  # type: ignore[return-value]
