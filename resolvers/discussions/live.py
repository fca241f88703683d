"""The discussion topic of the event log, and what `discussionUpdated` listens to: opening,
comments, ballots (live tallies) and closing, and a meeting's attendance, motions (opened,
voted with live tallies, closed), minutes and decision, for whoever may read the discussion
(members by their grants, followers asked with `viewer.is_`)."""

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
from models.discussions import Discussion, DiscussionEvent, DiscussionEventKind
from models.events import LogEntry
from resolvers.discussions.loaders import DiscussionByIdLoader
from resolvers.discussions.queries import readable_discussion
from resolvers.villages.live import VillageChange, VillageTopic
from subscriptions.topics import LiveStream

TOPIC = "discussion"


async def record(
    session: AsyncSession, d: Discussion, kind: DiscussionEventKind, motion_id: int | None = None
) -> None:
    entry_id = await events.append(session, TOPIC, d.id, d.region_path)
    session.add(
        DiscussionEvent(
            id=entry_id, discussion_id=d.id, kind=kind, at=utcnow(), motion_id=motion_id
        )
    )


DiscussionChange = VillageChange[DiscussionEvent, Discussion]
DISCUSSIONS: VillageTopic[DiscussionEvent, Discussion] = VillageTopic(
    TOPIC, DiscussionEvent, Discussion, "discussion_id", DiscussionByIdLoader
)


@dataclass(frozen=True)
class DiscussionUpdates:
    """Every change of one discussion."""

    discussion_id: int
    topic: VillageTopic = DISCUSSIONS
    key: tuple = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", ("discussionUpdated", self.discussion_id))

    def matches(self, entry: LogEntry, subject: DiscussionChange) -> bool:
        return entry.subject_id == self.discussion_id

    def where(self) -> ColumnElement[bool]:
        return LogEntry.subject_id == self.discussion_id


async def discussion_updates(ctx: Context, discussion_id: str, after: str | None) -> LiveStream:
    ctx.require_viewer()
    cursor = None if after is None else decode_cursor(after)
    d = await readable_discussion(ctx, parse_id(discussion_id, "Discussion"))
    if d is None:
        raise not_found("id")
    return LiveStream(DiscussionUpdates(d.id), cursor)
