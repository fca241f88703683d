"""Changing the feed: the post rules for each step of `core.mutations.Work` (validate, load,
authorise, photos staged, one transaction)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from strawberry import UNSET

from core import throttle
from core.context import Context
from core.db import upsert
from core.errors import ErrorCode, Forbidden, UserFailure, not_found
from core.mutations import Work
from core.photos import read_photos, stage
from core.throttle import Limit
from core.validation import Validator
from models.base import utcnow
from models.posts import (
    Comment,
    ContentReport,
    ModerationEntry,
    ModerationKind,
    Post,
    PostEventKind,
    PostKind,
    PostLike,
    PostPhoto,
    PostRevision,
)
from models.regions import Region
from resolvers.posts import live, policy
from resolvers.posts.loaders import PhotosByPostIdLoader
from resolvers.regions import RegionByIdLoader
from resolvers.villages import policy as villages
from resolvers.villages.queries import followed

TITLE_MAX, UNIT_MAX, HONOREE_MAX, HONOREES_MAX, REASON_MAX = 100, 20, 50, 100, 500
TITLED = frozenset(
    {PostKind.ANNOUNCEMENT, PostKind.POLICY, PostKind.AFFAIRS, PostKind.ACTIVITY, PostKind.HONOR}
)
PRICE_MAX = 100_000_000  # fen: a million yuan
QUANTITY_MAX = 1e9


def _given(input: Any, name: str) -> bool:
    return getattr(input, name, UNSET) is not UNSET


async def _load(work: Work, pk: int, field: str = "id") -> Post:
    """The post as it is now, or NOT_FOUND when missing, deleted or not readable."""
    async with work.ctx.db.sessions() as session:
        row = await session.get(Post, pk)
    marks = await followed(work.ctx)
    return work.found(row, lambda viewer, p: policy.can_read_post(viewer, p, marks), field)


def _market(v: Validator, market: Any, field: str) -> dict[str, Any]:
    """The MARKET columns, checked: a price (in fen, not negative), a unit, a quantity
    (more than zero) and until when (not past), each at `market.<name>`."""
    price = market.price_cents
    if price is None or not 0 <= price <= PRICE_MAX:
        v.fail(f"{field}.priceCents", "negative" if price is not None and price < 0 else "required")
    unit = v.text(market.unit, f"{field}.unit", UNIT_MAX, required=True)
    quantity = market.quantity
    if quantity is not None and not 0 < quantity <= QUANTITY_MAX:
        v.fail(f"{field}.quantity", "must_be_positive")
    until = market.available_until
    if until is not None and until.tzinfo is None:
        v.fail(f"{field}.availableUntil", "needs_offset")
    elif until is not None and until <= utcnow():
        v.fail(f"{field}.availableUntil", "in_the_past")
    return {"price_cents": price, "unit": unit, "quantity": quantity, "available_until": until}


def _kind_fields(v: Validator, input: Any, kind: PostKind) -> dict[str, Any]:
    """What only some kinds carry: affairs' sub-kind, the market's terms, honour lists."""
    values: dict[str, Any] = {}
    affairs_kind = getattr(input, "affairs_kind", None)
    if kind is PostKind.AFFAIRS:
        if affairs_kind is None:
            v.fail("affairsKind", "affairs_kind_required")
        values["affairs_kind"] = affairs_kind
    elif affairs_kind is not None:
        v.fail("affairsKind", "only_for_affairs")
    market = getattr(input, "market", None)
    if kind is PostKind.MARKET:
        if market is None:
            v.fail("market", "market_required")
        else:
            values.update(_market(v, market, "market"))
    elif market is not None:
        v.fail("market", "only_for_market")
    honorees = getattr(input, "honorees", None)
    if kind is PostKind.HONOR:
        names = [
            v.text(h, f"honorees.{n}", HONOREE_MAX, required=True)
            for n, h in enumerate(honorees or [])
        ]
        if not names:
            v.fail("honorees", "honorees_required")
        elif len(names) > HONOREES_MAX:
            v.fail("honorees", "too_many_honorees", max=HONOREES_MAX)
        values["honorees"] = names
    elif honorees:
        v.fail("honorees", "only_for_honor")
    return values


async def create(ctx: Context, input: Any) -> Post:
    work = Work(ctx)
    v, settings, kind = work.input, ctx.settings, input.kind
    village_pk = v.id(input.village_id, "Region", "villageId")
    title = v.text(input.title, "title", TITLE_MAX)
    if title is None and kind in TITLED and not v.problems:
        v.fail("title", "title_required")
    body = v.text(input.body, "body", settings.post_max_length)
    uploads = list(input.photos or [])
    if body is None and not uploads and not any(p.field == "body" for p in v.problems):
        v.fail("body", "empty_post")
    values = _kind_fields(v, input, kind)
    v.done()

    village = await RegionByIdLoader(ctx).load(village_pk)
    marks = await followed(ctx)
    if (
        village is None
        or not villages.is_village(village)
        or not villages.can_read_feed(work.viewer, village.path, village.id, marks)
    ):
        raise not_found("villageId")  # unreadable looks missing
    if not policy.can_publish(work.viewer, village.path, kind):
        raise Forbidden("kind_not_allowed")
    quota = await _post_quota(ctx, work, village)
    images = await read_photos(
        ctx, uploads, "photos", strip_location=True, limit=settings.max_post_photos
    )
    staged = await stage(work.files, images)
    now = utcnow()
    post = Post(
        village_id=village.id,
        region_path=village.path,
        author_id=work.account_id,
        kind=kind,
        title=title,
        body=body or "",
        pin=0,
        created_at=now,
        **values,
    )

    async def write(session) -> Post:
        if quota is not None:
            await throttle.take(session, *quota)
        session.add(post)
        await session.flush()
        await live.record(session, post, PostEventKind.POSTED)
        for key, image in staged:
            session.add(
                PostPhoto(
                    post_id=post.id,
                    storage_key=key,
                    content_type=image.content_type,
                    width=image.width,
                    height=image.height,
                    size=len(image.data),
                    created_at=now,
                )
            )
        return post

    return await work.commit(write)


async def _post_quota(ctx: Context, work: Work, village: Region) -> tuple[Limit, str] | None:
    """POSTS_PER_HOUR per account; the village's officials are not limited. Refused at
    once when used up; the slot is taken in the post's transaction."""
    if policy.is_village_official(work.viewer, village.path):
        return None
    limit = Limit("post", ctx.settings.posts_per_hour, 3600, "post_throttled")
    quota = (limit, str(work.account_id))
    await throttle.ensure_room(ctx.db, *quota)
    return quota


