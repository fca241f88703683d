"""Discussion (议事) types, queries, mutations and the live `discussionUpdated`."""

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
from resolvers.discussions import live, mutations, policy, queries
from resolvers.discussions.loaders import (
    BallotByAccountLoader,
    CommentsByDiscussionIdLoader,
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
graphql_enum(
    DiscussionKind,
    "What a discussion (议事) is.",
    {
        DiscussionKind.TOPIC: "An open discussion: whoever lives in the village, and its "
        "officials, start one; members and followers comment.",
        DiscussionKind.POLL: "A poll (投票) the village's officials run: options, one or "
        "several choices, a closing time, who votes, results live or after the close.",
    },
)
graphql_enum(
    Voters,
    "Who votes in a poll.",
    {
        Voters.RESIDENTS: "Whoever holds a role in the village (its residents, grid heads "
        "and officials there).",
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
        DiscussionEventKind.CLOSED: "It was closed, with its outcome.",
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
    voters: Voters | None = strawberry.field(description="POLL: who votes.")
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


@strawberry.input(description="Input of `startDiscussion`.")
class StartDiscussionInput:
    village_id: strawberry.ID = strawberry.field(description="The village's region ID.")
    kind: DiscussionKind = strawberry.field(description="What it is.")
    title: str = strawberry.field(description="At most 100 characters.")
    body: str | None = strawberry.field(default=None, description="What it is about.")
    poll: PollInput | None = strawberry.field(default=None, description="POLL (required).")


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
        default=None, description="What was decided (at most 2,000 characters)."
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

    @strawberry.mutation(description="Close a discussion with its outcome (author or officials).")
    async def close_discussion(
        self, info: Info, input: Annotated[CloseDiscussionInput, _input("Which, the outcome.")]
    ) -> DiscussionPayload:
        return await _payload(info, mutations.close(info.context, input))


@strawberry.type(description="One change of a discussion, as `discussionUpdated` delivers it.")
class DiscussionEvent:
    kind: DiscussionEventKind = strawberry.field(description="What changed.")
    at: datetime = strawberry.field(description="When.")
    event_id: strawberry.Private[int]
    row: strawberry.Private[m.Discussion]

    @strawberry.field(description="Pass as `after` to resume after this event.")
    def cursor(self) -> str:
        return encode_cursor(self.event_id)

    @strawberry.field(description="The discussion as it is now (tallies included).")
    def discussion(self) -> Discussion:
        return Discussion.from_model(self.row)


def _event(change: live.DiscussionChange) -> DiscussionEvent:
    return DiscussionEvent(
        kind=change.event.kind,
        at=change.event.at,
        event_id=change.event.id,
        row=change.subject,
    )


@strawberry.type
class DiscussionSubscriptions:
    @strawberry.subscription(
        description="Every change of a discussion: comments, ballots (live tallies) and its "
        "close, for whoever may read it. `after` replays what was missed first."
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
