"""Per-request loaders for discussions: one statement per batch."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from core.loaders import ChildrenLoader, Loader, by_key
from models.discussions import (
    AgendaItem,
    Attendance,
    BallotChoice,
    Discussion,
    DiscussionComment,
    Meeting,
    MinutesRevision,
    Motion,
    MotionChoice,
    MotionVote,
    PollOption,
)


class DiscussionByIdLoader(Loader[int, Discussion | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(Discussion).where(Discussion.id.in_(keys)))
        return by_key(keys, rows, lambda d: d.id)


class OptionsByDiscussionIdLoader(ChildrenLoader[PollOption]):
    entity = PollOption
    parent = PollOption.__table__.c.discussion_id
    order = (PollOption.__table__.c.position,)


class TallyByDiscussionIdLoader(Loader[int, dict[int, int]]):
    """Votes per option of each poll, and (key 0) how many accounts voted."""

    async def batch_load(self, keys):
        rows = await self.reads.rows(
            select(BallotChoice.discussion_id, BallotChoice.option_id, func.count())
            .where(BallotChoice.discussion_id.in_(keys))
            .group_by(BallotChoice.discussion_id, BallotChoice.option_id)
        )
        voters = await self.reads.rows(
            select(BallotChoice.discussion_id, func.count(func.distinct(BallotChoice.account_id)))
            .where(BallotChoice.discussion_id.in_(keys))
            .group_by(BallotChoice.discussion_id)
        )
        tallies: dict[int, dict[int, int]] = defaultdict(dict)
        for discussion_id, option_id, count in rows:
            tallies[discussion_id][option_id] = count
        for discussion_id, count in voters:
            tallies[discussion_id][0] = count
        return [tallies.get(k, {}) for k in keys]


class BallotByAccountLoader(Loader[tuple[int, int], list[int]]):
    """Keyed (account id, discussion id): the option ids the account chose."""

    async def batch_load(self, keys):
        chosen: dict[tuple[int, int], list[int]] = defaultdict(list)
        by_account: dict[int, list[int]] = defaultdict(list)
        for account_id, discussion_id in keys:
            by_account[account_id].append(discussion_id)
        for account_id, ids in by_account.items():
            rows = await self.reads.rows(
                select(BallotChoice.discussion_id, BallotChoice.option_id).where(
                    BallotChoice.account_id == account_id, BallotChoice.discussion_id.in_(ids)
                )
            )
            for discussion_id, option_id in rows:
                chosen[account_id, discussion_id].append(option_id)
        return [sorted(chosen.get(key, [])) for key in keys]


class CommentsByDiscussionIdLoader(ChildrenLoader[DiscussionComment]):
    entity = DiscussionComment
    parent = DiscussionComment.__table__.c.discussion_id


# --- decision meetings ------------------------------------------------------------------


class MeetingByDiscussionIdLoader(Loader[int, Meeting | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(Meeting).where(Meeting.discussion_id.in_(keys)))
        return by_key(keys, rows, lambda m: m.discussion_id)


class AgendaByDiscussionIdLoader(ChildrenLoader[AgendaItem]):
    entity = AgendaItem
    parent = AgendaItem.__table__.c.discussion_id
    order = (AgendaItem.__table__.c.position,)


class AttendanceByDiscussionIdLoader(ChildrenLoader[Attendance]):
    """Each meeting's attendees, in the order they arrived."""

    entity = Attendance
    parent = Attendance.__table__.c.discussion_id


class MotionsByDiscussionIdLoader(ChildrenLoader[Motion]):
    entity = Motion
    parent = Motion.__table__.c.discussion_id


class MotionTallyByDiscussionIdLoader(Loader[int, dict[int, dict[MotionChoice, int]]]):
    """Each meeting's motions' ballots per choice: {motion id: {choice: count}}."""

    async def batch_load(self, keys):
        rows = await self.reads.rows(
            select(Motion.discussion_id, MotionVote.motion_id, MotionVote.choice, func.count())
            .join(Motion, Motion.id == MotionVote.motion_id)
            .where(Motion.discussion_id.in_(keys))
            .group_by(Motion.discussion_id, MotionVote.motion_id, MotionVote.choice)
        )
        tallies: dict[int, dict[int, dict[MotionChoice, int]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        for discussion_id, motion_id, choice, count in rows:
            tallies[discussion_id][motion_id][choice] = count
        return [tallies.get(k, {}) for k in keys]


class MotionVotesByAccountLoader(Loader[tuple[int, int], dict[int, MotionChoice]]):
    """Keyed (account id, meeting id): the account's ballot on each motion of the meeting."""

    async def batch_load(self, keys):
        chosen: dict[tuple[int, int], dict[int, MotionChoice]] = defaultdict(dict)
        by_account: dict[int, list[int]] = defaultdict(list)
        for account_id, discussion_id in keys:
            by_account[account_id].append(discussion_id)
        for account_id, ids in by_account.items():
            rows = await self.reads.rows(
                select(Motion.discussion_id, MotionVote.motion_id, MotionVote.choice)
                .join(Motion, Motion.id == MotionVote.motion_id)
                .where(MotionVote.account_id == account_id, Motion.discussion_id.in_(ids))
            )
            for discussion_id, motion_id, choice in rows:
                chosen[account_id, discussion_id][motion_id] = choice
        return [chosen.get(key, {}) for key in keys]


class MinutesByDiscussionIdLoader(ChildrenLoader[MinutesRevision]):
    """Each meeting's minutes, every version, oldest first (the last is the minutes)."""

    entity = MinutesRevision
    parent = MinutesRevision.__table__.c.discussion_id
