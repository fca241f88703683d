"""The village feed: post types, queries and mutations."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Awaitable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload
from strawberry.types import Info

from core import pagination
from core.ids import node_pk
from core.loaders import present
from core.pagination import encode_cursor
from models import posts as m
from resolvers.posts import live, mutations, policy, queries
from resolvers.posts.loaders import (
    CommentByIdLoader,
    CommentCountByPostIdLoader,
    CommentPageByPostIdLoader,
    LikeCountByPostIdLoader,
    LikedByAccountLoader,
    PhotosByPostIdLoader,
    PostByIdLoader,
    RepliesByCommentIdLoader,
    RevisionsByPostIdLoader,
)
from resolvers.regions import RegionByIdLoader
from resolvers.villages.queries import followed
from schema.accounts import Account, account_or_none
from schema.common import AFTER, FIRST, Connection, Photo, UserError, graphql_enum, payload
from schema.regions import Region

PostKind = m.PostKind
AffairsKind = m.AffairsKind
K = PostKind
graphql_enum(
    PostKind,
    "What a post is; the kind decides who may publish it.",
    {
        K.ANNOUNCEMENT: "A notice (通知公告) from the village's officials.",
        K.POLICY: "A policy article (政策) for the policy library; officials publish it.",
        K.AFFAIRS: "Open village affairs (村务公开): finance, party or government affairs "
        "(`affairsKind`), with photos of the documents; officials publish it.",
        K.ACTIVITY: "An activity or contest (活动); officials and grid heads publish it.",
        K.HONOR: "An honour list (光荣榜) naming households (`honorees`); officials publish it.",
        K.MARKET: "Produce for sale (农产品): `market` gives price, unit, quantity and until "
        "when; whoever lives in the village publishes it.",
        K.MOMENT: "Life and photos (随手拍); whoever lives in the village publishes it.",
    },
)
graphql_enum(
    AffairsKind,
    "Which open village affairs (三务公开) an AFFAIRS post discloses.",
    {
        AffairsKind.FINANCE: "Finance (财务), e.g. the monthly accounts.",
        AffairsKind.PARTY: "Party affairs (党务).",
        AffairsKind.GOVERNMENT: "Government affairs (政务).",
        AffairsKind.OTHER: "Anything else the village discloses.",
    },
)


class PostAction(enum.Enum):
    EDIT = "edit"
    DELETE = "delete"
    PIN = "pin"
    COMMENT = "comment"
    LIKE = "like"
    REPORT = "report"
    HIDE = "hide"


graphql_enum(
    PostAction,
    "What the viewer may do to a post now: one value per mutation.",
    {
        PostAction.EDIT: "`editPost` (the author).",
        PostAction.DELETE: "`deletePost` (the author, or an official of the village).",
        PostAction.PIN: "`pinPost` (an official of the village).",
        PostAction.COMMENT: "`commentOnPost` (members and followers).",
        PostAction.LIKE: "`likePost` / `unlikePost` (members and followers).",
        PostAction.REPORT: "`reportPost` (whoever may read it).",
        PostAction.HIDE: "`hidePost` (an official of the village).",
    },
)

POST_ID = "The post's ID."


@strawberry.type(description="The terms of a MARKET post: produce for sale.")
class MarketListing:
    price_cents: int = strawberry.field(description="Price per unit in fen (分): 350 is ¥3.50.")
    unit: str = strawberry.field(description="The unit priced, e.g. 斤 or 箱.")
    quantity: float | None = strawberry.field(description="How many units are for sale.")
    available_until: datetime | None = strawberry.field(description="For sale until then.")


@strawberry.type(description="What a post said before an edit (edits stay visible).")
class PostRevision:
    title: str | None = strawberry.field(description="The title then.")
    body: str = strawberry.field(description="The text then.")
    written_at: datetime = strawberry.field(description="When that text was written.")
    replaced_at: datetime = strawberry.field(description="When an edit replaced it.")


@strawberry.type(description="A comment on a post, or a reply to one (one level of replies).")
class PostComment(relay.Node):
    id: relay.NodeID[int]
    created_at: datetime = strawberry.field(description="When.")
    row: strawberry.Private[m.Comment]

    @classmethod
    def from_model(cls, row: m.Comment) -> PostComment:
        return cls(id=row.id, created_at=row.created_at, row=row)

    async def _sees_text(self, info: Info) -> bool:
        if self.row.hidden_at is None:
            return True
        post = present(await PostByIdLoader(info).load(self.row.post_id))
        return policy.sees_hidden(info.context.viewer, self.row.author_id, post.region_path)

    @strawberry.field(
        description="What was said; null when an official hid it (except to its author and "
        "the village's officials): the comment keeps its place in the thread."
    )
    async def body(self, info: Info) -> str | None:
        return self.row.body if await self._sees_text(info) else None

    @strawberry.field(description="Hidden by an official of the village.")
    def hidden(self) -> bool:
        return self.row.hidden_at is not None

    @strawberry.field(description="Why it was hidden: shown to its author and the officials.")
    async def hidden_reason(self, info: Info) -> str | None:
        return self.row.hidden_reason if await self._sees_text(info) else None

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        info.context.require_viewer()
        rows = await CommentByIdLoader(info).load_many([node_pk(i) for i in node_ids])
        out = []
        for row in rows:
            if row is not None and await queries.readable_post(info.context, row.post_id) is None:
                row = None  # a comment on a post the viewer may not read: as if missing
            out.append(cls.from_model(row) if row else None)
        return out

    @strawberry.field(description="Who wrote it.")
    async def author(self, info: Info) -> Account | None:
        return await account_or_none(info, self.row.author_id)

    @strawberry.field(description="Replies to it, oldest first (null list for a reply).")
    async def replies(self, info: Info) -> list[PostComment]:
        if self.row.parent_id is not None:
            return []
        rows = await RepliesByCommentIdLoader(info).load(self.id)
        return [PostComment.from_model(r) for r in rows]


@strawberry.type(description="An item of a village's feed (动态).")
class Post(relay.Node):
    id: relay.NodeID[int]
    kind: PostKind = strawberry.field(description="What it is.")
    affairs_kind: AffairsKind | None = strawberry.field(
        description="AFFAIRS: which affairs; null for other kinds."
    )
    title: str | None = strawberry.field(description="Its title; MOMENT and MARKET may have none.")
    body: str = strawberry.field(description="Its text (may be empty when it has photos).")
    honorees: list[str] | None = strawberry.field(
        description="HONOR: the households named, in order; null for other kinds."
    )
    created_at: datetime = strawberry.field(description="When it was published.")
    edited_at: datetime | None = strawberry.field(
        description="When the author last edited it; null if never (see `revisions`)."
    )
    pinned_at: datetime | None = strawberry.field(description="When it was pinned, if it is.")
    row: strawberry.Private[m.Post]

    @classmethod
    def from_model(cls, row: m.Post) -> Post:
        return cls(
            id=row.id,
            kind=row.kind,
            affairs_kind=row.affairs_kind,
            title=row.title,
            body=row.body,
            honorees=list(row.honorees) if row.honorees is not None else None,
            created_at=row.created_at,
            edited_at=row.edited_at,
            pinned_at=row.pinned_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        info.context.require_viewer()
        rows = [await queries.readable_post(info.context, node_pk(i)) for i in node_ids]
        return [cls.from_model(row) if row else None for row in rows]

    @strawberry.field(description="Pinned on top of the feed by an official.")
    def pinned(self) -> bool:
        return bool(self.row.pin)

    @strawberry.field(
        description="Hidden by an official of the village: gone from feeds and search for "
        "everyone but its author and the officials, who still see it with this flag."
    )
    def hidden(self) -> bool:
        return self.row.hidden_at is not None

    @strawberry.field(description="Why it was hidden (only its author and officials see it).")
    def hidden_reason(self) -> str | None:
        return self.row.hidden_reason

    @strawberry.field(description="The village whose feed it is in.")
    async def village(self, info: Info) -> Region:
        return Region.from_model(present(await RegionByIdLoader(info).load(self.row.village_id)))

    @strawberry.field(description="Who published it.")
    async def author(self, info: Info) -> Account | None:
        return await account_or_none(info, self.row.author_id)

    @strawberry.field(description="Its photos, in the order sent (re-encoded, no metadata).")
    async def photos(self, info: Info) -> list[Photo]:
        return [Photo.from_model(p) for p in await PhotosByPostIdLoader(info).load(self.id)]

    @strawberry.field(description="MARKET: price, unit, quantity, until when; else null.")
    def market(self) -> MarketListing | None:
        row = self.row
        if row.kind is not PostKind.MARKET or row.price_cents is None or row.unit is None:
            return None
        return MarketListing(
            price_cents=row.price_cents,
            unit=row.unit,
            quantity=row.quantity,
            available_until=row.available_until,
        )

    @strawberry.field(description="What it said before each edit, oldest first.")
    async def revisions(self, info: Info) -> list[PostRevision]:
        return [
            PostRevision(
                title=r.title, body=r.body, written_at=r.written_at, replaced_at=r.replaced_at
            )
            for r in await RevisionsByPostIdLoader(info).load(self.id)
        ]

    @strawberry.field(description="How many accounts like it.")
    async def like_count(self, info: Info) -> int:
        return await LikeCountByPostIdLoader(info).load(self.id)

    @strawberry.field(description="Whether the viewer likes it.")
    async def viewer_likes(self, info: Info) -> bool:
        viewer = info.context.viewer
        if not viewer.signed_in:
            return False
        return await LikedByAccountLoader(info).load((viewer.id, self.id))

    @strawberry.field(description="How many comments it has, replies included.")
    async def comment_count(self, info: Info) -> int:
        return await CommentCountByPostIdLoader(info).load(self.id)

    @strawberry.field(
        description="Its comments (not replies: each comment's `replies`), oldest first."
    )
    async def comments(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[PostComment]:
        span = pagination.span(first, after)
        page = await CommentPageByPostIdLoader(info).load((self.id, span))
        return Connection.of(page, PostComment.from_model)

    @strawberry.field(description="The mutations the viewer may perform on this post now.")
    async def allowed_actions(self, info: Info) -> list[PostAction]:
        viewer, row = info.context.viewer, self.row
        if not viewer.signed_in:
            return []
        part = policy.can_take_part(viewer, row, await followed(info.context))
        allowed = {
            PostAction.EDIT: policy.can_edit_post(viewer, row),
            PostAction.DELETE: policy.can_delete_post(viewer, row),
            PostAction.PIN: policy.can_pin(viewer, row),
            PostAction.COMMENT: part,
            PostAction.LIKE: part,
            PostAction.REPORT: True,  # whoever reads it
            PostAction.HIDE: policy.can_moderate(viewer, row),
        }
        return [a for a in PostAction if allowed[a]]


@strawberry.type
class PostQueries:
    @strawberry.field(
        description="A village's feed: pinned posts first, then the rest, each newest first. "
        "Null when there is no such village or the viewer may not read its feed (its "
        "members and followers do)."
    )
    async def feed(
        self,
        info: Info,
        village_id: Annotated[
            strawberry.ID, strawberry.argument(description="The village's region ID.")
        ],
        kinds: Annotated[
            list[PostKind] | None,
            strawberry.argument(description="Only posts of these kinds; all by default."),
        ] = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[Post] | None:
        page = await queries.feed(info.context, village_id, kinds, first, after)
        return Connection.of(page, Post.from_model) if page is not None else None

    @strawberry.field(
        description="The policy library (政策知识库): posts the viewer may read whose title or "
        "text contains every word of `query` (substring match: 低保 finds 农村低保申请条件; "
        "case-insensitive), POLICY and AFFAIRS unless `kinds` says otherwise; the posts "
        "whose title holds more of the words first, then newest first."
    )
    async def search_posts(
        self,
        info: Info,
        query: Annotated[
            str,
            strawberry.argument(
                description="Words separated by spaces, each to be found (at most 5 words, "
                "MAX_SEARCH_LENGTH characters)."
            ),
        ],
        village_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only this village's posts; all readable ones by default."
            ),
        ] = None,
        kinds: Annotated[
            list[PostKind] | None,
            strawberry.argument(description="Kinds to search; POLICY and AFFAIRS by default."),
        ] = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[Post]:
        page = await queries.search(info.context, query, village_id, kinds, first, after)
        return Connection.of(page, Post.from_model)

    @strawberry.field(
        description="What was reported in a village, newest first: for its officials (null "
        "for everyone else, and for an ID that is no village)."
    )
    async def content_reports(
        self,
        info: Info,
        village_id: Annotated[
            strawberry.ID, strawberry.argument(description="The village's region ID.")
        ],
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[ContentReport] | None:
        page = await queries.reports(info.context, village_id, first, after)
        return Connection.of(page, ContentReport.from_model) if page is not None else None

    @strawberry.field(description="One post by ID; null when there is none or it is not visible.")
    async def post(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description=POST_ID)]
    ) -> Post | None:
        row = await queries.post(info.context, id)
        return Post.from_model(row) if row else None


PostEventKind = m.PostEventKind
graphql_enum(
    PostEventKind,
    "What changed in a village's feed (`feedUpdated`).",
    {
        PostEventKind.POSTED: "A post was published.",
        PostEventKind.HIDDEN: "An official hid a post: take it away (its author and the "
        "officials still get `post`, flagged `hidden`).",
        PostEventKind.SHOWN: "An official showed a hidden post again.",
        PostEventKind.DELETED: "A post was deleted: take it away.",
        PostEventKind.EDITED: "Its author edited a post (`editedAt`, `revisions`).",
        PostEventKind.PINNED: "An official pinned a post on top of the feed.",
        PostEventKind.UNPINNED: "An official unpinned a post: it goes back among the rest.",
    },
)


@strawberry.type(description="One change of a village's feed, as `feedUpdated` delivers it.")
class FeedEvent:
    kind: PostEventKind = strawberry.field(description="What changed.")
    at: datetime = strawberry.field(description="When.")
    post_id: strawberry.ID = strawberry.field(description="The post it is about.")
    row: strawberry.Private[m.Post]
    event_id: strawberry.Private[int]

    @strawberry.field(description="Pass as `after` to `feedUpdated` to resume after this event.")
    def cursor(self) -> str:
        return encode_cursor(self.event_id)

    @strawberry.field(
        description="The post as it is now; null when the viewer may no longer read it "
        "(deleted, or hidden from them)."
    )
    def post(self, info: Info) -> Post | None:
        if not policy.shown_in_feed(info.context.viewer, self.row):
            return None
        return Post.from_model(self.row)


def _feed_event(change: live.FeedChange) -> FeedEvent:
    """The root value a subscription's selection executes on, for each event."""
    return FeedEvent(
        kind=change.event.kind,
        at=change.event.at,
        post_id=strawberry.ID(relay.to_base64("Post", change.subject.id)),
        row=change.subject,
        event_id=change.event.id,
    )


