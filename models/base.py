"""Declarative base and the column types every table shares."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A region's materialised path (`/1/4/9/`), on regions and on every row that belongs to one.
# "Under a region" is the range `[path, path with its last "/" as "0")` (core.permissions):
# an index range scan, also in PostgreSQL's generic plans, where `LIKE :p || '%'` is opaque.
# Ranges need bytewise order, which PostgreSQL's default collations (en_US.UTF-8 ignores
# punctuation at first) do not promise: the column is COLLATE "C" there. SQLite compares
# bytes (BINARY) already.
RegionPath = String(255).with_variant(String(255, collation="C"), "postgresql")


def enum_column(cls: type[enum.Enum]) -> Enum:
    """A Python enum stored as its names in a VARCHAR (no native enum type: adding a value
    is then no migration of a type, on any backend)."""
    return Enum(cls, native_enum=False, length=24)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
