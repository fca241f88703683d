"""Per-request loaders for deputies: they load rows, never decide."""

from __future__ import annotations

from sqlalchemy import func, select

from core.loaders import ChildrenLoader, Loader, by_key
from models.deputies import (
    Deputy,
    DeputyMessage,
    DeputyMessageEvent,
    DeputyPhoto,
    DutyRecord,
    MessageStatus,
    RecordLink,
    RetiredCode,
)


class DeputyByIdLoader(Loader[int, Deputy | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(Deputy).where(Deputy.id.in_(keys)))
        return by_key(keys, rows, lambda d: d.id)


class DeputyByCodeLoader(Loader[str, Deputy | None]):
    """The deputy whose current QR token this is."""

    async def batch_load(self, keys):
        rows = await self.reads.all(select(Deputy).where(Deputy.code_token.in_(keys)))
        return by_key(keys, rows, lambda d: d.code_token)


class RetiredCodeByHashLoader(Loader[str, RetiredCode | None]):
    """A replaced token, by its SHA-256."""

    async def batch_load(self, keys):
        rows = await self.reads.all(select(RetiredCode).where(RetiredCode.token_hash.in_(keys)))
        return by_key(keys, rows, lambda r: r.token_hash)


class DeputyMessageByIdLoader(Loader[int, DeputyMessage | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(DeputyMessage).where(DeputyMessage.id.in_(keys)))
        return by_key(keys, rows, lambda m: m.id)


class MessageEventsByMessageIdLoader(ChildrenLoader[DeputyMessageEvent]):
    """Each message's whole history, oldest first (a few entries: received, read, replies,
    ...), for a page of messages in one statement."""

    entity = DeputyMessageEvent
    parent = DeputyMessageEvent.__table__.c.message_id


class InboxCountsByDeputyIdLoader(Loader[int, dict[MessageStatus, int]]):
    """How many messages each deputy's inbox holds per status: one GROUP BY for a page."""

    async def batch_load(self, keys):
        m = DeputyMessage
        rows = await self.reads.rows(
            select(m.deputy_id, m.status, func.count())
            .where(m.deputy_id.in_(keys))
            .group_by(m.deputy_id, m.status)
        )
        counts: dict[int, dict[MessageStatus, int]] = {k: {} for k in keys}
        for deputy_id, status, count in rows:
            counts[deputy_id][status] = count
        return [counts[k] for k in keys]


class DutyRecordByIdLoader(Loader[int, DutyRecord | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(DutyRecord).where(DutyRecord.id.in_(keys)))
        return by_key(keys, rows, lambda r: r.id)


class LinksByRecordIdLoader(ChildrenLoader[RecordLink]):
    """The issues and messages each record is about, for a page of records at once."""

    entity = RecordLink
    parent = RecordLink.__table__.c.record_id


class ProfilePhotoByDeputyIdLoader(Loader[int, DeputyPhoto | None]):
    """Each deputy's profile photo (their photo that belongs to no record)."""

    async def batch_load(self, keys):
        rows = await self.reads.all(
            select(DeputyPhoto)
            .where(DeputyPhoto.deputy_id.in_(keys), DeputyPhoto.record_id.is_(None))
            .order_by(DeputyPhoto.id)
        )
        return by_key(keys, rows, lambda p: p.deputy_id)  # the newest wins


class PhotosByRecordIdLoader(ChildrenLoader[DeputyPhoto]):
    entity = DeputyPhoto
    parent = DeputyPhoto.__table__.c.record_id
