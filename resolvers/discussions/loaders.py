"""Per-request loaders for discussions: one statement per batch."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from core.loaders import Loader, by_key, group_by_key
from models.discussions import BallotChoice, Discussion, DiscussionComment, PollOption


class DiscussionByIdLoader(Loader[int, Discussion | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(Discussion).where(Discussion.id.in_(keys)))
        return by_key(keys, rows, lambda d: d.id)


class OptionsByDiscussionIdLoader(Loader[int, list[PollOption]]):
    async def batch_load(self, keys):
        rows = await self.reads.all(
            select(PollOption)
            .where(PollOption.discussion_id.in_(keys))
            .order_by(PollOption.discussion_id, PollOption.position)
        )
        return group_by_key(keys, rows, lambda o: o.discussion_id)


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


class CommentsByDiscussionIdLoader(Loader[int, list[DiscussionComment]]):
    async def batch_load(self, keys):
        rows = await self.reads.all(
            select(DiscussionComment)
            .where(DiscussionComment.discussion_id.in_(keys))
            .order_by(DiscussionComment.id)
        )
        return group_by_key(keys, rows, lambda c: c.discussion_id)
