"""The post topic of the event log, and what `feedUpdated` listens to.

Posting, editing, pinning, unpinning, hiding, showing again and deleting a post append an
entry (topic "post", the post as subject, the village's path) with a `PostEvent` of the
same id. Who may receive it:
whoever may read the village's feed (`resolvers.villages.live.VillageTopic`, which the
discussion topic shares). What the event shows of the post is
decided by the post's own rule when rendered: a hidden or deleted post is null to those who
may no longer read it, while its event still tells their client to take it away.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from core import events
from core.context import Context
from core.errors import not_found
from core.ids import parse_id
from core.pagination import decode_cursor
from models.base import utcnow
from models.events import LogEntry
from models.posts import Post, PostEvent, PostEventKind
from resolvers.posts.loaders import PostByIdLoader
from resolvers.regions import RegionByIdLoader
from resolvers.villages.live import VillageChange, VillageTopic
from resolvers.villages.queries import readable_feed
from subscriptions.topics import LiveStream

TOPIC = "post"


async def record(session: AsyncSession, post: Post, kind: PostEventKind) -> PostEvent:
    """Append the change to the event log, in the transaction making it."""
    entry_id = await events.append(session, TOPIC, post.id, post.region_path)
    event = PostEvent(id=entry_id, post_id=post.id, kind=kind, at=utcnow())
    session.add(event)
    return event


FeedChange = VillageChange[PostEvent, Post]
POSTS: VillageTopic[PostEvent, Post] = VillageTopic(
    TOPIC, PostEvent, Post, "post_id", PostByIdLoader
)


@dataclass(frozen=True)
class FeedUpdates:
    """Every change of one village's feed."""

    village_path: str
    topic: VillageTopic = POSTS
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
