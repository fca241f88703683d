"""Keyset pagination over one unique, ordered column, or a composite key (a tuple of
columns whose values together are unique, e.g. a feed's `(pin, id)`); cursors are opaque."""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left, bisect_right
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from sqlalchemy import ColumnElement, Select, case, false, func, literal, select, tuple_
from sqlalchemy.orm import aliased

from core.db import Reader
from core.errors import BadRequest
from core.ids import MAX_PK

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
T = TypeVar("T")


def encode_cursor(key: int | tuple[int, ...]) -> str:
    text = ",".join(str(k) for k in key) if isinstance(key, tuple) else str(key)
    return base64.urlsafe_b64encode(f"k:{text}".encode()).decode()


def decode_cursor(cursor: str, field: str = "after") -> int:
    (key,) = decode_keys(cursor, 1, field)
    return key


def decode_keys(cursor: str, size: int, field: str = "after") -> tuple[int, ...]:
    """The `size` numbers of a cursor (one for a plain key); VALIDATION at `field` if it is
    not a cursor of that shape."""
    try:
        prefix, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        keys = tuple(int(part) for part in value.split(","))
        if prefix != "k" or len(keys) != size or not all(0 <= k <= MAX_PK for k in keys):
            raise ValueError(cursor)
        return keys
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
    cursors). How many items the whole list holds is `total()`, counted only when a client
    asks for `totalCount` (a count of a county's issues costs more than the page)."""

    items: Sequence[T]
    keys: Sequence[Any]  # each item's key: an int, or a tuple for a composite key
    has_next: bool
    total: Callable[[], Awaitable[int]]
    has_previous: bool = False


def known(count: int) -> Callable[[], Awaitable[int]]:
    """`Page.total` of a list whose size is already known."""

    async def total() -> int:
        return count

    return total


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
    reads: Reader,
    stmt: Select,
    key: Any,
    *,
    first: int | None,
    after: str | None,
    descending: bool = False,
) -> Page:
    """`stmt` selects one entity; `key` is its unique ordering column (e.g. `Issue.id`), or
    a tuple of integer columns ordered together (a row-value comparison, `(pin, id) < (1, 9)`,
    which an index on those columns serves; cursors then carry every value).

    One statement: the page (keyset: `key` beyond the cursor, one row more than asked, to
    know whether more follow) and, after a cursor, whether the list holds anything up to
    it (an uncorrelated EXISTS: evaluated once). The count is a statement of its own, run
    only when `Page.total()` is awaited."""
    limit = page_size(first)
    columns = key if isinstance(key, tuple) else (key,)
    ordered = tuple_(*columns) if len(columns) > 1 else columns[0]
    seen: Any = None
    if after is not None:
        seen = decode_keys(after, len(columns))
        seen = tuple_(*(literal(v, c.type) for v, c in zip(seen, columns, strict=True)))
        seen = seen if len(columns) > 1 else seen.clauses[0]
    page, earlier = stmt, None
    if seen is not None:
        earlier = stmt.where(ordered >= seen if descending else ordered <= seen).exists()
        page = stmt.where(ordered < seen if descending else ordered > seen)
    page = page.add_columns((earlier if earlier is not None else false()).label("earlier"))
    if len(columns) > 1:
        page = page.add_columns(*(c.label(f"key_{n}") for n, c in enumerate(columns)))
    page = page.order_by(*(c.desc() if descending else c.asc() for c in columns))
    page = page.limit(limit + 1)
    rows = list(await reads.rows(page)) if limit else []
    if rows:
        has_previous = bool(rows[0][1])
    elif earlier is not None:  # nothing on the page to carry the answer: ask on its own
        has_previous = bool(await reads.one(select(earlier)))
    else:
        has_previous = False
    items = [row[0] for row in rows[:limit]]

    async def total() -> int:
        counted = stmt.with_only_columns(func.count(), maintain_column_froms=True)
        return int(await reads.one(counted.order_by(None)))

    return Page(
        items=items,
        keys=[
            tuple(int(value) for value in row[2:])
            if len(columns) > 1
            else getattr(row[0], columns[0].key)
            for row in rows[:limit]
        ],
        has_next=len(rows) > limit,
        total=total,
        has_previous=has_previous,
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
        total=known(len(keys)),
    )


class Span(NamedTuple):
    """Which part of a child list a field asks for: Relay's arguments, cursors decoded (a
    loader key: equal spans share one statement)."""

    first: int | None = None
    after: int | None = None
    last: int | None = None
    before: int | None = None


def span(
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Span:
    """The field's arguments checked (VALIDATION at the one at fault) and decoded."""
    return Span(
        first=None if first is None else page_size(first, "first"),
        after=None if after is None else decode_cursor(after, "after"),
        last=None if last is None else page_size(last, "last"),
        before=None if before is None else decode_cursor(before, "before"),
    )


async def pages_by_parent(
    reads: Reader, entity: Any, parent: Any, parents: Sequence[int], span: Span, *where: Any
) -> dict[int, Page]:
    """A page of each parent's children (`entity` rows whose `parent` column is one of
    `parents`, and `where`), ordered by id, cut in the database: a window numbers each
    parent's children, Relay's algorithm (`window`) runs on those numbers in SQL, and only
    the page's rows come back (`last: 3` fetches 3 per parent however many there are), plus,
    for an empty page, one row outside it to carry the totals. One statement. A parent
    without children has no entry."""
    whole: dict[str, Any] = {"partition_by": parent}
    numbered = select(
        entity,
        func.row_number().over(order_by=entity.id, **whole).label("position"),
        func.count().over(**whole).label("total"),
        # Relay's [start, end) between the cursors, as positions.
        (literal(0) if span.after is None else _count(entity.id <= span.after, whole)).label(
            "start"
        ),
        (
            func.count().over(**whole)
            if span.before is None
            else _count(entity.id < span.before, whole)
        ).label("end"),
    ).where(parent.in_(parents), *where)
    n = numbered.subquery()
    start: ColumnElement[int] = n.c.start
    end = _greatest(n.c.end, n.c.start)
    first = DEFAULT_PAGE_SIZE if span.first is None and span.last is None else span.first
    if first is not None:
        end = _least(end, start + first)
    if span.last is not None:
        start = _greatest(start, end - span.last)
    position = n.c.position
    rows = await reads.rows(
        select(aliased(entity, n), position, n.c.total, start, end)
        .where(((position > start) & (position <= end)) | (position == _greatest(end, 1)))
        .order_by(n.c.id)
    )
    pages: dict[int, Page] = {}
    for child, at, total, first_at, end_at in rows:
        page = pages.get(getattr(child, parent.key))
        if page is None:
            page = pages[getattr(child, parent.key)] = Page(
                items=[],
                keys=[],
                has_next=end_at < total,
                total=known(total),
                has_previous=first_at > 0,
            )
        if first_at < at <= end_at:
            page.items.append(child)  # type: ignore[attr-defined]
            page.keys.append(child.id)  # type: ignore[attr-defined]
    return pages


EMPTY: Page = Page(items=[], keys=[], has_next=False, total=known(0))


def _count(cond: ColumnElement[bool], window: dict[str, Any]) -> ColumnElement[int]:
    """How many of the parent's children meet `cond`."""
    return func.sum(case((cond, 1), else_=0)).over(**window)


def _least(a, b) -> ColumnElement:
    return case((a < b, a), else_=b)


def _greatest(a, b) -> ColumnElement:
    return case((a > b, a), else_=b)