async def edit(ctx: Context, input: Any) -> Post:
    """The author changes title, body or the market's terms; what it said before is kept
    as a revision, and the post shows when it was edited."""
    work = Work(ctx)
    v, settings = work.input, ctx.settings
    pk = v.id(input.id, "Post", "id")
    v.done()
    post = await _load(work, pk)
    if not policy.can_edit_post(work.viewer, post):
        raise Forbidden()
    changes: dict[str, Any] = {}
    if _given(input, "title"):
        changes["title"] = v.text(input.title, "title", TITLE_MAX, required=post.kind in TITLED)
    if _given(input, "body"):
        body = v.text(input.body, "body", settings.post_max_length)
        # Only a post with photos may say nothing, as when it was created.
        silent = body is None and not any(p.field == "body" for p in v.problems)
        if silent and not await PhotosByPostIdLoader(ctx).load(post.id):
            v.fail("body", "empty_post")
        changes["body"] = body or ""
    if _given(input, "market") and input.market is not None:
        if post.kind is not PostKind.MARKET:
            v.fail("market", "only_for_market")
        else:
            changes.update(_market(v, input.market, "market"))
    v.done()

    async def write(session) -> Post:
        row = await session.get(Post, post.id)
        text_changes = "title" in changes or "body" in changes
        if text_changes and (row.title, row.body) != (
            changes.get("title", row.title),
            changes.get("body", row.body),
        ):
            session.add(
                PostRevision(
                    post_id=row.id,
                    title=row.title,
                    body=row.body,
                    written_at=row.edited_at or row.created_at,
                    replaced_at=utcnow(),
                )
            )
        for name, value in changes.items():
            setattr(row, name, value)
        if changes:
            row.edited_at = utcnow()
            await live.record(session, row, PostEventKind.EDITED)
        return row

    return await work.commit(write)


