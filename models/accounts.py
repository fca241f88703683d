"""People, their role grants on regions, and their sign-in tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class Role(enum.Enum):
    RESIDENT = "RESIDENT"
    GRID_HEAD = "GRID_HEAD"
    VILLAGE_OFFICIAL = "VILLAGE_OFFICIAL"
    TOWNSHIP_OFFICIAL = "TOWNSHIP_OFFICIAL"
    COUNTY_OFFICIAL = "COUNTY_OFFICIAL"
    STAFF = "STAFF"
    DEPUTY = "DEPUTY"
    ADMIN = "ADMIN"


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoleGrant(Base):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("account_id", "role", "region_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=24))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)


class AuthToken(Base):
    """A sign-in token; only its SHA-256 is stored, so a database leak leaks no tokens."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Throttle(Base):
    """How often something happened in one window of time, for one key (`core.throttle`):
    failed sign-ins per phone and source, per source, password checks overall, reports per
    resident. Bumped with one atomic statement, so concurrent requests cannot overshoot."""

    __tablename__ = "throttles"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    # The window's start in Unix seconds (a multiple of the window's length).
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    count: Mapped[int] = mapped_column(Integer)
