"""Changing deputies: the deputy rules for each step of `core.mutations.Work`."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.context import Context
from core.errors import ErrorCode, Forbidden, UserFailure, invalid, not_found
from core.mutations import Work
from models.accounts import Role, RoleGrant
from models.base import utcnow
from models.deputies import Deputy, RetiredCode
from resolvers.accounts import AccountByIdLoader
from resolvers.deputies import policy
from resolvers.deputies.codes import new_token, token_hash
from resolvers.regions import RegionByIdLoader

NAME_MAX = 50


async def _load(work: Work, pk: int, field: str = "id") -> Deputy:
    """The deputy as it is now (not from the request's loader cache: it is about to
    change), or NOT_FOUND."""
    async with work.ctx.db.sessions() as session:
        row = await session.get(Deputy, pk)
    return work.found(row, policy.can_read_deputy, field)


async def register(ctx: Context, input: Any) -> Deputy:
    """An official records a deputy's seat; the account gets the DEPUTY role on the
    constituency (if it has not), and the deputy a QR code."""
    work = Work(ctx)
    v = work.input
    account_id = v.id(input.account_id, "Account", "accountId")
    region_id = v.id(input.constituency_id, "Region", "constituencyId")
    name = v.text(input.name, "name", NAME_MAX, required=True)
    start: date = input.term_start
    end: date = input.term_end
    if end <= start:
        v.fail("termEnd", "term_order")
    v.done()
    region = await RegionByIdLoader(ctx).load(region_id)
    if region is None:
        raise not_found("constituencyId")
    account = await AccountByIdLoader(ctx).load(account_id)
    if account is None:
        raise not_found("accountId")
    level = input.congress_level
    if region.level.rank > level.region_level.rank:
        raise invalid("constituencyId", "constituency_level")
    if not policy.can_register(work.viewer, level, region):
        raise Forbidden()
    deputy = Deputy(
        account_id=account.id,
        name=name,
        congress_level=level,
        region_id=region.id,
        region_path=region.path,
        term_start=start,
        term_end=end,
        code_token=new_token(),
        code_issued_at=utcnow(),
    )

    async def write(session) -> Deputy:
        session.add(deputy)
        granted = await session.scalar(
            select(RoleGrant.id).where(
                RoleGrant.account_id == account.id,
                RoleGrant.role == Role.DEPUTY,
                RoleGrant.region_id == region.id,
            )
        )
        if granted is None:
            session.add(RoleGrant(account_id=account.id, role=Role.DEPUTY, region_id=region.id))
        await session.flush()
        return deputy

    try:
        return await work.commit(write)
    except IntegrityError:
        # The account sits in that congress already (unique account and level).
        raise invalid("accountId", "already_deputy") from None


async def rotate_code(ctx: Context, input: Any) -> Deputy:
    """A new QR token; the old one is retired (its scans are told it was replaced)."""
    work = Work(ctx)
    pk = work.input.id(input.id, "Deputy", "id")
    work.input.done()
    deputy = await _load(work, pk)
    if not policy.can_rotate_code(work.viewer, deputy):
        raise Forbidden()
    old, now = deputy.code_token, utcnow()

    async def write(session) -> Deputy:
        row = await session.get(Deputy, deputy.id)
        if row is None or row.code_token != old:  # rotated at the same moment: one wins
            raise UserFailure.of(ErrorCode.CONFLICT, "deputy_conflict", "id")
        session.add(RetiredCode(token_hash=token_hash(old), deputy_id=row.id, retired_at=now))
        row.code_token, row.code_issued_at = new_token(), now
        await session.flush()
        return row

    return await work.commit(write)
