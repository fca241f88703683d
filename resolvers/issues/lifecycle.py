"""The one table of allowed transitions, and the single function that applies them.

Every change to an issue goes through `apply`: it checks the table, compare-and-sets the row
on its version (two officials, or two workers' sweeps, can never both win) and writes the
immutable `IssueEvent` in the same transaction.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import events
from core.errors import ErrorCode, Forbidden, UserFailure
from core.identity import Viewer
from models.base import utcnow
from models.issues import OPEN_STATUSES, Issue, IssueEvent, IssueEventKind, IssueStatus
from resolvers.issues import policy
from resolvers.issues.deadlines import Deadlines
from resolvers.issues.filters import level_bit

S = IssueStatus
K = IssueEventKind
LOW_RATING = 2  # ratings at or below this reopen the issue one level up


class Actor(enum.Enum):
    HANDLER = "handler"  # an official at the handling level or above, covering the region
    WORKER = "worker"  # a handler, or the STAFF member the issue is assigned to
    PARTY = "party"  # the reporter, or who filed for them
    REPORTER = "reporter"  # who speaks for the reporter (never the issue's own handler)
    SYSTEM = "system"  # the overdue sweep
    PARENT = "parent"  # passed on by the issue it is merged into (`merging.pass_on`)


@dataclass(frozen=True)
class Transition:
    kind: IssueEventKind
    moves: dict[IssueStatus, IssueStatus]
    actors: frozenset[Actor]
    level_up: bool = False


def _t(kind, moves, *actors, level_up=False) -> Transition:
    return Transition(kind, moves, frozenset(actors), level_up)


_OPEN_STAY = {s: s for s in (S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS)}

TRANSITIONS: dict[str, Transition] = {
    "accept": _t(K.ACCEPTED, {S.SUBMITTED: S.ACCEPTED}, Actor.HANDLER),
    "assign": _t(
        K.ASSIGNED,
        {S.SUBMITTED: S.ACCEPTED, S.ACCEPTED: S.ACCEPTED, S.IN_PROGRESS: S.IN_PROGRESS},
        Actor.HANDLER,
    ),
    "start": _t(K.STARTED, {S.ACCEPTED: S.IN_PROGRESS}, Actor.WORKER),
    "update": _t(K.UPDATED, _OPEN_STAY, Actor.WORKER, Actor.PARTY),
    "resolve": _t(K.RESOLVED, {S.ACCEPTED: S.RESOLVED, S.IN_PROGRESS: S.RESOLVED}, Actor.WORKER),
    "escalate": _t(
        K.ESCALATED,
        dict.fromkeys(_OPEN_STAY, S.SUBMITTED),
        Actor.HANDLER,
        Actor.SYSTEM,
        level_up=True,
    ),
    "reject": _t(K.REJECTED, {S.SUBMITTED: S.REJECTED, S.ACCEPTED: S.REJECTED}, Actor.HANDLER),
    "mark_duplicate": _t(K.MARKED_DUPLICATE, dict.fromkeys(_OPEN_STAY, S.DUPLICATE), Actor.HANDLER),
    "cancel": _t(K.CANCELLED, dict.fromkeys(_OPEN_STAY, S.CANCELLED), Actor.REPORTER),
    "rate": _t(K.RATED, {S.RESOLVED: S.CLOSED}, Actor.REPORTER),
    "rate_low": _t(K.RATED, {S.RESOLVED: S.SUBMITTED}, Actor.REPORTER, level_up=True),
    # A handler reopening keeps the level; the reporter reopening is an appeal, one level up,
    # so a rejection cannot be bounced back to the same desk for ever.
    "reopen": _t(
        K.REOPENED, dict.fromkeys((S.RESOLVED, S.CLOSED, S.REJECTED), S.SUBMITTED), Actor.HANDLER
    ),
    "appeal": _t(
        K.REOPENED,
        dict.fromkeys((S.RESOLVED, S.CLOSED, S.REJECTED), S.SUBMITTED),
        Actor.REPORTER,
        level_up=True,
    ),
    # Merging (resolvers/issues/merging.py): the group's issues, each recorded as it stands.
    "merge": _t(K.MERGED, _OPEN_STAY, Actor.HANDLER),
    "unmerge": _t(K.UNMERGED, _OPEN_STAY, Actor.HANDLER),  # a merged child, on its own again
    # What a merged child's parent passes on to it: nobody applies these to a child directly.
    "resolve_merged": _t(K.RESOLVED, dict.fromkeys(_OPEN_STAY, S.RESOLVED), Actor.PARENT),
    "reject_merged": _t(K.REJECTED, dict.fromkeys(_OPEN_STAY, S.REJECTED), Actor.PARENT),
}
# A merged child that is still open is worked through its parent: only notes and the
# reporter withdrawing it remain its own. Everything else is INVALID_TRANSITION.
MERGED_CHILD_ACTIONS = frozenset({"update", "cancel", "unmerge"})
# Cascades: what the parent's action passes on to each of its open children.
PASSED_ON = {"resolve": "resolve_merged", "reject": "reject_merged"}
REOPEN_WITHIN = timedelta(days=30)  # a CLOSED issue may be reopened this long after closing

_ACTOR_CHECKS = {
    Actor.REPORTER: policy.speaks_for_reporter,
    Actor.HANDLER: policy.can_handle,
    Actor.WORKER: policy.can_work,
    Actor.PARTY: policy.is_party,
}


def may_act(viewer: Viewer | None, issue: Issue, action: str) -> bool:
    """Whether this viewer (None: the system) is among the actors the action allows."""
    actors = TRANSITIONS[action].actors
    if viewer is None:
        return Actor.SYSTEM in actors
    return any(_ACTOR_CHECKS[a](viewer, issue) for a in actors if a in _ACTOR_CHECKS)


def held(issue: Issue) -> bool:
    """Merged into a parent and still open: worked through the parent."""
    return issue.parent_id is not None and issue.status in OPEN_STATUSES


def can_apply(viewer: Viewer, issue: Issue, action: str) -> bool:
    t = TRANSITIONS[action]
    if issue.status not in t.moves or not may_act(viewer, issue, action):
        return False
    if held(issue) and action not in MERGED_CHILD_ACTIONS:
        return False
    if action == "unmerge" and not held(issue):
        return False
    if action in ("reopen", "appeal"):
        return _reopenable(issue)
    return not (action == "escalate" and issue.level.above is None)


def check(viewer: Viewer | None, issue: Issue, action: str) -> None:
    """Raise FORBIDDEN for the wrong person, INVALID_TRANSITION for the wrong state."""
    if not may_act(viewer, issue, action):
        raise Forbidden()
    if issue.status not in TRANSITIONS[action].moves:
        raise UserFailure.of(
            ErrorCode.INVALID_TRANSITION, "invalid_transition", None, status=issue.status.value
        )
    if held(issue) and action not in MERGED_CHILD_ACTIONS:
        raise UserFailure.of(ErrorCode.INVALID_TRANSITION, "merged_child", None)
    if action == "unmerge" and not held(issue):
        raise UserFailure.of(ErrorCode.INVALID_TRANSITION, "not_merged", None)
    if action == "escalate" and issue.level.above is None:
        raise UserFailure.of(ErrorCode.INVALID_TRANSITION, "top_level", None)
    if action in ("reopen", "appeal") and not _reopenable(issue):
        raise UserFailure.of(ErrorCode.INVALID_TRANSITION, "reopen_window", None, days=30)


def _reopenable(issue: Issue) -> bool:
    if issue.status is not S.CLOSED or issue.closed_at is None:
        return True
    return utcnow() - issue.closed_at <= REOPEN_WITHIN


async def apply(
    session: AsyncSession,
    issue: Issue,
    action: str,
    *,
    actor_id: int | None,
    now: datetime,
    deadlines: Deadlines,
    note: str | None = None,
    rating: int | None = None,
    assignee_id: int | None = None,
    changes: dict | None = None,
    parent_id: int | None = None,
) -> IssueEvent:
    """Move `issue` by `action` (already `check`ed) and record the event; returns the event.
    `parent_id`: the parent a MERGED event names, or that passed this change on."""
    t = TRANSITIONS[action]
    to = t.moves[issue.status]
    level = issue.level
    if t.level_up and level.above is not None:
        level = level.above
    values: dict = {"status": to, "level": level, "version": issue.version + 1, **(changes or {})}
    # Back to square one at a level (escalated, reopened, appealed): a new deadline to accept,
    # and the old cycle's stamps and rating no longer describe the issue (the log keeps them).
    # A note on an issue still waiting (SUBMITTED -> SUBMITTED) changes none of that.
    restart = to is S.SUBMITTED and (issue.status is not S.SUBMITTED or level is not issue.level)
    if restart:
        values.update(
            level_since=now,
            accepted_at=None,
            resolved_at=None,
            closed_at=None,
            rating=None,
            rating_comment=None,
        )
    if level is not issue.level:
        values["assignee_id"] = None  # the new level decides who works it
    if restart and issue.parent_id is not None:
        values["parent_id"] = None  # a merged child reopened is its own issue again
    if to is S.ACCEPTED and issue.status is S.SUBMITTED:
        values["accepted_at"] = now
    elif to is S.RESOLVED:
        values["resolved_at"] = now
    elif to not in OPEN_STATUSES:
        values["closed_at"] = now
    if to is S.ACCEPTED and issue.status is S.SUBMITTED and issue.first_accepted_at is None:
        values["first_accepted_at"] = now
    if to is S.RESOLVED:
        values["last_resolved_at"] = now
    if rating is not None:
        values["latest_rating"] = rating
    if t.kind is K.ESCALATED:
        values["escalated_levels"] = (issue.escalated_levels or 0) | level_bit(level)
    if assignee_id is not None:
        values["assignee_id"] = assignee_id
    if rating is not None and not restart:  # a low rating reopens: it lives on in the log
        values["rating"] = rating
    if restart:
        values["due_at"] = now + deadlines.window(issue.category, level).accept
    else:
        values["due_at"] = _due(issue, to, now, deadlines)
    if values.get("parent_id", issue.parent_id) is not None and to in OPEN_STATUSES:
        values["due_at"] = None  # a merged child's deadline is its parent's
    elif values["due_at"] is None and to in OPEN_STATUSES:
        # Unmerged: on its own again, with its level's full time from now.
        window = deadlines.window(issue.category, level)
        values["due_at"] = now + (window.accept if to is S.SUBMITTED else window.resolve)

    result = await session.execute(
        update(Issue)
        .where(Issue.id == issue.id, Issue.version == issue.version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult, result).rowcount != 1:
        raise UserFailure.of(ErrorCode.CONFLICT, "conflict", "id")
    event = await append_event(
        session,
        IssueEvent(
            issue_id=issue.id,
            kind=t.kind,
            from_status=issue.status,
            to_status=to,
            from_level=issue.level,
            level=level,
            actor_id=actor_id,
            assignee_id=assignee_id,
            note=note,
            rating=rating,
            parent_id=parent_id,
            at=now,
        ),
        issue.region_path,
    )
    for key, value in values.items():
        setattr(issue, key, value)
    return event


def _due(issue: Issue, to: IssueStatus, now: datetime, deadlines: Deadlines):
    if to is S.ACCEPTED and issue.status is S.SUBMITTED:
        return now + deadlines.window(issue.category, issue.level).resolve
    # Resolving (and the rating that closes it) keeps the deadline the resolution met or
    # missed: the dashboards' on-time rate reads it (resolvers/issues/filters.py).
    if to in OPEN_STATUSES or to in (S.RESOLVED, S.CLOSED):
        return issue.due_at
    return None


async def open_issue(session: AsyncSession, issue: Issue, actor_id: int) -> IssueEvent:
    """Insert a new issue (already SUBMITTED, with its due date) and its REPORTED event."""
    session.add(issue)
    await session.flush()
    issue.number = f"{issue.created_at:%Y}-{issue.id:06d}"
    return await append_event(
        session,
        IssueEvent(
            issue_id=issue.id,
            kind=K.REPORTED,
            from_status=None,
            to_status=issue.status,
            from_level=None,
            level=issue.level,
            actor_id=actor_id,
            at=issue.created_at,
        ),
        issue.region_path,
    )


TOPIC = "issue"  # the event-log topic of issue events (see resolvers/issues/live.py)


async def append_event(session: AsyncSession, event: IssueEvent, region_path: str) -> IssueEvent:
    """Add an issue event to the timeline, under the id of its entry in the event log."""
    event.id = await events.append(session, TOPIC, event.issue_id, region_path)
    session.add(event)
    await session.flush()
    return event
