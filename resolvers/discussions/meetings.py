"""Running a decision meeting (议事会): attendance, motions and their ballots, minutes.

Each is a `core.mutations.Work` like the other discussion mutations. Writes lock the row
they depend on (the meeting's discussion, or the motion) so that two requests cannot both
pass a check the other invalidates: two check-ins of one account, a ballot landing after
its motion's close, a motion opened while the meeting closes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.errors import ErrorCode, Forbidden, UserFailure, not_found
from core.identity import Viewer, load_grants
from core.loaders import present
from core.mutations import Work
from models.base import utcnow
from models.discussions import (
    Attendance,
    Discussion,
    DiscussionEventKind,
    DiscussionKind,
    Meeting,
    MinutesRevision,
    Motion,
    MotionChoice,
    MotionResult,
    MotionVote,
)
from resolvers.accounts import AccountByIdLoader
from resolvers.discussions import live, policy
from resolvers.discussions.mutations import _load
from resolvers.villages.loaders import FollowedByAccountIdLoader
from resolvers.villages.queries import followed

MOTION_TITLE_MAX, MOTION_BODY_MAX = 200, 5000


def _transition(key: str, field: str, **params: object) -> UserFailure:
    return UserFailure.of(ErrorCode.INVALID_TRANSITION, key, field, **params)


async def _meeting(work: Work, pk: int, field: str) -> Discussion:
    """The meeting, readable (NOT_FOUND at `field` otherwise), still open."""
    d = await _load(work, pk, field)
    if d.kind is not DiscussionKind.MEETING:
        raise UserFailure.of(ErrorCode.VALIDATION, "not_a_meeting", field)
    if d.closed_at is not None:
        raise _transition("meeting_closed", field)
    return d


async def _locked_meeting(session: AsyncSession, pk: int, field: str) -> Discussion:
    row = await session.get(Discussion, pk, with_for_update=True, populate_existing=True)
    if row is None or row.closed_at is not None:
        raise _transition("meeting_closed", field)
    return row


async def _locked_motion(session: AsyncSession, pk: int) -> Motion:
    return present(await session.get(Motion, pk, with_for_update=True, populate_existing=True))


def passes(tally: dict[MotionChoice, int]) -> bool:
    """A motion passes when more than half of the ballots cast are FOR (an abstention is a
    ballot cast, so it weighs like AGAINST); no ballots, or a tie, fails."""
    return tally.get(MotionChoice.FOR, 0) * 2 > sum(tally.values())


async def check_in(ctx: Context, input: Any) -> tuple[Attendance, Discussion]:
    """An expected attendee checks in; an official records someone present in person."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.discussion_id, "Discussion", "discussionId")
    attendee_pk = v.id(input.attendee_id, "Account", "attendeeId")
    v.done()
    d = await _meeting(work, pk, "discussionId")
    field = "discussionId"
    if attendee_pk is None or work.viewer.is_(attendee_pk):
        attendee_pk = work.account_id
        if not policy.is_expected(work.viewer, d, await followed(ctx)):
            raise Forbidden("not_an_attendee")
    else:
        field = "attendeeId"
        if not policy.can_run_meeting(work.viewer, d):
            raise Forbidden()
        account = await AccountByIdLoader(ctx).load(attendee_pk)
        # A missing account and one not expected get the same answer.
        someone = Viewer(account=account, grants=await load_grants(ctx.reads, attendee_pk))
        marks = await FollowedByAccountIdLoader(ctx).load(attendee_pk)
        if account is None or not policy.is_expected(someone, d, marks):
            raise UserFailure.of(ErrorCode.VALIDATION, "not_expected", field)
    row = Attendance(
        discussion_id=d.id, account_id=attendee_pk, recorded_by_id=work.account_id, at=utcnow()
    )

    async def write(session: AsyncSession) -> Attendance:
        meeting = await _locked_meeting(session, d.id, "discussionId")
        there = await session.scalar(
            select(Attendance.id).where(
                Attendance.discussion_id == d.id, Attendance.account_id == attendee_pk
            )
        )
        if there is not None:
            raise UserFailure.of(ErrorCode.CONFLICT, "already_attending", field)
        session.add(row)
        await session.flush()
        await live.record(session, meeting, DiscussionEventKind.ATTENDED)
        return row

    try:
        return await work.commit(write), d
    except IntegrityError:  # the same check-in raced in twice (unique per meeting, account)
        raise UserFailure.of(ErrorCode.CONFLICT, "already_attending", field) from None