@strawberry.type
class PostSubscriptions:
    @strawberry.subscription(
        description="Every change of a village's feed: new, edited, pinned, unpinned, hidden, "
        "shown again and deleted posts, for whoever may read the feed (members and "
        "followers). `after` (an event's `cursor`) first replays, in order, what was missed "
        "since that event."
    )
    async def feed_updated(
        self,
        info: Info,
        village_id: Annotated[
            strawberry.ID, strawberry.argument(description="The village's region ID.")
        ],
        after: Annotated[
            str | None,
            strawberry.argument(
                description="The `cursor` of the last event seen: what came after it is "
                "replayed first, in order. Null: from now on."
            ),
        ] = None,
    ) -> AsyncIterator[FeedEvent]:
        stream = await live.feed_updates(info.context, village_id, after)
        return replace(stream, root=_feed_event)  # type: ignore[return-value]


# --- mutations ---------------------------------------------------------------------------


@strawberry.input(description="The terms of a MARKET post.")
class MarketInput:
    price_cents: int = strawberry.field(description="Price per unit in fen (分), not negative.")
    unit: str = strawberry.field(description="The unit priced, e.g. 斤 (at most 20 characters).")
    quantity: float | None = strawberry.field(
        default=None, description="How many units are for sale (more than zero)."
    )
    available_until: datetime | None = strawberry.field(
        default=None, description="For sale until then (not past; with its offset)."
    )


