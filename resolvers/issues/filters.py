"""The SQL conditions of `IssueFilter`'s history fields: what an issue went through, read
from its timeline (`issue_events`), and how it met its deadline.

`issues(filter)` and `issueCounts(filter)` apply them (resolvers/issues/queries.py), and the
dashboards count with the very same expressions (resolvers/dashboards/queries.py), so a
figure and the list behind it cannot disagree. A reopened issue's stamps and rating are
cleared on its row (docs/architecture.md, "The issue lifecycle"); the timeline keeps them,
so "was it ever accepted", "its latest rating" and "was it escalated" are asked of the log.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from models.issues import (
    OPEN_STATUSES,
    Issue,
    IssueCategory,
    IssueEvent,
    IssueEventKind,
    IssueStatus,
)
from models.regions import RegionLevel

S = IssueStatus
K = IssueEventKind
# Resolved and not reopened since: the issues whose deadline is judged by their resolution.
FINISHED = (S.RESOLVED, S.CLOSED)
SATISFIED_RATINGS = (4, 5)
RATINGS = (1, 2, 3, 4, 5)


class DeadlineOutcome(enum.Enum):
    ON_TIME = "ON_TIME"
    LATE = "LATE"
    OVERDUE = "OVERDUE"


def accepted_event() -> ColumnElement[bool]:
    """An event that accepted the issue: SUBMITTED to ACCEPTED (`acceptIssue`, or
    `assignIssue` on an issue still waiting), at any level."""
    return and_(IssueEvent.from_status == S.SUBMITTED, IssueEvent.to_status == S.ACCEPTED)


def resolved_event() -> ColumnElement[bool]:
    return IssueEvent.kind == K.RESOLVED


def ever(event: ColumnElement[bool]) -> ColumnElement[bool]:
    """The issue's timeline holds an event meeting `event`."""
    return exists().where(IssueEvent.issue_id == Issue.id, event)


def latest_rating_in(ratings: Iterable[int]) -> ColumnElement[bool]:
    """The reporter's latest rating (the newest RATED event: a low rating reopens the issue
    and clears it from the row, not from the log) is one of `ratings`."""
    newer = aliased(IssueEvent)
    return exists().where(
        IssueEvent.issue_id == Issue.id,
        IssueEvent.kind == K.RATED,
        IssueEvent.rating.in_(list(ratings)),
        ~exists().where(
            newer.issue_id == IssueEvent.issue_id,
            newer.kind == K.RATED,
            newer.id > IssueEvent.id,
        ),
    )


def escalated_to(levels: Iterable[RegionLevel]) -> ColumnElement[bool]:
    """Escalated at least once (`escalateIssue`, or the overdue sweep) to one of `levels`."""
    return ever(and_(IssueEvent.kind == K.ESCALATED, IssueEvent.level.in_(list(levels))))


def overdue(now: datetime) -> ColumnElement[bool]:
    """Open, and its current level's deadline has passed."""
    return and_(Issue.due_at < now, Issue.status.in_(OPEN_STATUSES))


def deadline_outcome(outcome: DeadlineOutcome, now: datetime) -> ColumnElement[bool]:
    """ON_TIME / LATE: resolved (RESOLVED, or rated and CLOSED) by / after the deadline of
    the level that resolved it (issues resolved before deadlines were kept on resolution
    carry none, and count as on time); OVERDUE: open past its deadline now."""
    if outcome is DeadlineOutcome.OVERDUE:
        return overdue(now)
    finished = Issue.status.in_(FINISHED)
    if outcome is DeadlineOutcome.ON_TIME:
        return and_(finished, or_(Issue.due_at.is_(None), Issue.resolved_at <= Issue.due_at))
    return and_(finished, Issue.resolved_at > Issue.due_at)


def deadline_outcomes(outcomes: Iterable[DeadlineOutcome], now: datetime) -> ColumnElement[bool]:
    return or_(*(deadline_outcome(o, now) for o in dict.fromkeys(outcomes)))


def first_acceptance():
    """Per issue, its first acceptance (issue_id, at): a subquery to join."""
    return (
        select(IssueEvent.issue_id, func.min(IssueEvent.at).label("at"))
        .where(accepted_event())
        .group_by(IssueEvent.issue_id)
        .subquery("first_acceptance")
    )


def last_resolution():
    """Per issue, its latest resolution (issue_id, at): a subquery to join."""
    return (
        select(IssueEvent.issue_id, func.max(IssueEvent.at).label("at"))
        .where(resolved_event())
        .group_by(IssueEvent.issue_id)
        .subquery("last_resolution")
    )


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
