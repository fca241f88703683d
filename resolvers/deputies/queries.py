"""Reading deputies: one by ID or by its QR token, and filtered pages."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from core.context import Context
from core.errors import BadRequest, Forbidden
from core.identity import Viewer
from core.ids import parse_id
from core.pagination import Page, paginate
from core.permissions import readable, under
from models.deputies import Deputy, DeputyMessage, DutyRecord, MessageStatus, RecordKind
from resolvers.deputies import policy
from resolvers.deputies.codes import TOKEN_MAX, CodeNotFound, token_hash
from resolvers.deputies.loaders import (
    DeputyByCodeLoader,
    DeputyByIdLoader,
    DeputyMessageByIdLoader,
    DutyRecordByIdLoader,
    RetiredCodeByHashLoader,
)
from resolvers.deputies.performance import PerformanceFile, performance_file
from resolvers.regions import require_region


async def deputy(ctx: Context, deputy_id: str) -> Deputy | None:
    """The deputy, or null when there is none (profiles are public)."""
    return await readable_deputy(ctx, parse_id(deputy_id, "Deputy"))


async def readable_deputy(ctx: Context, pk: int) -> Deputy | None:
    row = await DeputyByIdLoader(ctx).load(pk)
    return readable(ctx.viewer, row, policy.can_read_deputy)


async def deputy_by_code(ctx: Context, token: str, field: str = "token") -> Deputy:
    """Whose message box a scanned code opens; `CodeNotFound` at `field`, worded for a
    replaced code or an unknown one."""
    if 0 < len(token) <= TOKEN_MAX:
        row = await DeputyByCodeLoader(ctx).load(token)
        if row is not None:
            return row
        if await RetiredCodeByHashLoader(ctx).load(token_hash(token)) is not None:
            raise CodeNotFound("deputy_code_rotated", field=field)
    raise CodeNotFound(field=field)


async def deputies(ctx: Context, flt: Any, first: int | None, after: str | None) -> Page:
    """`flt` is a DeputyFilter (any object with its attributes), or None. In ID order."""
    stmt = select(Deputy).where(policy.visible_deputies(ctx.viewer))
    if flt is not None:
        if flt.region_id is not None:
            region = await require_region(ctx, flt.region_id, "filter.regionId")
            stmt = stmt.where(under(Deputy.region_path, region.path))
        if flt.representing is not None:
            # Constituencies that contain the region: its own path and its ancestors'.
            place = await require_region(ctx, flt.representing, "filter.representing")
            parts = place.path.strip("/").split("/")
            ancestors = ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]
            stmt = stmt.where(Deputy.region_path.in_(ancestors))
        if flt.congress_levels:
            stmt = stmt.where(Deputy.congress_level.in_(flt.congress_levels))
    page = await paginate(ctx.reads, stmt, Deputy.id, first=first, after=after)
    DeputyByIdLoader(ctx).prime_many({row.id: row for row in page.items})
    return page


async def message(ctx: Context, message_id: str, receipt: str | None) -> DeputyMessage | None:
    """A message, for the deputy and its signed-in sender, or for whoever holds its receipt
    (a sender without an account); null otherwise, as if there were none."""
    row = await DeputyMessageByIdLoader(ctx).load(parse_id(message_id, "DeputyMessage"))
    return readable_message(ctx.viewer, row, receipt)


def readable_message(
    viewer: Viewer, row: DeputyMessage | None, receipt: str | None
) -> DeputyMessage | None:
    if row is not None and receipt is not None and holds_receipt(row, receipt):
        return row
    return readable(viewer, row, policy.can_read_message)


def holds_receipt(row: DeputyMessage, receipt: str) -> bool:
    return 0 < len(receipt) <= TOKEN_MAX and hmac.compare_digest(
        row.receipt_hash, token_hash(receipt)
    )


async def inbox(
    ctx: Context,
    deputy: Deputy,
    statuses: Sequence[MessageStatus] | None,
    first: int | None,
    after: str | None,
) -> Page:
    """The deputy's messages, newest first (the deputy alone: others are FORBIDDEN)."""
    viewer = ctx.require_viewer()
    if not policy.can_read_inbox(viewer, deputy):
        raise Forbidden()
    stmt = select(DeputyMessage).where(
        DeputyMessage.deputy_id == deputy.id, policy.visible_messages(viewer)
    )
    if statuses:
        stmt = stmt.where(DeputyMessage.status.in_(statuses))
    page = await paginate(
        ctx.reads, stmt, DeputyMessage.id, first=first, after=after, descending=True
    )
    DeputyMessageByIdLoader(ctx).prime_many({row.id: row for row in page.items})
    return page


async def sent_messages(ctx: Context, first: int | None, after: str | None) -> Page:
    """What the signed-in viewer left in deputies' boxes, newest first."""
    viewer = ctx.require_viewer()
    stmt = select(DeputyMessage).where(
        DeputyMessage.sender_id == viewer.id, policy.visible_messages(viewer)
    )
    page = await paginate(
        ctx.reads, stmt, DeputyMessage.id, first=first, after=after, descending=True
    )
    DeputyMessageByIdLoader(ctx).prime_many({row.id: row for row in page.items})
    return page


async def records(
    ctx: Context,
    deputy: Deputy,
    kinds: Sequence[RecordKind] | None,
    first: int | None,
    after: str | None,
) -> Page:
    """The deputy's duty records, newest first: for the deputy and the officials covering the
    constituency (FORBIDDEN to others)."""
    viewer = ctx.require_viewer()
    if not policy.can_read_records(viewer, deputy):
        raise Forbidden()
    stmt = select(DutyRecord).where(
        DutyRecord.deputy_id == deputy.id, policy.visible_records(viewer)
    )
    if kinds:
        stmt = stmt.where(DutyRecord.kind.in_(kinds))
    page = await paginate(ctx.reads, stmt, DutyRecord.id, first=first, after=after, descending=True)
    DutyRecordByIdLoader(ctx).prime_many({row.id: row for row in page.items})
    return page


async def performance(ctx: Context, deputy: Deputy, start: date, end: date) -> PerformanceFile:
    viewer = ctx.require_viewer()
    if not policy.can_read_records(viewer, deputy):
        raise Forbidden()
    if start > end:
        raise BadRequest("period_order", field="from")
    return await performance_file(ctx.reads, deputy, start, end)
