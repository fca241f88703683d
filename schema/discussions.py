"""Discussion (议事) types, queries, mutations and the live `discussionUpdated`; decision
meetings (议事会) are discussions of kind MEETING with a `meeting` sub-object."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.ids import node_pk
from core.loaders import present
from core.pagination import encode_cursor, slice_page
from models import discussions as m
from models.base import utcnow
from resolvers.discussions import live, meetings, mutations, policy, queries
from resolvers.discussions.loaders import (
    AgendaByDiscussionIdLoader,
    AttendanceByDiscussionIdLoader,
    BallotByAccountLoader,
    CommentsByDiscussionIdLoader,
    MeetingByDiscussionIdLoader,
    MinutesByDiscussionIdLoader,
    MotionsByDiscussionIdLoader,
    MotionTallyByDiscussionIdLoader,
    MotionVotesByAccountLoader,
    OptionsByDiscussionIdLoader,
    TallyByDiscussionIdLoader,
)
from resolvers.regions import RegionByIdLoader
from resolvers.villages.queries import followed
from schema.accounts import Account, account_or_none
from schema.common import AFTER, FIRST, Connection, UserError, graphql_enum, payload
from schema.regions import Region

DiscussionKind = m.DiscussionKind
Voters = m.Voters
DiscussionEventKind = m.DiscussionEventKind
MotionChoice = m.MotionChoice
MotionResult = m.MotionResult
graphql_enum(
    DiscussionKind,
    "What a discussion (议事) is.",
    {
        DiscussionKind.TOPIC: "An open discussion: whoever lives in the village, and its "
        "officials, start one; members and followers comment.",
        DiscussionKind.POLL: "A poll (投票) the village's officials run: options, one or "
        "several choices, a closing time, who votes, results live or after the close.",
        DiscussionKind.MEETING: "A decision meeting (议事会) the village's officials convene "
        "and run: time, place or online link, agenda, attendance, quorum, motions voted by "
        "the attendees, minutes, and the decision recorded at the close.",
    },
)
graphql_enum(
    Voters,
    "Who votes in a poll; who is expected at (and may attend) a meeting.",
    {
        Voters.RESIDENTS: "Whoever holds a role in the village (its residents, grid heads "
        "and officials there); not digital villagers who only follow it.",
        Voters.MEMBERS: "Whoever may read the village's feed, digital villagers included.",
    },
)
graphql_enum(
    DiscussionEventKind,
    "What changed in a discussion (`discussionUpdated`).",
    {
        DiscussionEventKind.OPENED: "It was started.",
        DiscussionEventKind.COMMENTED: "Someone commented.",
        DiscussionEventKind.VOTED: "Someone cast or changed a ballot: the tallies moved.",
        DiscussionEventKind.CLOSED: "It was closed, with its outcome (a meeting: its decision).",
        DiscussionEventKind.ATTENDED: "MEETING: someone checked in or was recorded present.",
        DiscussionEventKind.MOTION_OPENED: "MEETING: a motion was put to the vote (`motion`).",
        DiscussionEventKind.MOTION_VOTED: "MEETING: an attendee voted on a motion: its "
        "tally moved.",
        DiscussionEventKind.MOTION_CLOSED: "MEETING: a motion was closed with its result.",
        DiscussionEventKind.MINUTES_EDITED: "MEETING: the minutes were written or edited.",
    },
)
graphql_enum(
    MotionChoice,
    "An attendee's ballot on a motion.",
    {
        MotionChoice.FOR: "In favour.",
        MotionChoice.AGAINST: "Against.",
        MotionChoice.ABSTAIN: "Abstains (counted as a ballot cast).",
    },
)
graphql_enum(
    MotionResult,
    "What a closed motion's vote decided.",
    {
        MotionResult.PASSED: "More than half of the ballots cast were FOR.",
        MotionResult.FAILED: "Half or fewer of the ballots cast were FOR (or none was cast).",
    },
)


@strawberry.type(description="One option of a poll, with its votes when results are shown.")
class PollOption(relay.Node):
    id: relay.NodeID[int]
    label: str = strawberry.field(description="What it says.")
    votes: int | None = strawberry.field(
        description="Ballots choosing it; null while the results are kept until the close."
    )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        return [None for _ in node_ids]  # reached through their poll only


@strawberry.type(description="A village discussion (议事): an open topic or a poll.")
class Discussion(relay.Node):
    id: relay.NodeID[int]
    kind: DiscussionKind = strawberry.field(description="What it is.")
    title: str = strawberry.field(description="Its title.")
    body: str = strawberry.field(description="What it is about.")
    created_at: datetime = strawberry.field(description="When it was started.")
    voters: Voters | None = strawberry.field(
        description="POLL: who votes; MEETING: who is expected (and may attend)."
    )
    multiple_choice: bool = strawberry.field(description="POLL: several choices allowed.")
    closes_at: datetime | None = strawberry.field(description="POLL: voting ends then.")
    results_live: bool = strawberry.field(
        description="POLL: tallies shown while voting (else only after the close)."
    )
    closed_at: datetime | None = strawberry.field(description="When it was closed, if it was.")
    outcome: str | None = strawberry.field(description="The outcome recorded at the close.")
    row: strawberry.Private[m.Discussion]

    @classmethod
    def from_model(cls, row: m.Discussion) -> Discussion:
        return cls(
            id=row.id,
            kind=row.kind,
            title=row.title,
            body=row.body,
            created_at=row.created_at,
            voters=row.voters,
            multiple_choice=row.multiple_choice,
            closes_at=row.closes_at,
            results_live=row.results_live,
            closed_at=row.closed_at,
            outcome=row.outcome,
            row=row,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        info.context.require_viewer()
        rows = [await queries.readable_discussion(info.context, node_pk(i)) for i in node_ids]
        return [cls.from_model(row) if row else None for row in rows]

    @strawberry.field(description="Open: taking comments (and, for a poll, ballots).")
    def open(self) -> bool:
        return policy.is_open(self.row, utcnow())

    @strawberry.field(description="The village it belongs to.")
    async def village(self, info: Info) -> Region:
        return Region.from_model(present(await RegionByIdLoader(info).load(self.row.village_id)))

    @strawberry.field(description="Who started it.")
    async def author(self, info: Info) -> Account | None:
        return await account_or_none(info, self.row.author_id)

    @strawberry.field(description="POLL: its options, in order, with votes when shown.")
    async def options(self, info: Info) -> list[PollOption]:
        shown = policy.shows_results(self.row, utcnow())
        tally = await TallyByDiscussionIdLoader(info).load(self.id) if shown else {}
        return [
            PollOption(id=o.id, label=o.label, votes=tally.get(o.id, 0) if shown else None)
            for o in await OptionsByDiscussionIdLoader(info).load(self.id)
        ]

    @strawberry.field(description="POLL: how many accounts voted; null while results wait.")
    async def ballot_count(self, info: Info) -> int | None:
        if not policy.shows_results(self.row, utcnow()):
            return None
        return (await TallyByDiscussionIdLoader(info).load(self.id)).get(0, 0)

    @strawberry.field(description="POLL: the options the viewer chose (empty if none).")
    async def viewer_choices(self, info: Info) -> list[relay.GlobalID]:
        viewer = info.context.viewer
        if not viewer.signed_in:
            return []
        chosen = await BallotByAccountLoader(info).load((viewer.id, self.id))
        return [relay.GlobalID("PollOption", str(pk)) for pk in chosen]

    @strawberry.field(description="POLL: whether the viewer may vote now.")
    async def viewer_may_vote(self, info: Info) -> bool:
        viewer, row = info.context.viewer, self.row
        if row.kind is not DiscussionKind.POLL or not policy.is_open(row, utcnow()):
            return False
        return policy.can_vote(viewer, row, await followed(info.context))

    @strawberry.field(description="MEETING: its terms, attendance, motions and minutes.")
    async def meeting(self, info: Info) -> Meeting | None:
        if self.row.kind is not DiscussionKind.MEETING:
            return None
        terms = await MeetingByDiscussionIdLoader(info).load(self.id)
        return Meeting.of(self.row, terms) if terms else None

    @strawberry.field(description="Its comments, oldest first.")
    async def comments(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[DiscussionCommentNode]:
        rows = await CommentsByDiscussionIdLoader(info).load(self.id)
        return Connection.of(slice_page(rows, "id", first, after), DiscussionCommentNode.of)


@strawberry.type(description="A comment on a discussion, as a list item.")
class DiscussionCommentNode(relay.Node):
    id: relay.NodeID[int]
    body: str = strawberry.field(description="What was said.")
    created_at: datetime = strawberry.field(description="When.")
    author_id: strawberry.Private[int]

    @classmethod
    def of(cls, row: m.DiscussionComment) -> DiscussionCommentNode:
        return cls(id=row.id, body=row.body, created_at=row.created_at, author_id=row.author_id)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        return [None for _ in node_ids]  # reached through their discussion only

    @strawberry.field(description="Who said it.")
    async def author(self, info: Info) -> Account | None:
        return await account_or_none(info, self.author_id)


@strawberry.type(description="A meeting's attendee: checked in, or recorded present.")
class MeetingAttendance(relay.Node):
    id: relay.NodeID[int]
    at: datetime = strawberry.field(description="When they were checked in.")
    row: strawberry.Private[m.Attendance]

    @classmethod
    def of(cls, row: m.Attendance) -> MeetingAttendance:
        return cls(id=row.id, at=row.at, row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        return [None for _ in node_ids]  # reached through their meeting only

    @strawberry.field(description="Who attends.")
    async def attendee(self, info: Info) -> Account | None:
        return await account_or_none(info, self.row.account_id)

    @strawberry.field(description="Who recorded it: the attendee (checked in) or an official.")
    async def recorded_by(self, info: Info) -> Account | None:
        return await account_or_none(info, self.row.recorded_by_id)

    @strawberry.field(description="Checked in by the attendee themselves.")
    def self_checked_in(self) -> bool:
        return self.row.recorded_by_id == self.row.account_id


@strawberry.type(description="A motion put to a meeting's attendees' vote, with its tally.")
class Motion(relay.Node):
    id: relay.NodeID[int]
    title: str = strawberry.field(description="What is proposed.")
    body: str = strawberry.field(description="Its details.")
    opened_at: datetime = strawberry.field(description="When it was put to the vote.")
    closed_at: datetime | None = strawberry.field(description="When the vote was closed.")
    result: MotionResult | None = strawberry.field(
        description="The result recorded at the close; null while open."
    )
    row: strawberry.Private[m.Motion]

    @classmethod
    def of(cls, row: m.Motion) -> Motion:
        return cls(
            id=row.id,
            title=row.title,
            body=row.body,
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            result=row.result,
            row=row,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        return [None for _ in node_ids]  # reached through their meeting only

    async def _tally(self, info: Info) -> dict[m.MotionChoice, int]:
        tallies = await MotionTallyByDiscussionIdLoader(info).load(self.row.discussion_id)
        return tallies.get(self.id, {})

    @strawberry.field(description="Open: taking ballots.")
    def open(self) -> bool:
        return self.row.closed_at is None

    @strawberry.field(description="Ballots FOR (live while open).")
    async def votes_for(self, info: Info) -> int:
        return (await self._tally(info)).get(MotionChoice.FOR, 0)

    @strawberry.field(description="Ballots AGAINST (live while open).")
    async def votes_against(self, info: Info) -> int:
        return (await self._tally(info)).get(MotionChoice.AGAINST, 0)

    @strawberry.field(description="Abstentions (live while open).")
    async def abstentions(self, info: Info) -> int:
        return (await self._tally(info)).get(MotionChoice.ABSTAIN, 0)

    @strawberry.field(description="Ballots cast, abstentions included.")
    async def ballot_count(self, info: Info) -> int:
        return sum((await self._tally(info)).values())

    @strawberry.field(description="The viewer's ballot on it, if any.")
    async def viewer_choice(self, info: Info) -> MotionChoice | None:
        viewer = info.context.viewer
        if not viewer.signed_in:
            return None
        chosen = await MotionVotesByAccountLoader(info).load((viewer.id, self.row.discussion_id))
        return chosen.get(self.id)

    @strawberry.field(description="Who put it to the vote.")
    async def opened_by(self, info: Info) -> Account | None:
        return await account_or_none(info, self.row.opened_by_id)


@strawberry.type(description="One version of a meeting's minutes.")
class MinutesRevision:
    body: str = strawberry.field(description="The minutes as written then.")
    at: datetime = strawberry.field(description="When.")
    author_id: strawberry.Private[int]

    @strawberry.field(description="Who wrote this version.")
    async def author(self, info: Info) -> Account | None:
        return await account_or_none(info, self.author_id)


@strawberry.type(
    description="A decision meeting's terms and record: when and where, agenda, who is "
    "expected, attendance against the quorum, motions and minutes."
)
class Meeting:
    starts_at: datetime = strawberry.field(description="When it starts.")
    place: str | None = strawberry.field(description="Where it is held in person.")
    online_url: str | None = strawberry.field(description="Where to join it online.")
    quorum: int = strawberry.field(description="Attendees needed before motions may be voted on.")
    expected: Voters = strawberry.field(description="Who is expected (and may attend).")
    row: strawberry.Private[m.Discussion]

    @classmethod
    def of(cls, row: m.Discussion, terms: m.Meeting) -> Meeting:
        return cls(
            starts_at=terms.starts_at,
            place=terms.place,
            online_url=terms.online_url,
            quorum=terms.quorum,
            expected=row.voters or Voters.RESIDENTS,
            row=row,
        )

    @strawberry.field(description="Its agenda, in order.")
    async def agenda(self, info: Info) -> list[str]:
        return [a.title for a in await AgendaByDiscussionIdLoader(info).load(self.row.id)]

    @strawberry.field(description="How many attend.")
    async def attendee_count(self, info: Info) -> int:
        return len(await AttendanceByDiscussionIdLoader(info).load(self.row.id))

    @strawberry.field(description="Whether enough attend for motions to be voted on.")
    async def quorum_reached(self, info: Info) -> bool:
        present = len(await AttendanceByDiscussionIdLoader(info).load(self.row.id))
        return present >= self.quorum

    @strawberry.field(description="Its attendees, in the order they arrived.")
    async def attendance(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[MeetingAttendance]:
        rows = await AttendanceByDiscussionIdLoader(info).load(self.row.id)
        return Connection.of(slice_page(rows, "id", first, after), MeetingAttendance.of)

    @strawberry.field(description="Whether the viewer attends.")
    async def viewer_attending(self, info: Info) -> bool:
        viewer = info.context.viewer
        rows = await AttendanceByDiscussionIdLoader(info).load(self.row.id)
        return any(viewer.is_(a.account_id) for a in rows)

    @strawberry.field(description="Whether the viewer may check in now (expected, open).")
    async def viewer_may_check_in(self, info: Info) -> bool:
        viewer, row = info.context.viewer, self.row
        if row.closed_at is not None or not viewer.signed_in:
            return False
        rows = await AttendanceByDiscussionIdLoader(info).load(row.id)
        if any(viewer.is_(a.account_id) for a in rows):
            return False
        return policy.is_expected(viewer, row, await followed(info.context))

    @strawberry.field(description="Whether the viewer runs it (motions, attendance, minutes).")
    def viewer_runs(self, info: Info) -> bool:
        return policy.can_run_meeting(info.context.viewer, self.row)

    @strawberry.field(description="Its motions, in the order they were opened.")
    async def motions(self, info: Info) -> list[Motion]:
        return [Motion.of(r) for r in await MotionsByDiscussionIdLoader(info).load(self.row.id)]

    @strawberry.field(description="The minutes as they stand (the latest version).")
    async def minutes(self, info: Info) -> str | None:
        versions = await MinutesByDiscussionIdLoader(info).load(self.row.id)
        return versions[-1].body if versions else None

    @strawberry.field(description="Every version of the minutes, oldest first.")
    async def minutes_history(self, info: Info) -> list[MinutesRevision]:
        return [
            MinutesRevision(body=r.body, at=r.at, author_id=r.author_id)
            for r in await MinutesByDiscussionIdLoader(info).load(self.row.id)
        ]


@strawberry.type
class DiscussionQueries:
    @strawberry.field(
        description="A village's discussions, newest first; null when the viewer may not "
        "read its feed (members and followers do)."
    )
    async def discussions(
        self,
        info: Info,
        village_id: Annotated[
            strawberry.ID, strawberry.argument(description="The village's region ID.")
        ],
        kinds: Annotated[
            list[DiscussionKind] | None,
            strawberry.argument(description="Only these kinds; all by default."),
        ] = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[Discussion] | None:
        page = await queries.discussions(info.context, village_id, kinds, first, after)
        return Connection.of(page, Discussion.from_model) if page is not None else None

    @strawberry.field(description="One discussion by ID; null when missing or not visible.")
    async def discussion(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The discussion's ID.")],
    ) -> Discussion | None:
        row = await queries.discussion(info.context, id)
        return Discussion.from_model(row) if row else None


@strawberry.input(description="A poll's terms (`startDiscussion` with kind POLL).")
class PollInput:
    options: list[str] = strawberry.field(description="2 to 20 options, each at most 100.")
    closes_at: datetime = strawberry.field(description="Voting ends then (future, with offset).")
    voters: Voters = strawberry.field(description="Who votes.")
    multiple_choice: bool = strawberry.field(default=False, description="Several choices.")
    results_live: bool = strawberry.field(
        default=True, description="Show tallies while voting; false: only after the close."
    )


@strawberry.input(description="A meeting's terms (`startDiscussion` with kind MEETING).")
class MeetingInput:
    starts_at: datetime | None = strawberry.field(
        default=None, description="When it starts (with offset); required."
    )
    place: str | None = strawberry.field(
        default=None, description="Where, in person (at most 200); this or `onlineUrl`."
    )
    online_url: str | None = strawberry.field(
        default=None, description="Where to join online (http or https, at most 500)."
    )
    agenda: list[str] | None = strawberry.field(
        default=None,
        description="Its agenda items in order (1 to MEETING_AGENDA_MAX_ITEMS, each at most "
        "200); required.",
    )
    attendees: Voters = strawberry.field(description="Who is expected (and may attend).")
    quorum: int = strawberry.field(
        description="Attendees needed before motions may be voted on (1 to 10,000)."
    )


@strawberry.input(description="Input of `startDiscussion`.")
class StartDiscussionInput:
    village_id: strawberry.ID = strawberry.field(description="The village's region ID.")
    kind: DiscussionKind = strawberry.field(description="What it is.")
    title: str = strawberry.field(description="At most 100 characters.")
    body: str | None = strawberry.field(default=None, description="What it is about.")
    poll: PollInput | None = strawberry.field(default=None, description="POLL (required).")
    meeting: MeetingInput | None = strawberry.field(default=None, description="MEETING (required).")


@strawberry.input(description="Input of `commentOnDiscussion`.")
class CommentOnDiscussionInput:
    discussion_id: strawberry.ID = strawberry.field(description="The discussion's ID.")
    body: str = strawberry.field(description="The comment (at most COMMENT_MAX_LENGTH).")


@strawberry.input(description="Input of `castBallot`.")
class CastBallotInput:
    discussion_id: strawberry.ID = strawberry.field(description="The poll's ID.")
    option_ids: list[strawberry.ID] = strawberry.field(
        description="The options chosen (one unless the poll allows several); voting again "
        "before the close replaces the ballot."
    )


@strawberry.input(description="Input of `closeDiscussion`.")
class CloseDiscussionInput:
    id: strawberry.ID = strawberry.field(description="The discussion's ID.")
    outcome: str | None = strawberry.field(
        default=None,
        description="What was decided (at most 2,000 characters); required for a meeting.",
    )


@strawberry.input(description="Input of `checkInToMeeting`.")
class CheckInToMeetingInput:
    discussion_id: strawberry.ID = strawberry.field(description="The meeting's ID.")
    attendee_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="An official records this account present in person; null: the viewer "
        "checks in.",
    )


@strawberry.input(description="Input of `openMotion`.")
class OpenMotionInput:
    discussion_id: strawberry.ID = strawberry.field(description="The meeting's ID.")
    title: str = strawberry.field(description="What is proposed (at most 200).")
    body: str | None = strawberry.field(default=None, description="Its details.")


@strawberry.input(description="Input of `voteOnMotion`.")
class VoteOnMotionInput:
    motion_id: strawberry.ID = strawberry.field(description="The motion's ID.")
    choice: MotionChoice = strawberry.field(
        description="The ballot; voting again before the close replaces it."
    )


@strawberry.input(description="Input of `closeMotion`.")
class CloseMotionInput:
    motion_id: strawberry.ID = strawberry.field(description="The motion's ID.")


@strawberry.input(description="Input of `editMeetingMinutes`.")
class EditMeetingMinutesInput:
    discussion_id: strawberry.ID = strawberry.field(description="The meeting's ID.")
    minutes: str = strawberry.field(
        description="The minutes, whole (at most MEETING_MINUTES_MAX_LENGTH); the earlier "
        "version is kept."
    )


@strawberry.type(description="What `checkInToMeeting` did.")
class CheckInToMeetingPayload:
    attendance: MeetingAttendance | None = strawberry.field(
        description="The attendance recorded; null when `errors` is not empty."
    )
    discussion: Discussion | None = strawberry.field(
        description="The meeting after the change; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success."
    )


@strawberry.type(description="What a motion mutation did.")
class MotionPayload:
    motion: Motion | None = strawberry.field(
        description="The motion after the change; null when `errors` is not empty."
    )
    discussion: Discussion | None = strawberry.field(
        description="The meeting after the change; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success."
    )


@strawberry.type(description="What a discussion mutation did.")
class DiscussionPayload:
    discussion: Discussion | None = strawberry.field(
        description="The discussion after the change; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success."
    )


async def _payload(info: Info, work: Awaitable[m.Discussion]) -> DiscussionPayload:
    async def done() -> dict[str, Any]:
        return {"discussion": Discussion.from_model(await work)}

    return await payload(info, DiscussionPayload, done())


async def _motion_payload(
    info: Info, work: Awaitable[tuple[m.Motion, m.Discussion]]
) -> MotionPayload:
    async def done() -> dict[str, Any]:
        motion, d = await work
        return {"motion": Motion.of(motion), "discussion": Discussion.from_model(d)}

    return await payload(info, MotionPayload, done())


def _input(description: str) -> Any:
    return strawberry.argument(description=description)


@strawberry.type
class DiscussionMutations:
    @strawberry.mutation(description="Start a discussion or a poll in a village.")
    async def start_discussion(
        self, info: Info, input: Annotated[StartDiscussionInput, _input("What, where.")]
    ) -> DiscussionPayload:
        return await _payload(info, mutations.start(info.context, input))

    @strawberry.mutation(description="Comment on an open discussion.")
    async def comment_on_discussion(
        self, info: Info, input: Annotated[CommentOnDiscussionInput, _input("Which, what.")]
    ) -> DiscussionPayload:
        async def done() -> m.Discussion:
            return (await mutations.comment(info.context, input))[1]

        return await _payload(info, done())

    @strawberry.mutation(description="Vote in a poll, or change one's ballot before it closes.")
    async def cast_ballot(
        self, info: Info, input: Annotated[CastBallotInput, _input("Which poll, which options.")]
    ) -> DiscussionPayload:
        return await _payload(info, mutations.vote(info.context, input))

    @strawberry.mutation(
        description="MEETING: check in (an expected attendee), or record someone present in "
        "person (an official)."
    )
    async def check_in_to_meeting(
        self, info: Info, input: Annotated[CheckInToMeetingInput, _input("Which, who.")]
    ) -> CheckInToMeetingPayload:
        async def done() -> dict[str, Any]:
            row, d = await meetings.check_in(info.context, input)
            return {"attendance": MeetingAttendance.of(row), "discussion": Discussion.from_model(d)}

        return await payload(info, CheckInToMeetingPayload, done())

    @strawberry.mutation(description="MEETING: put a motion to the attendees' vote (officials).")
    async def open_motion(
        self, info: Info, input: Annotated[OpenMotionInput, _input("Which meeting, what.")]
    ) -> MotionPayload:
        return await _motion_payload(info, meetings.open_motion(info.context, input))

    @strawberry.mutation(
        description="MEETING: vote on an open motion (attendees, once the quorum is reached), "
        "or change one's ballot before it closes."
    )
    async def vote_on_motion(
        self, info: Info, input: Annotated[VoteOnMotionInput, _input("Which motion, how.")]
    ) -> MotionPayload:
        return await _motion_payload(info, meetings.vote(info.context, input))

    @strawberry.mutation(description="MEETING: close a motion, recording its result (officials).")
    async def close_motion(
        self, info: Info, input: Annotated[CloseMotionInput, _input("Which motion.")]
    ) -> MotionPayload:
        return await _motion_payload(info, meetings.close_motion(info.context, input))

    @strawberry.mutation(
        description="MEETING: write or edit the minutes until it closes (officials)."
    )
    async def edit_meeting_minutes(
        self, info: Info, input: Annotated[EditMeetingMinutesInput, _input("Which, the text.")]
    ) -> DiscussionPayload:
        return await _payload(info, meetings.edit_minutes(info.context, input))

    @strawberry.mutation(
        description="Close a discussion with its outcome (author or officials); a meeting "
        "(its officials, once its motions are closed) with its decision."
    )
    async def close_discussion(
        self, info: Info, input: Annotated[CloseDiscussionInput, _input("Which, the outcome.")]
    ) -> DiscussionPayload:
        return await _payload(info, mutations.close(info.context, input))


@strawberry.type(description="One change of a discussion, as `discussionUpdated` delivers it.")
class DiscussionEvent:
    kind: DiscussionEventKind = strawberry.field(description="What changed.")
    at: datetime = strawberry.field(description="When.")
    event_id: strawberry.Private[int]
    motion_id: strawberry.Private[int | None]
    row: strawberry.Private[m.Discussion]

    @strawberry.field(description="Pass as `after` to resume after this event.")
    def cursor(self) -> str:
        return encode_cursor(self.event_id)

    @strawberry.field(description="The discussion as it is now (tallies included).")
    def discussion(self) -> Discussion:
        return Discussion.from_model(self.row)

    @strawberry.field(description="MOTION_*: the motion it is about, as it is now.")
    async def motion(self, info: Info) -> Motion | None:
        if self.motion_id is None:
            return None
        rows = await MotionsByDiscussionIdLoader(info).load(self.row.id)
        return next((Motion.of(r) for r in rows if r.id == self.motion_id), None)


def _event(change: live.DiscussionChange) -> DiscussionEvent:
    return DiscussionEvent(
        kind=change.event.kind,
        at=change.event.at,
        event_id=change.event.id,
        motion_id=change.event.motion_id,
        row=change.subject,
    )


@strawberry.type
class DiscussionSubscriptions:
    @strawberry.subscription(
        description="Every change of a discussion: comments, ballots (live tallies) and its "
        "close; a meeting's attendance, motions (opened, voted with live tallies, closed), "
        "minutes and decision; for whoever may read it. `after` replays what was missed first."
    )
    async def discussion_updated(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The discussion's ID.")],
        after: Annotated[
            str | None,
            strawberry.argument(description="The `cursor` of the last event seen; null: now."),
        ] = None,
    ) -> AsyncIterator[DiscussionEvent]:
        stream = await live.discussion_updates(info.context, id, after)
        return replace(stream, root=_event)  # type: ignore[return-value]