async def remove(ctx: Context, input: Any) -> int:
    """The author, or an official of the village, deletes a post: it disappears from every
    feed; the row stays (with who deleted it and when)."""
    work = Work(ctx)
    pk = work.input.id(input.id, "Post", "id")
    work.input.done()
    post = await _load(work, pk)
    if not policy.can_delete_post(work.viewer, post):
        raise Forbidden()

    reason = work.input.text(getattr(input, "reason", None), "reason", REASON_MAX)
    work.input.done()

    async def write(session) -> None:
        row = await session.get(Post, post.id)
        if row.deleted_at is None:
            row.deleted_at, row.deleted_by_id = utcnow(), work.account_id
            await live.record(session, row, PostEventKind.DELETED)
            if not work.viewer.is_(row.author_id):  # an official's deletion is moderation
                _log(session, work, row, None, ModerationKind.DELETE, reason)

    await work.commit(write)
    return post.id


async def comment(ctx: Context, input: Any) -> tuple[Comment, Post]:
    """Members and followers comment; a reply answers a comment of the same post (a reply
    to a reply joins its thread: one level)."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.post_id, "Post", "postId")
    body = v.text(input.body, "body", ctx.settings.comment_max_length, required=True)
    reply_to = v.id(input.reply_to, "PostComment", "replyTo")
    v.done()
    post = await _load(work, pk, "postId")
    marks = await followed(ctx)
    _not_hidden(post, "postId")
    if not policy.can_take_part(work.viewer, post, marks):
        raise Forbidden()
    parent_id = None
    if reply_to is not None:
        async with ctx.db.sessions() as session:
            target = await session.get(Comment, reply_to)
        if target is None or target.post_id != post.id:
            raise not_found("replyTo")
        parent_id = target.parent_id or target.id
    limit = Limit("comment", ctx.settings.comments_per_minute, 60, "comment_throttled")
    quota = (limit, str(work.account_id))
    await throttle.ensure_room(ctx.db, *quota)
    row = Comment(
        post_id=post.id,
        parent_id=parent_id,
        author_id=work.account_id,
        body=body,
        created_at=utcnow(),
    )

    async def write(session) -> Comment:
        await throttle.take(session, *quota)
        session.add(row)
        return row

    return await work.commit(write), post


async def like(ctx: Context, input: Any, liked: bool) -> Post:
    """Like or unlike (idempotent: liking twice is one like)."""
    work = Work(ctx)
    pk = work.input.id(input.id, "Post", "id")
    work.input.done()
    post = await _load(work, pk)
    marks = await followed(ctx)
    _not_hidden(post, "id")
    if not policy.can_take_part(work.viewer, post, marks):
        raise Forbidden()

    async def write(session) -> None:
        key = {"post_id": post.id, "account_id": work.account_id}
        if liked:
            await upsert(session, PostLike, {**key, "created_at": utcnow()}, list(key))
        else:
            await session.execute(
                delete(PostLike).where(
                    PostLike.post_id == post.id, PostLike.account_id == work.account_id
                )
            )

    await work.commit(write)
    return post


async def pin(ctx: Context, input: Any) -> Post:
    """An official of the village pins a post on top of its feed, or unpins it."""
    work = Work(ctx)
    pk = work.input.id(input.id, "Post", "id")
    work.input.done()
    post = await _load(work, pk)
    if not policy.can_pin(work.viewer, post):
        raise Forbidden()
    pinned = bool(input.pinned)

    async def write(session) -> Post:
        row = await session.get(Post, post.id)
        was_pinned = bool(row.pin)
        row.pin, row.pinned_at = (1, utcnow()) if pinned else (0, None)
        if pinned:  # pinning again moves its pinnedAt: an event too
            await live.record(session, row, PostEventKind.PINNED)
        elif was_pinned:  # unpinning a post that was not pinned changes nothing
            await live.record(session, row, PostEventKind.UNPINNED)
        return row

    return await work.commit(write)


# --- moderation ----------------------------------------------------------------------------


def _not_hidden(post: Post, field: str) -> None:
    """Nobody comments on or likes a hidden post (those who may still read it are told)."""
    if post.hidden_at is not None:
        raise UserFailure.of(ErrorCode.INVALID_TRANSITION, "post_hidden", field)


def _log(
    session,
    work: Work,
    post: Post,
    comment_id: int | None,
    kind: ModerationKind,
    reason: str | None,
) -> None:
    session.add(
        ModerationEntry(
            post_id=post.id,
            comment_id=comment_id,
            actor_id=work.account_id,
            kind=kind,
            reason=reason,
            at=utcnow(),
        )
    )


async def _comment_of(work: Work, pk: int, field: str = "id") -> tuple[Comment, Post]:
    """A comment and its post, NOT_FOUND unless the viewer may read the post."""
    async with work.ctx.db.sessions() as session:
        row = await session.get(Comment, pk)
    if row is None:
        raise not_found(field)
    return row, await _load(work, row.post_id, field)


async def report(ctx: Context, input: Any, *, comment: bool) -> int:
    """Whoever may read a post reports it (or a comment of it) with a reason."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.id, "PostComment" if comment else "Post", "id")
    reason = v.text(input.reason, "reason", REASON_MAX, required=True)
    v.done()
    if comment:
        target, post = await _comment_of(work, pk)
        comment_id: int | None = target.id
    else:
        post, comment_id = await _load(work, pk), None
    if not policy.can_report(work.viewer, post, await followed(ctx)):
        raise Forbidden()
    row = ContentReport(
        post_id=post.id,
        comment_id=comment_id,
        village_id=post.village_id,
        reporter_id=work.account_id,
        reason=reason,
        created_at=utcnow(),
    )

    async def write(session) -> int:
        session.add(row)
        await session.flush()
        return row.id

    return await work.commit(write)


