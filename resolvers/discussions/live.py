"""The discussion topic of the event log, and what `discussionUpdated` listens to: opening,
comments, ballots (live tallies) and closing, for whoever may read the discussion
(members by their grants, followers asked with `viewer.is_`)."""

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
from models.discussions import Discussion, DiscussionEvent, DiscussionEventKind
from models.events import LogEntry
from models.villages import Follow
from resolvers.discussions.loaders import DiscussionByIdLoader
from resolvers.discussions.queries import readable_discussion
from resolvers.villages import policy as villages
from subscriptions.topics import LiveStream, LoaderScope

TOPIC = "discussion"


async def record(session: AsyncSession, d: Discussion, kind: DiscussionEventKind) -> None:
    entry_id = await events.append(session, TOPIC, d.id, d.region_path)
    session.add(DiscussionEvent(id=entry_id, discussion_id=d.id, kind=kind, at=utcnow()))


@dataclass(frozen=True)
class DiscussionChange:
    event: DiscussionEvent
    discussion: Discussion
    followers: frozenset[int]


class DiscussionTopic:
    name = TOPIC

    def source(self) -> FromClause:
        return LogEntry.__table__.join(DiscussionEvent.__table__, DiscussionEvent.id == LogEntry.id)

    async def load(self, db: Database, entries: Sequence[LogEntry]) -> dict[int, DiscussionChange]:
        rows = list(
            await db.rows(
                select(DiscussionEvent, Discussion)
                .join(Discussion, Discussion.id == DiscussionEvent.discussion_id)
                .where(DiscussionEvent.id.in_([e.id for e in entries]))
                .execution_options(background=True)
            )
        )
        villages_of = {d.village_id for _, d in rows}
        follows = await db.rows(
            select(Follow.village_id, Follow.account_id)
            .where(Follow.village_id.in_(villages_of))
            .execution_options(background=True)
        )
        followers: dict[int, set[int]] = {v: set() for v in villages_of}
        for village_id, account_id in follows:
            followers[village_id].add(account_id)
        return {
            event.id: DiscussionChange(event, d, frozenset(followers[d.village_id]))
            for event, d in rows
        }

    def allowed(self, viewer: Viewer, subject: DiscussionChange) -> bool:
        d = subject.discussion
        if villages.is_member(viewer, d.region_path):
            return True
        followed = {d.village_id} if any(map(viewer.is_, subject.followers)) else set()
        return villages.can_read_feed(viewer, d.region_path, d.village_id, followed)

    def prime(self, scope: LoaderScope, subject: DiscussionChange) -> None:
        DiscussionByIdLoader(scope).prime(subject.discussion.id, subject.discussion)


DISCUSSIONS = DiscussionTopic()


@dataclass(frozen=True)
class DiscussionUpdates:
    """Every change of one discussion."""

    discussion_id: int
    topic: DiscussionTopic = DISCUSSIONS
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