@strawberry.input(description="Input of `createPost`.")
class CreatePostInput:
    village_id: strawberry.ID = strawberry.field(description="The village whose feed it is for.")
    kind: PostKind = strawberry.field(description="What it is (decides who may publish it).")
    title: str | None = strawberry.field(
        default=None,
        description="At most 100 characters; required but for MOMENT and MARKET.",
    )
    body: str | None = strawberry.field(
        default=None,
        description="The text (at most POST_MAX_LENGTH characters); may be left out only "
        "when photos are sent.",
    )
    photos: list[Upload] | None = strawberry.field(
        default=None, description="Photos, as multipart uploads (at most MAX_POST_PHOTOS)."
    )
    affairs_kind: AffairsKind | None = strawberry.field(
        default=None, description="AFFAIRS (required): which affairs it discloses."
    )
    market: MarketInput | None = strawberry.field(
        default=None, description="MARKET (required): price, unit, quantity, until when."
    )
    honorees: list[str] | None = strawberry.field(
        default=None, description="HONOR (required): the households named (at most 100)."
    )


@strawberry.input(description="Input of `editPost`: only the fields sent change.")
class EditPostInput:
    id: strawberry.ID = strawberry.field(description=POST_ID)
    title: str | None = strawberry.field(default=strawberry.UNSET, description="A new title.")
    body: str | None = strawberry.field(default=strawberry.UNSET, description="A new text.")
    market: MarketInput | None = strawberry.field(
        default=strawberry.UNSET, description="MARKET: new terms."
    )


