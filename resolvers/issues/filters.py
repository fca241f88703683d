"""The SQL conditions of `IssueFilter`'s history fields: what an issue went through, and
how it met its deadline.

`issues(filter)` and `issueCounts(filter)` apply them (resolvers/issues/queries.py), and the
dashboards count with the very same expressions (resolvers/dashboards/queries.py), so a
figure and the list behind it cannot disagree. A reopened issue's stamps and rating are
cleared on its row (docs/architecture.md, "The issue lifecycle"); its history is not: the
first acceptance, latest resolution and rating and the levels escalated to are kept on the
row by `lifecycle.apply` with each event of the timeline (`Issue.first_accepted_at`, ...),
so they are read without a pass over the timeline.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, literal_column, or_

from core.sqlconst import constant_in
from models.issues import OPEN_STATUSES, Issue, IssueCategory, IssueStatus
from models.regions import RegionLevel

S = IssueStatus
# Resolved and not reopened since: the issues whose deadline is judged by their resolution.
FINISHED = (S.RESOLVED, S.CLOSED)
SATISFIED_RATINGS = (4, 5)
RATINGS = (1, 2, 3, 4, 5)
# "Now" in a condition: a time, or a parameter bound when the statement runs.
When = datetime | ColumnElement[datetime]


class DeadlineOutcome(enum.Enum):
    ON_TIME = "ON_TIME"
    LATE = "LATE"
    OVERDUE = "OVERDUE"


def level_bit(level: RegionLevel) -> int:
    """The bit of `Issue.escalated_levels` that stands for `level`."""
    return 1 << level.rank


def reported_since(start: When) -> ColumnElement[bool]:
    return Issue.created_at >= start


def reported_before(end: When) -> ColumnElement[bool]:
    return Issue.created_at < end


def ever_accepted() -> ColumnElement[bool]:
    """Accepted at least once (`acceptIssue`, or `assignIssue` on a waiting issue), at any
    level; a reopening does not undo it."""
    return Issue.first_accepted_at.is_not(None)


def ever_resolved() -> ColumnElement[bool]:
    return Issue.last_resolved_at.is_not(None)


def latest_rating_in(ratings: Iterable[int]) -> ColumnElement[bool]:
    """The reporter's latest rating (a low rating reopens the issue and clears `rating`, not
    `latest_rating`) is one of `ratings`."""
    return constant_in(Issue.latest_rating, ratings)


def escalated_to(levels: Iterable[RegionLevel]) -> ColumnElement[bool]:
    """Escalated at least once (`escalateIssue`, or the overdue sweep) to one of `levels`."""
    mask = 0
    for level in levels:
        mask |= level_bit(level)
    return escalated_mask(mask) != literal_column("0")


def escalated_mask(mask: int) -> ColumnElement[int]:
    return Issue.escalated_levels.op("&")(literal_column(str(int(mask))))


def overdue(now: When) -> ColumnElement[bool]:
    """Open, and its current level's deadline has passed."""
    return and_(Issue.due_at < now, constant_in(Issue.status, OPEN_STATUSES))


def deadline_outcome(outcome: DeadlineOutcome, now: When) -> ColumnElement[bool]:
    """ON_TIME / LATE: resolved (RESOLVED, or rated and CLOSED) by / after the deadline of
    the level that resolved it (issues resolved before deadlines were kept on resolution
    carry none, and count as on time); OVERDUE: open past its deadline now."""
    if outcome is DeadlineOutcome.OVERDUE:
        return overdue(now)
    finished = constant_in(Issue.status, FINISHED)
    if outcome is DeadlineOutcome.ON_TIME:
        return and_(finished, or_(Issue.due_at.is_(None), Issue.resolved_at <= Issue.due_at))
    return and_(finished, Issue.resolved_at > Issue.due_at)


def deadline_outcomes(outcomes: Iterable[DeadlineOutcome], now: When) -> ColumnElement[bool]:
    return or_(*(deadline_outcome(o, now) for o in dict.fromkeys(outcomes)))


@dataclass(frozen=True)
class FilterValue:
    """An `IssueFilter` built by the server (a dashboard figure's `filter`): the same
    attributes as the GraphQL input, so `issues`/`issue_counts` take either."""

    region_id: str | None = None
    statuses: tuple[IssueStatus, ...] | None = None
    categories: tuple[IssueCategory, ...] | None = None
    levels: tuple[RegionLevel, ...] | None = None
    overdue: bool | None = None
    assigned_to_me: bool = False
    reported_by_me: bool = False
    search: str | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    ever_accepted: bool | None = None
    ever_resolved: bool | None = None
    latest_ratings: tuple[int, ...] | None = None
    escalated_to: tuple[RegionLevel, ...] | None = None
    deadline_outcomes: tuple[DeadlineOutcome, ...] | None = None

    def but(self, **changes: Any) -> FilterValue:
        return replace(self, **changes)
