"""The post topic of the event log, and what `feedUpdated` listens to.

Posting, hiding, showing again and deleting a post append an entry (topic "post", the
post as subject, the village's path) with a `PostEvent` of the same id. Who may receive it:
whoever may read the village's feed, members and followers, checked for every event
(followers are loaded with the entries, and asked of the viewer with `is_`, so one render
serves every member and followers get their own). What the event shows of the post is
decided by the post's own rule when rendered: a hidden or deleted post is null to those who
may no longer read it, while its event still tells their client to take it away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import FromClause

from core import events
from core.context import Context
from core.db import Database
from core.errors import not_found
from core.identity import Viewer
from core.ids import parse_id
from core.pagination import decode_cursor
from models.base import utcnow
from models.events import LogEntry
from models.posts import Post, PostEvent, PostEventKind
from models.villages import Follow
from resolvers.posts.loaders import PostByIdLoader
from resolvers.regions import RegionByIdLoader
from resolvers.villages import policy as villages
from resolvers.villages.queries import readable_feed
from subscriptions.topics import LiveStream, LoaderScope

TOPIC = "post"


async def record(session: AsyncSession, post: Post, kind: PostEventKind) -> PostEvent:
    """Append the change to the event log, in the transaction making it."""
    entry_id = await events.append(session, TOPIC, post.id, post.region_path)
    event = PostEvent(id=entry_id, post_id=post.id, kind=kind, at=utcnow())
    session.add(event)
    return event


@dataclass(frozen=True)
class FeedChange:
    """What an entry of the post topic is about: the event, its post, and the accounts
    following the post's village when the entry was read."""

    event: PostEvent
    post: Post
    followers: frozenset[int]


class PostTopic:
    name = TOPIC

    def source(self) -> FromClause:
        return LogEntry.__table__.join(PostEvent.__table__, PostEvent.id == LogEntry.id)

    async def load(self, db: Database, entries: Sequence[LogEntry]) -> dict[int, FeedChange]:
        rows = list(
            await db.rows(
                select(PostEvent, Post)
                .join(Post, Post.id == PostEvent.post_id)
                .where(PostEvent.id.in_([e.id for e in entries]))
                .execution_options(background=True)
            )
        )
        villages_of = {post.village_id for _, post in rows}
        follows = await db.rows(
            select(Follow.village_id, Follow.account_id)
            .where(Follow.village_id.in_(villages_of))
            .execution_options(background=True)
        )
        followers: dict[int, set[int]] = {v: set() for v in villages_of}
        for village_id, account_id in follows:
            followers[village_id].add(account_id)
        return {
            event.id: FeedChange(event, post, frozenset(followers[post.village_id]))
            for event, post in rows
        }

    def allowed(self, viewer: Viewer, subject: FeedChange) -> bool:
        post = subject.post
        if villages.is_member(viewer, post.region_path):
            return True
        followed = {post.village_id} if any(map(viewer.is_, subject.followers)) else set()
        return villages.can_read_feed(viewer, post.region_path, post.village_id, followed)

    def prime(self, scope: LoaderScope, subject: FeedChange) -> None:
        PostByIdLoader(scope).prime(subject.post.id, subject.post)


POSTS = PostTopic()


@dataclass(frozen=True)
class FeedUpdates:
    """Every change of one village's feed."""

    village_path: str
    topic: PostTopic = POSTS
    key: tuple = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", ("feedUpdated", self.village_path))

    def matches(self, entry: LogEntry, subject: FeedChange) -> bool:
        return entry.region_path == self.village_path

    def where(self) -> ColumnElement[bool]:
        return LogEntry.region_path == self.village_path


async def feed_updates(ctx: Context, village_id: str, after: str | None) -> LiveStream:
    """Whoever may read the village's feed may watch it; to anyone else it is missing."""
    ctx.require_viewer()
    cursor = None if after is None else decode_cursor(after)
    region = await RegionByIdLoader(ctx).load(parse_id(village_id, "Region", "villageId"))
    village = await readable_feed(ctx, region)
    if village is None:
        raise not_found("villageId")
    return LiveStream(FeedUpdates(village.path), cursor)