@strawberry.input(description="Input of `deletePost`.")
class DeletePostInput:
    id: strawberry.ID = strawberry.field(description=POST_ID)
    reason: str | None = strawberry.field(
        default=None,
        description="Why (at most 500 characters); kept in the moderation log when an "
        "official deletes someone else's post.",
    )


@strawberry.input(description="Input of `reportPost`.")
class ReportPostInput:
    id: strawberry.ID = strawberry.field(description=POST_ID)
    reason: str = strawberry.field(description="What is wrong with it (at most 500).")


@strawberry.input(description="Input of `reportComment`.")
class ReportCommentInput:
    id: strawberry.ID = strawberry.field(description="The comment's ID.")
    reason: str = strawberry.field(description="What is wrong with it (at most 500).")


@strawberry.input(description="Input of `hidePost`.")
class HidePostInput:
    id: strawberry.ID = strawberry.field(description=POST_ID)
    reason: str | None = strawberry.field(
        default=None, description="Why (required to hide; at most 500 characters)."
    )
    hidden: bool = strawberry.field(default=True, description="False shows it again.")


@strawberry.input(description="Input of `hideComment`.")
class HideCommentInput:
    id: strawberry.ID = strawberry.field(description="The comment's ID.")
    reason: str | None = strawberry.field(
        default=None, description="Why (required to hide; at most 500 characters)."
    )
    hidden: bool = strawberry.field(default=True, description="False shows it again.")


