"""Per-request loaders for issues and what hangs off them."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import aliased

from core.loaders import Loader, by_key, group_by_key
from core.pagination import DEFAULT_PAGE_SIZE, Page, known
from models.issues import Issue, IssueEvent, Photo


class IssueByIdLoader(Loader[int, Issue | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(Issue).where(Issue.id.in_(keys)))
        return by_key(keys, rows, lambda i: i.id)


class Span(NamedTuple):
    """Which part of a timeline a field asks for: Relay's arguments, cursors decoded."""

    first: int | None = None
    after: int | None = None
    last: int | None = None
    before: int | None = None


class TimelinePageByIssueIdLoader(Loader[tuple[int, Span], Page]):
    """A page of each issue's timeline, cut in the database: a window numbers each issue's
    events, Relay's algorithm (`core.pagination.window`) runs on those numbers in SQL, and
    only the page's rows come back: `timeline(last: 3)` fetches 3 events per issue however
    long its timeline. One statement per distinct `Span` (usually one for a whole page)."""

    async def batch_load(self, keys):
        issue_ids: dict[Span, list[int]] = defaultdict(list)
        for issue_id, span in keys:
            issue_ids[span].append(issue_id)
        pages: dict[tuple[int, Span], Page] = {}
        for span, ids in issue_ids.items():
            for issue_id, page in (await self._pages(span, ids)).items():
                pages[issue_id, span] = page
        return [pages.get(key) or _EMPTY for key in keys]

    async def _pages(self, span: Span, issue_ids: list[int]) -> dict[int, Page]:
        e = IssueEvent
        whole: dict[str, Any] = {"partition_by": e.issue_id}  # the issue's whole timeline
        numbered = select(
            e,
            func.row_number().over(order_by=e.id, **whole).label("position"),
            func.count().over(**whole).label("total"),
            # Relay's [start, end) between the cursors, as positions.
            (literal(0) if span.after is None else _count(e.id <= span.after, whole)).label(
                "start"
            ),
            (
                func.count().over(**whole)
                if span.before is None
                else _count(e.id < span.before, whole)
            ).label("end"),
        ).where(e.issue_id.in_(issue_ids))
        n = numbered.subquery()
        start: ColumnElement[int] = n.c.start
        end = _greatest(n.c.end, n.c.start)
        first = DEFAULT_PAGE_SIZE if span.first is None and span.last is None else span.first
        if first is not None:
            end = _least(end, start + first)
        if span.last is not None:
            start = _greatest(start, end - span.last)
        position = n.c.position
        # The page's rows; and for an empty page one row outside it, to carry the totals.
        rows = await self.reads.rows(
            select(aliased(IssueEvent, n), position, n.c.total, start, end)
            .where(((position > start) & (position <= end)) | (position == _greatest(end, 1)))
            .order_by(n.c.id)
        )
        pages: dict[int, Page] = {}
        for event, pos, total, first_at, end_at in rows:
            page = pages.get(event.issue_id)
            if page is None:
                page = pages[event.issue_id] = Page(
                    items=[],
                    keys=[],
                    has_next=end_at < total,
                    total=known(total),
                    has_previous=first_at > 0,
                )
            if first_at < pos <= end_at:
                page.items.append(event)  # type: ignore[attr-defined]
                page.keys.append(event.id)  # type: ignore[attr-defined]
        return pages


_EMPTY: Page = Page(items=[], keys=[], has_next=False, total=known(0))


def _count(cond: ColumnElement[bool], window: dict[str, Any]) -> ColumnElement[int]:
    """How many of the issue's events meet `cond`."""
    return func.sum(case((cond, 1), else_=0)).over(**window)


def _least(a, b) -> ColumnElement:
    return case((a < b, a), else_=b)


def _greatest(a, b) -> ColumnElement:
    return case((a > b, a), else_=b)


class PhotosByIssueIdLoader(Loader[int, list[Photo]]):
    async def batch_load(self, keys):
        rows = await self.reads.all(
            select(Photo).where(Photo.issue_id.in_(keys)).order_by(Photo.id)
        )
        return group_by_key(keys, rows, lambda p: p.issue_id)


class PhotosByEventIdLoader(Loader[tuple[int, int], list[Photo]]):
    """An event's photos, keyed `(issue_id, event_id)`: taken from the issue's photos
    (`PhotosByIssueIdLoader`), so a page showing both loads each photo once."""

    async def batch_load(self, keys):
        of_issue = await PhotosByIssueIdLoader(self.context).load_many([i for i, _ in keys])
        return [
            [p for p in photos if p.event_id == event_id]
            for (_, event_id), photos in zip(keys, of_issue, strict=True)
        ]
