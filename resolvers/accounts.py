"""Accounts: loaders, sign-in and sign-out."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select, update

from core import throttle
from core.context import Context
from core.errors import ErrorCode, UserFailure, invalid
from core.identity import Viewer, hash_password, new_token, token_digest, verify_password
from core.loaders import Loader, by_key, group_by_key
from core.permissions import covers, is_admin
from core.throttle import Limit, source_key
from models.accounts import Account, AuthToken, Role, RoleGrant
from models.base import utcnow
from models.regions import Region

log = logging.getLogger("grassroots.accounts")
PHONE = re.compile(r"^\+?[0-9]{6,15}$")


class AccountByIdLoader(Loader[int, Account | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(Account).where(Account.id.in_(keys)))
        return by_key(keys, rows, lambda a: a.id)


class GrantsByAccountIdLoader(Loader[int, list[tuple[Role, int, str]]]):
    """(role, region id, region path) of each grant an account holds."""

    async def batch_load(self, keys):
        rows = await self.reads.rows(
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


def login_limits(ctx: Context, phone: str) -> list[tuple[Limit, str]]:
    """What a password check is counted against, in this order (`core.throttle`): failures
    for this phone from this source (the owner signing in from elsewhere is not locked out by
    a stranger's guesses), failures from this source whatever the phone (one source trying
    many phones), and every check from anywhere (a ceiling on the CPU spent hashing)."""
    settings, source = ctx.settings, source_key(ctx.source)
    per_phone = Limit("login.phone", settings.login_failures_per_hour, 3600, "login_throttled")
    per_source = Limit(
        "login.source", settings.login_source_failures_per_hour, 3600, "login_source_throttled"
    )
    checks = Limit("login.checks", settings.login_checks_per_minute, 60, "login_busy")
    return [(per_phone, f"{phone}@{source}"), (per_source, source), (checks, "all")]


async def login(ctx: Context, phone: str, password: str) -> tuple[str, Account]:
    phone = check_phone(phone)
    _notice_untrusted_proxy(ctx)
    # Counted before the hash, atomically: the attempt past a limit is refused unhashed, and
    # known and unknown phones take the same path (the same statements, one hash each).
    slots = await throttle.take_all(ctx.db, login_limits(ctx, phone))
    account = await ctx.reads.one(select(Account).where(Account.phone == phone))
    if not await verify_password(account.password_hash if account else None, password):
        raise UserFailure.of(ErrorCode.INVALID_CREDENTIALS, "bad_credentials")
    await throttle.give_back(ctx.db, slots[:2])  # not a failure (the check itself counted)
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


_proxy_warned = False


def _notice_untrusted_proxy(ctx: Context) -> None:
    """Behind a reverse proxy uvicorn must trust it (FORWARDED_ALLOW_IPS), or every client
    looks like the proxy and one stranger's failures would lock everyone out. Say so, once."""
    global _proxy_warned
    forwarded = ctx.request.headers.get("x-forwarded-for") if ctx.request is not None else None
    if _proxy_warned or not forwarded or not ctx.source:
        return
    if ctx.source not in (part.strip() for part in forwarded.split(",")):
        _proxy_warned = True
        log.warning(
            "X-Forwarded-For arrives from %s, which uvicorn does not trust: behind a reverse "
            "proxy set FORWARDED_ALLOW_IPS to its address, or sign-in throttles count every "
            "client as the proxy",
            ctx.source,
        )


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
