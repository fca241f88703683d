"""Changing deputies and their message boxes: the deputy rules for each step of
`core.mutations.Work`."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, throttle
from core.context import Context
from core.errors import CodedError, ErrorCode, Forbidden, UserFailure, invalid, not_found
from core.mutations import Work
from core.photos import read_photo, read_photos, stage
from core.throttle import Limit, source_key
from models.accounts import Role, RoleGrant
from models.base import utcnow
from models.deputies import (
    Deputy,
    DeputyMessage,
    DeputyMessageEvent,
    DeputyPhoto,
    DutyRecord,
    MessageEventKind,
    MessageStatus,
    ProposalOutcome,
    RecordKind,
    RecordLink,
    RetiredCode,
)
from models.issues import Channel, Issue, IssueStatus
from resolvers.accounts import AccountByIdLoader, check_phone
from resolvers.deputies import policy, queries
from resolvers.deputies.codes import new_token, token_hash
from resolvers.deputies.performance import today
from resolvers.issues import mutations as issue_mutations
from resolvers.issues import policy as issue_policy
from resolvers.issues.deadlines import deadlines_from_json
from resolvers.issues.lifecycle import open_issue
from resolvers.issues.queries import readable_issue
from resolvers.regions import RegionByIdLoader

NAME_MAX = 50


async def _load(work: Work, pk: int, field: str = "id") -> Deputy:
    """The deputy as it is now (not from the request's loader cache: it is about to
    change), or NOT_FOUND."""
    async with work.ctx.db.sessions() as session:
        row = await session.get(Deputy, pk)
    return work.found(row, policy.can_read_deputy, field)


async def register(ctx: Context, input: Any) -> Deputy:
    """An official records a deputy's seat; the account gets the DEPUTY role on the
    constituency (if it has not), and the deputy a QR code."""
    work = Work(ctx)
    v = work.input
    account_id = v.id(input.account_id, "Account", "accountId")
    region_id = v.id(input.constituency_id, "Region", "constituencyId")
    name = v.text(input.name, "name", NAME_MAX, required=True)
    start: date = input.term_start
    end: date = input.term_end
    if end <= start:
        v.fail("termEnd", "term_order")
    v.done()
    region = await RegionByIdLoader(ctx).load(region_id)
    if region is None:
        raise not_found("constituencyId")
    account = await AccountByIdLoader(ctx).load(account_id)
    if account is None:
        raise not_found("accountId")
    level = input.congress_level
    if region.level.rank > level.region_level.rank:
        raise invalid("constituencyId", "constituency_level")
    if not policy.can_register(work.viewer, level, region):
        raise Forbidden()
    deputy = Deputy(
        account_id=account.id,
        name=name,
        congress_level=level,
        region_id=region.id,
        region_path=region.path,
        term_start=start,
        term_end=end,
        code_token=new_token(),
        code_issued_at=utcnow(),
    )

    async def write(session) -> Deputy:
        session.add(deputy)
        granted = await session.scalar(
            select(RoleGrant.id).where(
                RoleGrant.account_id == account.id,
                RoleGrant.role == Role.DEPUTY,
                RoleGrant.region_id == region.id,
            )
        )
        if granted is None:
            session.add(RoleGrant(account_id=account.id, role=Role.DEPUTY, region_id=region.id))
        await session.flush()
        return deputy

    try:
        return await work.commit(write)
    except IntegrityError:
        # The account sits in that congress already (unique account and level).
        raise invalid("accountId", "already_deputy") from None


async def rotate_code(ctx: Context, input: Any) -> Deputy:
    """A new QR token; the old one is retired (its scans are told it was replaced)."""
    work = Work(ctx)
    pk = work.input.id(input.id, "Deputy", "id")
    work.input.done()
    deputy = await _load(work, pk)
    if not policy.can_rotate_code(work.viewer, deputy):
        raise Forbidden()
    old, now = deputy.code_token, utcnow()

    async def write(session) -> Deputy:
        row = await session.get(Deputy, deputy.id)
        if row is None or row.code_token != old:  # rotated at the same moment: one wins
            raise UserFailure.of(ErrorCode.CONFLICT, "deputy_conflict", "id")
        session.add(RetiredCode(token_hash=token_hash(old), deputy_id=row.id, retired_at=now))
        row.code_token, row.code_issued_at = new_token(), now
        await session.flush()
        return row

    return await work.commit(write)


# --- messages ---------------------------------------------------------------------------

TOPIC = "deputy_message"  # the event-log topic of message events (resolvers/deputies/live.py)
NAME_OF_SENDER_MAX = 50
# What each inbox action may start from, and the status it leaves (None: unchanged).
ACTIONS: dict[MessageEventKind, tuple[frozenset[MessageStatus], MessageStatus | None]] = {
    MessageEventKind.READ: (frozenset({MessageStatus.NEW}), MessageStatus.READ),
    MessageEventKind.REPLIED: (
        frozenset({MessageStatus.NEW, MessageStatus.READ, MessageStatus.REPLIED}),
        MessageStatus.REPLIED,
    ),
    MessageEventKind.TURNED_INTO_ISSUE: (
        frozenset({MessageStatus.NEW, MessageStatus.READ, MessageStatus.REPLIED}),
        MessageStatus.TURNED_INTO_ISSUE,
    ),
    MessageEventKind.CLOSED: (
        frozenset(set(MessageStatus) - {MessageStatus.CLOSED}),
        MessageStatus.CLOSED,
    ),
}


async def append_message_event(
    session: AsyncSession, message: DeputyMessage, event: DeputyMessageEvent
) -> DeputyMessageEvent:
    """Add an entry to a message's history, under the id of its entry in the event log."""
    event.id = await events.append(session, TOPIC, message.id, message.region_path)
    session.add(event)
    await session.flush()
    return event


