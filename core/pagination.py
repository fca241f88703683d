"""Keyset pagination over one unique, ordered column; cursors are opaque."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from core.db import Database
from core.errors import BadRequest
from core.ids import MAX_PK

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
T = TypeVar("T")


def encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"k:{key}".encode()).decode()


def decode_cursor(cursor: str, field: str = "after") -> int:
    try:
        prefix, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        key = int(value)
        if prefix != "k" or not 0 <= key <= MAX_PK:
            raise ValueError(cursor)
        return key
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("bad_cursor", field=field) from None


def page_size(first: int | None, field: str = "first") -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0:
        raise BadRequest("negative", field=field)
    if first > MAX_PAGE_SIZE:
        raise BadRequest("page_size", field=field, max=MAX_PAGE_SIZE)
    return first


@dataclass
class Page(Generic[T]):
    items: Sequence[T]
    keys: Sequence[int]
    has_next: bool
    total: int


async def paginate(
    db: Database,
    stmt: Select,
    key: Any,
    *,
    first: int | None,
    after: str | None,
    descending: bool = False,
) -> Page:
    """`stmt` selects one entity; `key` is its unique ordering column (e.g. `Issue.id`)."""
    limit = page_size(first)
    total = (await db.all(select(func.count()).select_from(stmt.order_by(None).subquery())))[0]
    if after is not None:
        last = decode_cursor(after)
        stmt = stmt.where(key < last if descending else key > last)
    ordered = stmt.order_by(key.desc() if descending else key.asc())
    items = list(await db.all(ordered.limit(limit + 1))) if limit else []
    keys = [getattr(item, key.key) for item in items[:limit]]
    return Page(items=items[:limit], keys=keys, has_next=len(items) > limit, total=total)


def slice_page(items: Sequence[T], key: str, first: int | None, after: str | None) -> Page:
    """The same page semantics over a list already in memory (e.g. loaded by a DataLoader)."""
    limit = page_size(first)
    start = 0
    if after is not None:
        last = decode_cursor(after)
        start = next((i for i, item in enumerate(items) if getattr(item, key) > last), len(items))
    chunk = list(items[start : start + limit])
    return Page(
        items=chunk,
        keys=[getattr(item, key) for item in chunk],
        has_next=start + limit < len(items),
        total=len(items),
    )
