"""Changing discussions: the discussion rules for each step of `core.mutations.Work`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from core import throttle
from core.context import Context
from core.errors import ErrorCode, Forbidden, UserFailure, not_found
from core.mutations import Work
from core.throttle import Limit
from models.base import utcnow
from models.discussions import (
    AgendaItem,
    BallotChoice,
    Discussion,
    DiscussionComment,
    DiscussionEventKind,
    DiscussionKind,
    Meeting,
    Motion,
    PollOption,
)
from resolvers.discussions import live, policy
from resolvers.discussions.loaders import OptionsByDiscussionIdLoader
from resolvers.regions import RegionByIdLoader
from resolvers.villages import policy as villages
from resolvers.villages.queries import followed

TITLE_MAX, BODY_MAX, OPTION_MAX, OUTCOME_MAX = 100, 5000, 100, 2000
MIN_OPTIONS, MAX_OPTIONS = 2, 20
PLACE_MAX, URL_MAX, AGENDA_ITEM_MAX, QUORUM_MAX = 200, 500, 200, 10_000


def _closed(field: str, key: str = "discussion_closed") -> UserFailure:
    return UserFailure.of(ErrorCode.INVALID_TRANSITION, key, field)


async def _load(work: Work, pk: int, field: str = "id") -> Discussion:
    async with work.ctx.db.sessions() as session:
        row = await session.get(Discussion, pk)
    marks = await followed(work.ctx)
    return work.found(row, lambda viewer, d: policy.can_read(viewer, d, marks), field)


async def start(ctx: Context, input: Any) -> Discussion:
    work = Work(ctx)
    v, kind = work.input, input.kind
    village_pk = v.id(input.village_id, "Region", "villageId")
    title = v.text(input.title, "title", TITLE_MAX, required=True)
    body = v.text(input.body, "body", BODY_MAX) or ""
    poll = input.poll
    labels: list[str | None] = []
    now = utcnow()
    if kind is DiscussionKind.POLL:
        if poll is None:
            v.fail("poll", "poll_required")
        else:
            labels = [
                v.text(label, f"poll.options.{n}", OPTION_MAX, required=True)
                for n, label in enumerate(poll.options)
            ]
            if not MIN_OPTIONS <= len(labels) <= MAX_OPTIONS:
                v.fail("poll.options", "poll_options", min=MIN_OPTIONS, max=MAX_OPTIONS)
            else:
                given = [label.strip() for label in labels if label]
                if len(set(given)) < len(given):
                    v.fail("poll.options", "duplicate_option")
            if poll.closes_at.tzinfo is None:
                v.fail("poll.closesAt", "needs_offset")
            elif poll.closes_at <= now:
                v.fail("poll.closesAt", "closes_in_past")
    elif poll is not None:
        v.fail("poll", "only_for_polls")
    terms = input.meeting
    agenda: list[str | None] = []
    if kind is DiscussionKind.MEETING:
        if terms is None:
            v.fail("meeting", "meeting_required")
        else:
            agenda = _meeting_terms(ctx, v, terms)
    elif terms is not None:
        v.fail("meeting", "only_for_meetings")
    v.done()
    village = await RegionByIdLoader(ctx).load(village_pk)
    marks = await followed(ctx)
    if (
        village is None
        or not villages.is_village(village)
        or not villages.can_read_feed(work.viewer, village.path, village.id, marks)
    ):
        raise not_found("villageId")
    if not policy.can_start(work.viewer, village.path, kind):
        raise Forbidden()
    row = Discussion(
        village_id=village.id,
        region_path=village.path,
        author_id=work.account_id,
        kind=kind,
        title=title,
        body=body,
        created_at=now,
        voters=poll.voters if poll else terms.attendees if terms else None,
        multiple_choice=bool(poll and poll.multiple_choice),
        closes_at=poll.closes_at if poll else None,
        results_live=bool(poll.results_live) if poll else True,
    )

    async def write(session) -> Discussion:
        session.add(row)
        await session.flush()
        for position, label in enumerate(labels):
            session.add(PollOption(discussion_id=row.id, position=position, label=label))
        if terms is not None:
            session.add(
                Meeting(
                    discussion_id=row.id,
                    starts_at=terms.starts_at,
                    place=(terms.place or "").strip() or None,
                    online_url=(terms.online_url or "").strip() or None,
                    quorum=terms.quorum,
                )
            )
            for position, item in enumerate(agenda):
                session.add(AgendaItem(discussion_id=row.id, position=position, title=item))
        await live.record(session, row, DiscussionEventKind.OPENED)
        return row

    return await work.commit(write)


def _meeting_terms(ctx: Context, v: Any, terms: Any) -> list[str | None]:
    """Check a meeting's terms (time, place or link, agenda, quorum); its agenda items."""
    if terms.starts_at is None:
        v.fail("meeting.startsAt", "meeting_time_required")
    elif terms.starts_at.tzinfo is None:
        v.fail("meeting.startsAt", "needs_offset")
    place = v.text(terms.place, "meeting.place", PLACE_MAX)
    link = v.text(terms.online_url, "meeting.onlineUrl", URL_MAX)
    if link and not link.strip().lower().startswith(("http://", "https://")):
        v.fail("meeting.onlineUrl", "bad_url")
    if place is None and link is None:
        v.fail("meeting.place", "place_required")
    items = terms.agenda or []
    most = ctx.settings.meeting_agenda_max_items
    if not items:
        v.fail("meeting.agenda", "agenda_required")
    elif len(items) > most:
        v.fail("meeting.agenda", "agenda_items", max=most)
    if not 1 <= terms.quorum <= QUORUM_MAX:
        v.fail("meeting.quorum", "bad_quorum", max=QUORUM_MAX)
    return [
        v.text(item, f"meeting.agenda.{n}", AGENDA_ITEM_MAX, required=True)
        for n, item in enumerate(items[: most + 1])
    ]


