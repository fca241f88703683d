"""Accounts: loaders, sign-in and sign-out."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import func, select, update

from core.context import Context
from core.errors import ErrorCode, UserFailure, invalid
from core.identity import Viewer, hash_password, new_token, token_digest, verify_password
from core.loaders import Loader, by_key, group_by_key
from core.permissions import covers, is_admin
from models.accounts import Account, AuthToken, LoginFailure, Role, RoleGrant
from models.base import utcnow
from models.regions import Region

PHONE = re.compile(r"^\+?[0-9]{6,15}$")


class AccountByIdLoader(Loader[int, Account | None]):
    async def batch_load(self, keys):
        rows = await self.db.all(select(Account).where(Account.id.in_(keys)))
        return by_key(keys, rows, lambda a: a.id)


class GrantsByAccountIdLoader(Loader[int, list[tuple[Role, int, str]]]):
    """(role, region id, region path) of each grant an account holds."""

    async def batch_load(self, keys):
        rows = await self.db.rows(
            select(RoleGrant.account_id, RoleGrant.role, Region.id, Region.path)
            .join(Region, Region.id == RoleGrant.region_id)
            .where(RoleGrant.account_id.in_(keys))
            .order_by(RoleGrant.id)
        )
        grouped = group_by_key(keys, rows, lambda row: row[0])
        return [[tuple(row[1:]) for row in group] for group in grouped]


def can_see_account(viewer: Viewer, account_id: int, account_region_paths: Iterable[str]) -> bool:
    """Owners see their account (phone included); so do officials whose jurisdiction covers
    one of its regions. Others meet accounts only through what they may read (an issue)."""
    if viewer.is_(account_id) or is_admin(viewer):
        return True
    return any(covers(viewer, path) for path in account_region_paths)


async def may_look_up(ctx: Context, account: Account) -> bool:
    """The owner, and officials whose jurisdiction covers one of the account's regions."""
    grants = await GrantsByAccountIdLoader(ctx).load(account.id)
    return can_see_account(ctx.viewer, account.id, [path for _role, _region, path in grants])


async def phone_of(ctx: Context, account: Account) -> str | None:
    return account.phone if await may_look_up(ctx, account) else None


def check_phone(phone: str, field: str = "phone") -> str:
    phone = phone.strip().replace(" ", "")
    if not PHONE.match(phone):
        raise invalid(field, "bad_phone")
    return phone


async def login(ctx: Context, phone: str, password: str) -> tuple[str, Account]:
    phone = check_phone(phone)
    since = utcnow() - timedelta(hours=1)
    failures = await ctx.db.one(
        select(func.count()).where(LoginFailure.phone == phone, LoginFailure.at > since)
    )
    if failures >= ctx.settings.login_failures_per_hour:
        raise UserFailure.of(ErrorCode.RATE_LIMITED, "login_throttled")
    account = await ctx.db.one(select(Account).where(Account.phone == phone))
    if not await verify_password(account.password_hash if account else None, password):
        async with ctx.db.transaction() as session:
            session.add(LoginFailure(phone=phone))
        raise UserFailure.of(ErrorCode.INVALID_CREDENTIALS, "bad_credentials")
    token = new_token()
    async with ctx.db.transaction() as session:
        session.add(
            AuthToken(
                account_id=account.id,
                token_hash=token_digest(token),
                expires_at=utcnow() + timedelta(hours=ctx.settings.token_ttl_hours),
            )
        )
    return token, account


async def logout(ctx: Context, viewer: Viewer) -> bool:
    async with ctx.db.transaction() as session:
        await session.execute(
            update(AuthToken)
            .where(AuthToken.token_hash == viewer.token_hash, AuthToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    if ctx.live is not None and viewer.token_hash:
        ctx.live.revoked(viewer.token_hash)  # ends this token's live streams everywhere
    return True


async def create_account(session, phone: str, display_name: str, password: str) -> Account:
    """Used by the demo data and by tests; sign-up itself is a later feature."""
    account = Account(
        phone=phone, display_name=display_name, password_hash=await hash_password(password)
    )
    session.add(account)
    await session.flush()
    return account