async def leave_message(ctx: Context, input: Any) -> tuple[DeputyMessage, str]:
    """Anyone with a deputy's code, signed in or not: the message and its receipt (shown
    once; a sender without an account reads the replies with it)."""
    work = Work(ctx, anonymous=True)
    v = work.input
    limit = ctx.settings.deputy_message_max_chars
    body = v.text(input.body, "body", limit, required=True)
    name = v.text(input.name, "name", NAME_OF_SENDER_MAX)
    phone = None
    if input.phone:
        try:
            phone = check_phone(input.phone, "phone")
        except UserFailure as failure:
            v.problems.extend(failure.problems)
    v.done()
    try:
        deputy = await queries.deputy_by_code(ctx, input.token)
    except CodedError as missing:
        raise UserFailure.of(ErrorCode.NOT_FOUND, missing.key, "token") from None
    quota = (
        Limit("deputy_message", ctx.settings.deputy_messages_per_hour, 3600, "message_throttled"),
        source_key(ctx.source),
    )
    await throttle.ensure_room(ctx.db, *quota)  # refused at once when the quota is used up
    receipt = secrets.token_urlsafe(24)
    now = utcnow()
    row = DeputyMessage(
        deputy_id=deputy.id,
        deputy_account_id=deputy.account_id,
        region_path=deputy.region_path,
        sender_id=work.viewer.id,
        sender_name=name,
        sender_phone=phone,
        receipt_hash=token_hash(receipt),
        body=body,
        status=MessageStatus.NEW,
        created_at=now,
    )

    async def write(session) -> DeputyMessage:
        await throttle.take(session, *quota)  # RATE_LIMITED past the quota, atomically
        session.add(row)
        await session.flush()
        await append_message_event(
            session,
            row,
            DeputyMessageEvent(
                message_id=row.id, kind=MessageEventKind.RECEIVED, actor_id=row.sender_id, at=now
            ),
        )
        return row

    return await work.commit(write), receipt


async def _load_message(work: Work, pk: int, receipt: str | None = None) -> DeputyMessage:
    """The message as it is now, or NOT_FOUND when missing or not the viewer's to read."""
    async with work.ctx.db.sessions() as session:
        row = await session.get(DeputyMessage, pk)
    found = queries.readable_message(work.viewer, row, receipt)
    if found is None:
        raise not_found("id")
    return found


