"""Who is asking: passwords, tokens, and the viewer built from a bearer token."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from core.db import Reader
from models.accounts import Account, AuthToken, Role, RoleGrant
from models.base import utcnow
from models.regions import Region, RegionLevel

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-password")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists, so timing tells nothing."""

    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


@dataclass(frozen=True)
class Grant:
    role: Role
    region_id: int
    region_path: str
    region_level: RegionLevel


@dataclass
class Viewer:
    account: Account | None = None
    grants: list[Grant] = field(default_factory=list)
    token_hash: str | None = None
    token_expires_at: datetime | None = None

    @property
    def id(self) -> int | None:
        return self.account.id if self.account else None

    @property
    def signed_in(self) -> bool:
        return self.account is not None

    def is_(self, account_id: int | None) -> bool:
        """Whether this viewer is that account. Policies ask this, never compare `id`s:
        it is what lets `Audience` stand for many viewers at once."""
        return self.account is not None and account_id == self.account.id


ANONYMOUS = Viewer()


class IdentityNeeded(Exception):
    """Code asked an `Audience` who exactly it is: the answer depends on the one viewer."""


class Audience(Viewer):
    """Every viewer with these grants, rendered once for all of them (the live hub).

    Policies decide from the grants and from `is_(account)`. An audience answers `is_` with
    False and remembers which accounts it was asked about: a viewer that is none of them
    would have got the same answers, so the same output. Anything that needs the exact
    account (its id, the account row) raises `IdentityNeeded` and the caller renders for
    each viewer separately.
    """

    def __init__(self, grants: list[Grant], signed_in: bool = True) -> None:
        self.grants = grants
        self.token_hash = None
        self.token_expires_at = None
        self._signed_in = signed_in
        self.asked: set[int] = set()

    @property
    def account(self) -> Account | None:  # type: ignore[override]
        raise IdentityNeeded()

    @property
    def id(self) -> int | None:
        raise IdentityNeeded()

    @property
    def signed_in(self) -> bool:
        return self._signed_in

    def is_(self, account_id: int | None) -> bool:
        if account_id is not None:
            self.asked.add(account_id)
        return False


async def load_viewer(db: Reader, token: str | None) -> Viewer | None:
    """The viewer for a bearer token; None when the token is unknown, expired or revoked."""
    if not token:
        return ANONYMOUS
    digest = token_digest(token)
    row = await db.rows(
        select(Account, AuthToken.expires_at)
        .join(AuthToken, AuthToken.account_id == Account.id)
        .where(
            AuthToken.token_hash == digest,
            AuthToken.revoked_at.is_(None),
            AuthToken.expires_at > utcnow(),
        )
    )
    if not row:
        return None
    account, expires_at = row[0]
    return Viewer(
        account=account,
        grants=await load_grants(db, account.id),
        token_hash=digest,
        token_expires_at=expires_at,
    )


async def load_grants(db: Reader, account_id: int) -> list[Grant]:
    return (await load_grants_of(db, [account_id]))[account_id]


async def load_grants_of(db: Reader, account_ids: list[int]) -> dict[int, list[Grant]]:
    rows = await db.rows(
        select(RoleGrant.account_id, RoleGrant.role, Region.id, Region.path, Region.level)
        .join(Region, Region.id == RoleGrant.region_id)
        .where(RoleGrant.account_id.in_(account_ids))
        .order_by(RoleGrant.id)
    )
    grants: dict[int, list[Grant]] = {pk: [] for pk in account_ids}
    for account_id, *grant in rows:
        grants[account_id].append(Grant(*grant))
    return grants
