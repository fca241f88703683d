"""Keyset pagination over one unique, ordered column; cursors are opaque."""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, case, false, func, select

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
    """One page of a list, with what Relay's PageInfo needs: whether items exist before the
    first and after the last item of the page (in the whole list, not only between the
    cursors), and how many items the whole list holds."""

    items: Sequence[T]
    keys: Sequence[int]
    has_next: bool
    total: int
    has_previous: bool = False


def window(start: int, end: int, first: int | None, last: int | None) -> tuple[int, int]:
    """Relay's cursor connections algorithm on positions: `[start, end)` is what lies between
    `after` and `before`; `first` keeps the head of it, then `last` the tail of that. With
    neither, the first DEFAULT_PAGE_SIZE. Returns the page as `[start, end)` of the list."""
    if first is None and last is None:
        first = DEFAULT_PAGE_SIZE
    if first is not None:
        end = min(end, start + page_size(first, "first"))
    if last is not None:
        start = max(start, end - page_size(last, "last"))
    return start, end


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
    seen = decode_cursor(after) if after is not None else None
    listed = stmt.order_by(None).subquery()
    column = listed.c[key.key]
    # The whole list's size, and whether anything lies before the page, in one statement.
    before_page = (
        (column >= seen if descending else column <= seen) if seen is not None else false()
    )
    counts = select(func.count(), func.coalesce(func.sum(case((before_page, 1), else_=0)), 0))
    total, earlier = (await db.rows(counts.select_from(listed)))[0]
    if seen is not None:
        stmt = stmt.where(key < seen if descending else key > seen)
    ordered = stmt.order_by(key.desc() if descending else key.asc())
    items = list(await db.all(ordered.limit(limit + 1))) if limit else []
    keys = [getattr(item, key.key) for item in items[:limit]]
    return Page(
        items=items[:limit],
        keys=keys,
        has_next=len(items) > limit,
        total=total,
        has_previous=earlier > 0,
    )


def slice_page(
    items: Sequence[T],
    key: str,
    first: int | None,
    after: str | None,
    *,
    last: int | None = None,
    before: str | None = None,
) -> Page:
    """A page of a list already in memory (e.g. loaded by a DataLoader) and sorted by `key`,
    ascending: `first`/`after` forward, `last`/`before` backward, as Relay's connection spec
    and Apollo's `relayStylePagination` expect. A cursor need not be in the list (its item
    may be gone): the page starts or ends where it would have been."""
    keys = [getattr(item, key) for item in items]
    start, end = 0, len(keys)
    if after is not None:
        start = bisect_right(keys, decode_cursor(after, "after"))
    if before is not None:
        end = max(start, bisect_left(keys, decode_cursor(before, "before")))
    start, end = window(start, end, first, last)
    return Page(
        items=list(items[start:end]),
        keys=keys[start:end],
        has_next=end < len(keys),
        has_previous=start > 0,
        total=len(keys),
    )