@strawberry.input(description="Input of `commentOnPost`.")
class CommentOnPostInput:
    post_id: strawberry.ID = strawberry.field(description=POST_ID)
    body: str = strawberry.field(description="The comment (at most COMMENT_MAX_LENGTH).")
    reply_to: strawberry.ID | None = strawberry.field(
        default=None,
        description="A comment of the same post to reply to (replying to a reply joins its "
        "thread: one level of replies).",
    )


@strawberry.input(description="Input of `likePost`.")
class LikePostInput:
    id: strawberry.ID = strawberry.field(description=POST_ID)


@strawberry.input(description="Input of `unlikePost`.")
class UnlikePostInput:
    id: strawberry.ID = strawberry.field(description=POST_ID)


@strawberry.input(description="Input of `pinPost`.")
class PinPostInput:
    id: strawberry.ID = strawberry.field(description=POST_ID)
    pinned: bool = strawberry.field(default=True, description="False unpins it.")


@strawberry.type(description="What a post mutation did.")
class PostPayload:
    post: Post | None = strawberry.field(
        description="The post after the change; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success."
    )


@strawberry.type(description="What `deletePost` did.")
class DeletePostPayload:
    deleted_post_id: strawberry.ID | None = strawberry.field(
        description="The ID of the post deleted; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success."
    )