async def _act(
    ctx: Context,
    input: Any,
    kind: MessageEventKind,
    *,
    note_required: bool = False,
    prepare=None,
) -> DeputyMessage:
    """The shared path of the deputy's inbox actions: load, authorise, check the state,
    then one transaction that compare-and-sets the message's version."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.id, "DeputyMessage", "id")
    note = None
    if note_required:
        note = v.text(input.body, "body", ctx.settings.deputy_message_max_chars, required=True)
    v.done()
    message = await _load_message(work, pk)
    if not policy.can_handle_message(work.viewer, message):
        raise Forbidden()
    allowed_from, to = ACTIONS[kind]
    if message.status not in allowed_from:
        raise UserFailure.of(
            ErrorCode.INVALID_TRANSITION,
            "message_transition",
            None,
            status=message.status.value,
        )
    extra = await prepare(work, message) if prepare else None
    now = utcnow()

    async def write(session) -> DeputyMessage:
        values: dict[str, Any] = {"version": message.version + 1}
        if to is not None:
            values["status"] = to
        if kind is MessageEventKind.REPLIED and message.first_replied_at is None:
            values["first_replied_at"] = now
        if extra is not None:
            values["issue_id"] = (await extra(session)).id
        changed = await session.execute(
            update(DeputyMessage)
            .where(DeputyMessage.id == message.id, DeputyMessage.version == message.version)
            .values(**values)
        )
        if changed.rowcount != 1:
            raise UserFailure.of(ErrorCode.CONFLICT, "message_conflict", "id")
        for key, value in values.items():
            setattr(message, key, value)
        await append_message_event(
            session,
            message,
            DeputyMessageEvent(
                message_id=message.id, kind=kind, actor_id=work.account_id, note=note, at=now
            ),
        )
        return message

    return await work.commit(write)


async def mark_read(ctx: Context, input: Any) -> DeputyMessage:
    return await _act(ctx, input, MessageEventKind.READ)


async def reply(ctx: Context, input: Any) -> DeputyMessage:
    return await _act(ctx, input, MessageEventKind.REPLIED, note_required=True)


async def close(ctx: Context, input: Any) -> DeputyMessage:
    return await _act(ctx, input, MessageEventKind.CLOSED)


async def turn_into_issue(ctx: Context, input: Any) -> DeputyMessage:
    """A ticket filed by the deputy from the message, in the issues domain's own way
    (`lifecycle.open_issue`: SUBMITTED at the region's level, with its deadline), in the
    same transaction as the message's change; it then follows the normal lifecycle. The
    sender, when signed in, is its reporter (and rates it); otherwise the deputy files it
    for them, with their name and phone as the contact."""

    async def prepare(work: Work, message: DeputyMessage):
        v = work.input
        region_id = v.id(input.region_id, "Region", "regionId")
        title = v.text(input.title, "title", issue_mutations.TITLE_MAX, required=True)
        description = v.text(input.description, "description", issue_mutations.DESCRIPTION_MAX)
        v.done()
        region = await RegionByIdLoader(ctx).load(region_id)
        if region is None:
            raise not_found("regionId")
        if region.level not in issue_policy.REPORTING_LEVELS:
            raise invalid("regionId", "region_level")
        if not region.path.startswith(message.region_path):
            raise invalid("regionId", "outside_constituency")
        now = utcnow()
        window = deadlines_from_json(ctx.settings.issue_deadlines).window(
            input.category, region.level
        )
        issue = Issue(
            title=title,
            description=description or message.body,
            category=input.category,
            status=IssueStatus.SUBMITTED,
            level=region.level,
            region_id=region.id,
            region_path=region.path,
            reporter_id=message.sender_id,
            filed_by_id=work.account_id,
            contact_name=None if message.sender_id else message.sender_name,
            contact_phone=None if message.sender_id else message.sender_phone,
            channel=Channel.QR_CODE,
            anonymous=False,
            created_at=now,
            level_since=now,
            due_at=now + window.accept,
        )

        async def file(session) -> Issue:
            await open_issue(session, issue, work.account_id)
            return issue

        return file

    return await _act(ctx, input, MessageEventKind.TURNED_INTO_ISSUE, prepare=prepare)


def follow_up_due(message: DeputyMessage) -> bool:
    """The sender is asked, once, whether the deputy answered and whether it was resolved:
    after the first reply, or once the message became an issue."""
    return message.followed_up_at is None and (
        message.first_replied_at is not None or message.issue_id is not None
    )


async def answer_follow_up(ctx: Context, input: Any) -> DeputyMessage:
    """The sender's answers (signed in, or with the receipt)."""
    work = Work(ctx, anonymous=True)
    v = work.input
    pk = v.id(input.id, "DeputyMessage", "id")
    v.done()
    message = await _load_message(work, pk, input.receipt)
    if not (input.receipt is not None and queries.holds_receipt(message, input.receipt)) and not (
        policy.is_sender(work.viewer, message)
    ):
        raise Forbidden()  # the deputy reads it but does not answer for the sender
    if not follow_up_due(message):
        raise UserFailure.of(ErrorCode.INVALID_TRANSITION, "follow_up_not_due", None)
    now = utcnow()

    async def write(session) -> DeputyMessage:
        changed = await session.execute(
            update(DeputyMessage)
            .where(DeputyMessage.id == message.id, DeputyMessage.version == message.version)
            .values(
                answered=input.answered,
                resolved=input.resolved,
                followed_up_at=now,
                version=message.version + 1,
            )
        )
        if changed.rowcount != 1:
            raise UserFailure.of(ErrorCode.CONFLICT, "message_conflict", "id")
        message.answered, message.resolved = input.answered, input.resolved
        message.followed_up_at, message.version = now, message.version + 1
        await append_message_event(
            session,
            message,
            DeputyMessageEvent(
                message_id=message.id,
                kind=MessageEventKind.FOLLOWED_UP,
                actor_id=message.sender_id,
                at=now,
            ),
        )
        return message

    return await work.commit(write)


# --- duty records -----------------------------------------------------------------------

DESCRIPTION_MAX, DOCUMENTS_MAX, LINKS_MAX = 5000, 500, 50


async def add_record(ctx: Context, input: Any) -> DutyRecord:
    """The deputy records a duty performed; dated within their term and not in the future;
    linked to issues they may read and messages of their own box."""
    work = Work(ctx)
    v = work.input
    deputy_pk = v.id(input.deputy_id, "Deputy", "deputyId")
    description = v.text(input.description, "description", DESCRIPTION_MAX, required=True)
    documents = v.text(input.outcome_documents, "outcomeDocuments", DOCUMENTS_MAX)
    issue_ids = [v.id(i, "Issue", f"issueIds.{n}") for n, i in enumerate(input.issue_ids or [])]
    message_ids = [
        v.id(i, "DeputyMessage", f"messageIds.{n}") for n, i in enumerate(input.message_ids or [])
    ]
    if len(issue_ids) > LINKS_MAX:
        v.fail("issueIds", "too_many_links", max=LINKS_MAX)
    if len(message_ids) > LINKS_MAX:
        v.fail("messageIds", "too_many_links", max=LINKS_MAX)
    proposal = input.kind is RecordKind.PROPOSAL
    if not proposal and (input.outcome is not None or documents is not None):
        v.fail("outcome", "outcome_for_proposals")
    day: date = input.day
    if day > today():
        v.fail("day", "record_future")
    v.done()
    deputy = await _load(work, deputy_pk, "deputyId")
    if not policy.can_add_record(work.viewer, deputy):
        raise Forbidden()
    if not deputy.term_start <= day <= deputy.term_end:
        raise invalid("day", "record_outside_term", start=deputy.term_start, end=deputy.term_end)
    for n, issue_id in enumerate(issue_ids):
        if await readable_issue(ctx, work.viewer, issue_id) is None:
            v.problems.extend(not_found(f"issueIds.{n}").problems)
    if message_ids:
        async with ctx.db.sessions() as session:
            mine = set(
                (
                    await session.scalars(
                        select(DeputyMessage.id).where(
                            DeputyMessage.id.in_(message_ids),
                            DeputyMessage.deputy_id == deputy.id,
                        )
                    )
                ).all()
            )
        for n, message_id in enumerate(message_ids):
            if message_id not in mine:
                v.problems.extend(not_found(f"messageIds.{n}").problems)
    v.done()
    # Records' photos keep where and when they were taken: evidence of the duty.
    images = await read_photos(ctx, input.photos, "photos", strip_location=False)
    staged = await stage(work.files, images)
    record = DutyRecord(
        deputy_id=deputy.id,
        deputy_account_id=deputy.account_id,
        region_path=deputy.region_path,
        kind=input.kind,
        day=day,
        description=description,
        outcome=(input.outcome or ProposalOutcome.PENDING) if proposal else None,
        outcome_documents=documents,
        created_by_id=work.account_id,
        created_at=utcnow(),
    )

    async def write(session) -> DutyRecord:
        session.add(record)
        await session.flush()
        for issue_id in dict.fromkeys(issue_ids):
            session.add(RecordLink(record_id=record.id, issue_id=issue_id))
        for message_id in dict.fromkeys(message_ids):
            session.add(RecordLink(record_id=record.id, message_id=message_id))
        _record_photos(session, staged, deputy.id, record.id)
        await session.flush()
        return record

    return await work.commit(write)


async def verify_record(ctx: Context, input: Any) -> DutyRecord:
    """An official of the deputy's congress level confirms a record (核实); once."""
    work = Work(ctx)
    pk = work.input.id(input.id, "DutyRecord", "id")
    work.input.done()
    async with ctx.db.sessions() as session:
        row = await session.get(DutyRecord, pk)
    record = work.found(row, policy.can_read_record)
    deputy = await _load(work, record.deputy_id)
    if not policy.can_verify_record(work.viewer, deputy):
        raise Forbidden("verify_not_allowed")
    if record.verified_at is not None:
        raise UserFailure.of(ErrorCode.INVALID_TRANSITION, "already_verified", None)
    now = utcnow()

    async def write(session) -> DutyRecord:
        changed = await session.execute(
            update(DutyRecord)
            .where(DutyRecord.id == record.id, DutyRecord.verified_at.is_(None))
            .values(verified_by_id=work.account_id, verified_at=now)
        )
        if changed.rowcount != 1:
            raise UserFailure.of(ErrorCode.INVALID_TRANSITION, "already_verified", None)
        record.verified_by_id, record.verified_at = work.account_id, now
        return record

    return await work.commit(write)


async def set_proposal_outcome(ctx: Context, input: Any) -> DutyRecord:
    """The deputy records what became of a proposal. A verified proposal whose outcome
    changes is unverified again: a verification vouches for what it saw."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.id, "DutyRecord", "id")
    documents = v.text(input.outcome_documents, "outcomeDocuments", DOCUMENTS_MAX)
    v.done()
    async with ctx.db.sessions() as session:
        row = await session.get(DutyRecord, pk)
    record = work.found(row, policy.can_read_record)
    deputy = await _load(work, record.deputy_id)
    if not policy.can_add_record(work.viewer, deputy):
        raise Forbidden()
    if record.kind is not RecordKind.PROPOSAL:
        raise invalid("id", "outcome_for_proposals")
    changed = (input.outcome, documents) != (record.outcome, record.outcome_documents)

    async def write(session) -> DutyRecord:
        values: dict[str, Any] = {"outcome": input.outcome, "outcome_documents": documents}
        if changed:
            values |= {"verified_by_id": None, "verified_at": None}
        await session.execute(update(DutyRecord).where(DutyRecord.id == record.id).values(**values))
        for key, value in values.items():
            setattr(record, key, value)
        return record

    return await work.commit(write)


# --- photos -----------------------------------------------------------------------------


def _record_photos(
    session: AsyncSession, staged: list, deputy_id: int, record_id: int | None
) -> None:
    for key, image in staged:
        session.add(
            DeputyPhoto(
                deputy_id=deputy_id,
                record_id=record_id,
                storage_key=key,
                content_type=image.content_type,
                width=image.width,
                height=image.height,
                size=len(image.data),
            )
        )


async def update_profile(ctx: Context, input: Any) -> Deputy:
    """The deputy (or an official who registers deputies of that congress) changes the
    profile's name or photo; the photo replaces the old one, whose file goes after commit."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.id, "Deputy", "id")
    name = v.text(input.name, "name", NAME_MAX) if input.name is not None else None
    if input.name is not None and name is None:
        v.fail("name", "blank")
    v.done()
    deputy = await _load(work, pk)
    if not (
        policy.is_the_deputy(work.viewer, deputy) or policy.officiates_for(work.viewer, deputy)
    ):
        raise Forbidden()
    # The profile's photo keeps no location.
    images = (
        [await read_photo(ctx, input.photo, "photo", strip_location=True)] if input.photo else []
    )
    staged = await stage(work.files, images)
    replaced: list[str] = []

    async def write(session) -> Deputy:
        row = await session.get(Deputy, deputy.id)
        if name is not None:
            row.name = name
        if staged:
            old = (
                await session.scalars(
                    select(DeputyPhoto).where(
                        DeputyPhoto.deputy_id == deputy.id, DeputyPhoto.record_id.is_(None)
                    )
                )
            ).all()
            for photo in old:
                replaced.append(photo.storage_key)
                await session.delete(photo)
            _record_photos(session, staged, deputy.id, None)
        await session.flush()
        return row

    row = await work.commit(write)
    for key in replaced:  # after commit: no row names them any more (else the sweep would)
        await ctx.storage.delete(key)
    return row