async def hide(ctx: Context, input: Any) -> Post:
    """An official of the village hides a post with a reason, or shows it again."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.id, "Post", "id")
    hidden = bool(input.hidden)
    reason = v.text(input.reason, "reason", REASON_MAX, required=hidden)
    v.done()
    post = await _load(work, pk)
    if not policy.can_moderate(work.viewer, post):
        raise Forbidden()

    async def write(session) -> Post:
        row = await session.get(Post, post.id)
        if (row.hidden_at is not None) != hidden:
            row.hidden_at, row.hidden_reason = (utcnow(), reason) if hidden else (None, None)
            kind = ModerationKind.HIDE if hidden else ModerationKind.UNHIDE
            _log(session, work, row, None, kind, reason)
            await live.record(session, row, PostEventKind.HIDDEN if hidden else PostEventKind.SHOWN)
        return row

    return await work.commit(write)


async def hide_comment(ctx: Context, input: Any) -> Comment:
    """An official of the village hides a comment with a reason, or shows it again."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.id, "PostComment", "id")
    hidden = bool(input.hidden)
    reason = v.text(input.reason, "reason", REASON_MAX, required=hidden)
    v.done()
    comment, post = await _comment_of(work, pk)
    if not policy.can_moderate(work.viewer, post):
        raise Forbidden()

    async def write(session) -> Comment:
        row = await session.get(Comment, comment.id)
        if (row.hidden_at is not None) != hidden:
            row.hidden_at, row.hidden_reason = (utcnow(), reason) if hidden else (None, None)
            kind = ModerationKind.HIDE if hidden else ModerationKind.UNHIDE
            _log(session, work, post, row.id, kind, reason)
        return row

    return await work.commit(write)
