"""The deputy-message topic of the event log, and what `deputyInboxUpdated` listens to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, select
from sqlalchemy.sql import FromClause

from core.context import Context
from core.db import Database
from core.errors import Forbidden, not_found
from core.identity import Viewer
from core.ids import parse_id
from core.pagination import decode_cursor
from models.deputies import DeputyMessage, DeputyMessageEvent
from models.events import LogEntry
from resolvers.deputies import policy
from resolvers.deputies.loaders import DeputyMessageByIdLoader
from resolvers.deputies.mutations import TOPIC
from resolvers.deputies.queries import readable_deputy
from subscriptions.topics import LiveStream, LoaderScope


@dataclass(frozen=True)
class MessageChange:
    """What an entry of the topic is about: the history entry and its message."""

    event: DeputyMessageEvent
    message: DeputyMessage


class DeputyMessageTopic:
    name = TOPIC

    def source(self) -> FromClause:
        return LogEntry.__table__.join(
            DeputyMessageEvent.__table__, DeputyMessageEvent.id == LogEntry.id
        ).join(DeputyMessage.__table__, DeputyMessage.id == DeputyMessageEvent.message_id)

    async def load(self, db: Database, entries: Sequence[LogEntry]) -> dict[int, MessageChange]:
        rows = await db.rows(
            select(DeputyMessageEvent, DeputyMessage)
            .join(DeputyMessage, DeputyMessage.id == DeputyMessageEvent.message_id)
            .where(DeputyMessageEvent.id.in_([e.id for e in entries]))
            .execution_options(background=True)
        )
        return {event.id: MessageChange(event, message) for event, message in rows}

    def allowed(self, viewer: Viewer, subject: MessageChange) -> bool:
        return policy.can_handle_message(viewer, subject.message)

    def prime(self, scope: LoaderScope, subject: MessageChange) -> None:
        DeputyMessageByIdLoader(scope).prime(subject.message.id, subject.message)


MESSAGES = DeputyMessageTopic()


@dataclass(frozen=True)
class Inbox:
    """Every history entry of the messages in one deputy's box (a new message first)."""

    deputy_id: int
    topic: DeputyMessageTopic = MESSAGES
    key: tuple = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", ("deputyInboxUpdated", self.deputy_id))

    def matches(self, entry: LogEntry, subject: MessageChange) -> bool:
        return subject.message.deputy_id == self.deputy_id

    def where(self) -> ColumnElement[bool]:
        return DeputyMessage.deputy_id == self.deputy_id


async def inbox_updates(ctx: Context, deputy_id: str, after: str | None) -> LiveStream:
    """The deputy alone watches their inbox (FORBIDDEN to others; a deputy that does not
    exist is NOT_FOUND)."""
    viewer = ctx.require_viewer()
    cursor = None if after is None else decode_cursor(after)
    deputy = await readable_deputy(ctx, parse_id(deputy_id, "Deputy", "deputyId"))
    if deputy is None:
        raise not_found("deputyId")
    if not policy.can_read_inbox(viewer, deputy):
        raise Forbidden()
    return LiveStream(Inbox(deputy.id), cursor)