async def open_motion(ctx: Context, input: Any) -> tuple[Motion, Discussion]:
    """An official puts a motion to the attendees' vote."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.discussion_id, "Discussion", "discussionId")
    title = v.text(input.title, "title", MOTION_TITLE_MAX, required=True)
    body = v.text(input.body, "body", MOTION_BODY_MAX) or ""
    v.done()
    d = await _meeting(work, pk, "discussionId")
    if not policy.can_run_meeting(work.viewer, d):
        raise Forbidden()
    row = Motion(
        discussion_id=d.id, title=title, body=body, opened_by_id=work.account_id, opened_at=utcnow()
    )

    async def write(session: AsyncSession) -> Motion:
        meeting = await _locked_meeting(session, d.id, "discussionId")
        session.add(row)
        await session.flush()
        await live.record(session, meeting, DiscussionEventKind.MOTION_OPENED, row.id)
        return row

    return await work.commit(write), d


async def _motion(work: Work, pk: int) -> tuple[Motion, Discussion]:
    """The motion and its meeting, NOT_FOUND at `motionId` unless the meeting is readable."""
    async with work.ctx.db.sessions() as session:
        motion = await session.get(Motion, pk)
    if motion is None:
        raise not_found("motionId")
    return motion, await _load(work, motion.discussion_id, "motionId")


async def vote(ctx: Context, input: Any) -> tuple[Motion, Discussion]:
    """An attendee votes on an open motion once the quorum is reached; voting again before
    the close replaces the ballot."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.motion_id, "Motion", "motionId")
    v.done()
    motion, d = await _motion(work, pk)
    choice = MotionChoice(input.choice)
    expected = policy.is_expected(work.viewer, d, await followed(ctx))

    async def write(session: AsyncSession) -> Motion:
        row = await _locked_motion(session, motion.id)
        if row.closed_at is not None:
            raise _transition("motion_closed", "motionId")
        attending = await session.scalar(
            select(Attendance.id).where(
                Attendance.discussion_id == d.id, Attendance.account_id == work.account_id
            )
        )
        if attending is None:
            if not expected:
                raise Forbidden("not_an_attendee")
            raise _transition("not_checked_in", "motionId")
        terms = present(await session.get(Meeting, d.id))
        here = await session.scalar(
            select(func.count()).select_from(Attendance).where(Attendance.discussion_id == d.id)
        )
        if (here or 0) < terms.quorum:
            raise _transition("quorum_not_reached", "motionId", quorum=terms.quorum)
        await session.execute(
            delete(MotionVote).where(
                MotionVote.motion_id == row.id, MotionVote.account_id == work.account_id
            )
        )
        session.add(
            MotionVote(motion_id=row.id, account_id=work.account_id, choice=choice, at=utcnow())
        )
        await live.record(session, d, DiscussionEventKind.MOTION_VOTED, row.id)
        return row

    return await work.commit(write), d


async def close_motion(ctx: Context, input: Any) -> tuple[Motion, Discussion]:
    """An official closes a motion: its result is recorded from the ballots cast (`passes`)."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.motion_id, "Motion", "motionId")
    v.done()
    motion, d = await _motion(work, pk)
    if not policy.can_run_meeting(work.viewer, d):
        raise Forbidden()

    async def write(session: AsyncSession) -> Motion:
        row = await _locked_motion(session, motion.id)
        if row.closed_at is not None:
            raise _transition("motion_closed", "motionId")
        counts = await session.execute(
            select(MotionVote.choice, func.count())
            .where(MotionVote.motion_id == row.id)
            .group_by(MotionVote.choice)
        )
        tally = {choice: n for choice, n in counts.all()}
        row.closed_at, row.closed_by_id = utcnow(), work.account_id
        row.result = MotionResult.PASSED if passes(tally) else MotionResult.FAILED
        await live.record(session, d, DiscussionEventKind.MOTION_CLOSED, row.id)
        return row

    return await work.commit(write), d


async def edit_minutes(ctx: Context, input: Any) -> Discussion:
    """An official writes the minutes anew until the meeting closes; every version stays."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.discussion_id, "Discussion", "discussionId")
    text = v.text(input.minutes, "minutes", ctx.settings.meeting_minutes_max_length, required=True)
    v.done()
    d = await _meeting(work, pk, "discussionId")
    if not policy.can_run_meeting(work.viewer, d):
        raise Forbidden()

    async def write(session: AsyncSession) -> Discussion:
        meeting = await _locked_meeting(session, d.id, "discussionId")
        session.add(
            MinutesRevision(discussion_id=d.id, author_id=work.account_id, body=text, at=utcnow())
        )
        await live.record(session, meeting, DiscussionEventKind.MINUTES_EDITED)
        return meeting

    return await work.commit(write)