@strawberry.type(description="What `commentOnPost` did.")
class CommentOnPostPayload:
    comment: PostComment | None = strawberry.field(
        description="The new comment; null when `errors` is not empty."
    )
    post: Post | None = strawberry.field(
        description="The post commented on; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success."
    )


@strawberry.type(description="What `reportPost` or `reportComment` did.")
class ReportPayload:
    report_id: strawberry.ID | None = strawberry.field(
        description="The report's ID; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was reported; empty on success."
    )


@strawberry.type(description="What `hideComment` did.")
class HideCommentPayload:
    comment: PostComment | None = strawberry.field(
        description="The comment after the change; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success."
    )


@strawberry.type(description="A report of a post or comment, for the village's officials.")
class ContentReport(relay.Node):
    id: relay.NodeID[int]
    reason: str = strawberry.field(description="What the reporter says is wrong.")
    created_at: datetime = strawberry.field(description="When it was reported.")
    row: strawberry.Private[m.ContentReport]

    @classmethod
    def from_model(cls, row: m.ContentReport) -> ContentReport:
        return cls(id=row.id, reason=row.reason, created_at=row.created_at, row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        """Reports are for the village's officials; to anyone else they look missing."""
        info.context.require_viewer()
        rows = [await queries.readable_report(info.context, node_pk(i)) for i in node_ids]
        return [cls.from_model(row) if row else None for row in rows]

    @strawberry.field(description="Who reported it.")
    async def reporter(self, info: Info) -> Account | None:
        return await account_or_none(info, self.row.reporter_id)

    @strawberry.field(description="The post reported, or whose comment was; null if deleted.")
    async def post(self, info: Info) -> Post | None:
        row = await queries.readable_post(info.context, self.row.post_id)
        return Post.from_model(row) if row else None

    @strawberry.field(description="The comment reported; null when the post itself was.")
    async def comment(self, info: Info) -> PostComment | None:
        if self.row.comment_id is None:
            return None
        row = await CommentByIdLoader(info).load(self.row.comment_id)
        return PostComment.from_model(row) if row else None


async def _post(info: Info, work: Awaitable[m.Post]) -> PostPayload:
    async def done() -> dict[str, Any]:
        return {"post": Post.from_model(await work)}

    return await payload(info, PostPayload, done())


async def _report(info: Info, work: Awaitable[int]) -> ReportPayload:
    async def done() -> dict[str, Any]:
        return {"report_id": strawberry.ID(relay.to_base64("ContentReport", await work))}

    return await payload(info, ReportPayload, done())


def _input(description: str) -> Any:
    return strawberry.argument(description=description)


@strawberry.type
class PostMutations:
    @strawberry.mutation(description="Publish a post in a village's feed, with photos.")
    async def create_post(
        self, info: Info, input: Annotated[CreatePostInput, _input("The post.")]
    ) -> PostPayload:
        return await _post(info, mutations.create(info.context, input))

    @strawberry.mutation(description="The author edits a post; the old text stays visible.")
    async def edit_post(
        self, info: Info, input: Annotated[EditPostInput, _input("Which post, what changes.")]
    ) -> PostPayload:
        return await _post(info, mutations.edit(info.context, input))

    @strawberry.mutation(
        description="Delete a post (its author, or an official of the village): it leaves "
        "every feed; the record stays."
    )
    async def delete_post(
        self, info: Info, input: Annotated[DeletePostInput, _input("Which post.")]
    ) -> DeletePostPayload:
        async def done() -> dict[str, Any]:
            pk = await mutations.remove(info.context, input)
            return {"deleted_post_id": strawberry.ID(relay.to_base64("Post", pk))}

        return await payload(info, DeletePostPayload, done())

    @strawberry.mutation(description="Comment on a post, or reply to a comment of it.")
    async def comment_on_post(
        self, info: Info, input: Annotated[CommentOnPostInput, _input("Which post, what.")]
    ) -> CommentOnPostPayload:
        async def done() -> dict[str, Any]:
            comment, post = await mutations.comment(info.context, input)
            return {"comment": PostComment.from_model(comment), "post": Post.from_model(post)}

        return await payload(info, CommentOnPostPayload, done())

    @strawberry.mutation(description="Like a post (liking twice is one like).")
    async def like_post(
        self, info: Info, input: Annotated[LikePostInput, _input("Which post.")]
    ) -> PostPayload:
        return await _post(info, mutations.like(info.context, input, True))

    @strawberry.mutation(description="Take a like back.")
    async def unlike_post(
        self, info: Info, input: Annotated[UnlikePostInput, _input("Which post.")]
    ) -> PostPayload:
        return await _post(info, mutations.like(info.context, input, False))

    @strawberry.mutation(
        description="Report a post to the village's officials, with a reason (whoever may read it)."
    )
    async def report_post(
        self, info: Info, input: Annotated[ReportPostInput, _input("Which post, and why.")]
    ) -> ReportPayload:
        return await _report(info, mutations.report(info.context, input, comment=False))

    @strawberry.mutation(description="Report a comment to the village's officials, with a reason.")
    async def report_comment(
        self, info: Info, input: Annotated[ReportCommentInput, _input("Which comment, and why.")]
    ) -> ReportPayload:
        return await _report(info, mutations.report(info.context, input, comment=True))

    @strawberry.mutation(
        description="Hide a post with a reason, or show it again (an official of the "
        "village): hidden, it leaves feeds and search for all but its author and officials."
    )
    async def hide_post(
        self, info: Info, input: Annotated[HidePostInput, _input("Which post, and why.")]
    ) -> PostPayload:
        return await _post(info, mutations.hide(info.context, input))

    @strawberry.mutation(
        description="Hide a comment with a reason, or show it again (an official of the "
        "village): its text is then shown only to its author and officials."
    )
    async def hide_comment(
        self, info: Info, input: Annotated[HideCommentInput, _input("Which comment, and why.")]
    ) -> HideCommentPayload:
        async def done() -> dict[str, Any]:
            row = await mutations.hide_comment(info.context, input)
            return {"comment": PostComment.from_model(row)}

        return await payload(info, HideCommentPayload, done())

    @strawberry.mutation(description="Pin a post on top of the feed, or unpin it (officials).")
    async def pin_post(
        self, info: Info, input: Annotated[PinPostInput, _input("Which post.")]
    ) -> PostPayload:
        return await _post(info, mutations.pin(info.context, input))