async def comment(ctx: Context, input: Any) -> tuple[DiscussionComment, Discussion]:
    """Whoever may read an open discussion comments on it (COMMENTS_PER_MINUTE)."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.discussion_id, "Discussion", "discussionId")
    body = v.text(input.body, "body", ctx.settings.comment_max_length, required=True)
    v.done()
    d = await _load(work, pk, "discussionId")
    if d.closed_at is not None:
        raise _closed("discussionId")
    limit = Limit("comment", ctx.settings.comments_per_minute, 60, "comment_throttled")
    quota = (limit, str(work.account_id))
    await throttle.ensure_room(ctx.db, *quota)
    row = DiscussionComment(
        discussion_id=d.id, author_id=work.account_id, body=body, created_at=utcnow()
    )

    async def write(session) -> DiscussionComment:
        await throttle.take(session, *quota)
        session.add(row)
        await live.record(session, d, DiscussionEventKind.COMMENTED)
        return row

    return await work.commit(write), d


async def vote(ctx: Context, input: Any) -> Discussion:
    """Cast or change one's ballot until the poll closes: one per account."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.discussion_id, "Discussion", "discussionId")
    chosen = [v.id(o, "PollOption", f"optionIds.{n}") for n, o in enumerate(input.option_ids)]
    v.done()
    d = await _load(work, pk, "discussionId")
    if d.kind is not DiscussionKind.POLL:
        raise UserFailure.of(ErrorCode.VALIDATION, "not_a_poll", "discussionId")
    if not policy.is_open(d, utcnow()):
        raise _closed("discussionId", "poll_closed")
    if not policy.can_vote(work.viewer, d, await followed(ctx)):
        raise Forbidden("not_a_voter")
    options = {o.id for o in await OptionsByDiscussionIdLoader(ctx).load(d.id)}
    if not chosen:
        v.fail("optionIds", "no_choice")
    elif len(set(chosen)) < len(chosen):
        v.fail("optionIds", "duplicate_option")
    elif len(chosen) > 1 and not d.multiple_choice:
        v.fail("optionIds", "one_choice")
    for n, option in enumerate(chosen):
        if option not in options:
            v.fail(f"optionIds.{n}", "not_an_option")
    v.done()

    async def write(session) -> Discussion:
        await session.execute(
            delete(BallotChoice).where(
                BallotChoice.discussion_id == d.id, BallotChoice.account_id == work.account_id
            )
        )
        now = utcnow()
        for option in chosen:
            session.add(
                BallotChoice(
                    discussion_id=d.id, account_id=work.account_id, option_id=option, at=now
                )
            )
        await live.record(session, d, DiscussionEventKind.VOTED)
        return d

    return await work.commit(write)


async def close(ctx: Context, input: Any) -> Discussion:
    """Its author or an official of the village closes a discussion with its outcome."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.id, "Discussion", "id")
    outcome = v.text(input.outcome, "outcome", OUTCOME_MAX)
    v.done()
    d = await _load(work, pk)
    if not policy.can_close(work.viewer, d):
        raise Forbidden()
    if d.closed_at is not None:
        raise _closed("id")
    if d.kind is DiscussionKind.MEETING and outcome is None:
        raise UserFailure.of(ErrorCode.VALIDATION, "required", "outcome")

    async def write(session) -> Discussion:
        row = await session.get(Discussion, d.id, with_for_update=True, populate_existing=True)
        if row.closed_at is not None:
            raise _closed("id")
        if row.kind is DiscussionKind.MEETING:
            still_open = await session.scalar(
                select(func.count())
                .select_from(Motion)
                .where(Motion.discussion_id == row.id, Motion.closed_at.is_(None))
            )
            if still_open:
                raise _closed("id", "motions_open")
        row.closed_at, row.closed_by_id, row.outcome = utcnow(), work.account_id, outcome
        await live.record(session, row, DiscussionEventKind.CLOSED)
        return row

    return await work.commit(write)
