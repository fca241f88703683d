"""Merging a group of open issues into one parent, and what the parent passes on to them.

`mergeIssues` takes the group's issues and either one of them as the parent or a new parent
(its region: the smallest covering every child's; its level: that region's, or the highest
of the children's). Every child gets a MERGED event naming the parent, the parent one of its
own; from then on a child is worked through its parent (`lifecycle.held`: only notes and
its reporter withdrawing it remain its own, the rest is INVALID_TRANSITION), and carries no
deadline of its own. What the parent's resolution or rejection does to it is in
`lifecycle.PASSED_ON`: each open child gets its own RESOLVED (with the parent's note and a
copy of its photos) or REJECTED event, so each reporter hears of it on their own issue and
rates or appeals it; a child reopened (a low rating, an appeal) leaves its parent.

**Locks.** A transaction that changes several issues locks their rows first, in id order,
before it appends to the event log (whose PostgreSQL advisory lock every single-issue change
takes after its row): otherwise two such transactions could each hold what the other waits
for. So two merges of the same issues serialise on the rows and the second finds their
versions changed: CONFLICT.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.errors import ErrorCode, Forbidden, Problem, UserFailure, invalid
from core.mutations import Work
from core.sqlconst import constant_in
from models.base import utcnow
from models.issues import OPEN_STATUSES, Channel, Issue, IssueEvent, IssueStatus
from models.regions import Region
from resolvers.issues import policy
from resolvers.issues.deadlines import deadlines_from_json
from resolvers.issues.lifecycle import PASSED_ON, apply, check, open_issue
from resolvers.issues.photos import record

TITLE_MAX, DESCRIPTION_MAX, NOTE_MAX = 100, 5000, 2000


async def merge(ctx: Context, input: Any) -> tuple[Issue, IssueEvent]:
    """`mergeIssues`: returns the parent and its MERGED event."""
    work = Work(ctx)
    v, viewer = work.input, work.viewer
    at: dict[int, str] = {}  # each issue, once, and the field path of its first mention
    for n, raw in enumerate(input.issue_ids):
        at.setdefault(v.id(raw, "Issue", f"issueIds.{n}"), f"issueIds.{n}")
    ids = list(at)
    limit = ctx.settings.max_merge_issues
    if len(ids) < 2:
        v.fail("issueIds", "merge_too_few")
    elif len(ids) > limit:
        v.fail("issueIds", "merge_too_many", max=limit)
    parent_id = v.id(input.parent_id, "Issue", "parentId")
    new = parent_id is None
    title = v.text(input.title, "title", TITLE_MAX, required=new)
    description = v.text(input.description, "description", DESCRIPTION_MAX, required=new)
    note = v.text(input.note, "note", NOTE_MAX)
    if not new:
        if parent_id and parent_id not in ids:  # (a malformed one is reported already)
            v.fail("parentId", "merge_parent_outside")
        for name, value in (("title", input.title), ("description", input.description)):
            if value is not None:
                v.fail(name, "merge_parent_given")
    v.done()

    issues, with_children = await _load(ctx, ids)
    missing = [
        Problem(ErrorCode.NOT_FOUND, at[pk], "not_found", {})
        for pk in ids
        if pk not in issues or not policy.can_read_issue(viewer, issues[pk])
    ]
    if missing:
        raise UserFailure(*missing)
    group = [issues[pk] for pk in ids]
    if not policy.can_merge(viewer, group):
        raise Forbidden()
    problems: list[Problem] = []
    for pk in ids:
        issue, field = issues[pk], at[pk]
        try:
            check(viewer, issue, "merge")
        except UserFailure as failure:
            problems.extend(Problem(p.code, field, p.key, p.params) for p in failure.problems)
            continue
        if pk in with_children and pk != parent_id:
            problems.append(Problem(ErrorCode.INVALID_TRANSITION, field, "merge_is_parent", {}))
    if problems:
        raise UserFailure(*problems)
    if len({i.category for i in group}) > 1:
        raise invalid("issueIds", "merge_categories")
    children = [i for i in group if i.id != parent_id]
    deadlines = deadlines_from_json(ctx.settings.issue_deadlines)
    if new:
        parent = await _new_parent(ctx, viewer, children, cast(str, title), cast(str, description))
        if not policy.can_handle(viewer, parent):
            raise Forbidden()
    else:
        parent = issues[cast(int, parent_id)]
        if not all(c.region_path.startswith(parent.region_path) for c in children):
            raise invalid("parentId", "merge_parent_region")

    async def write(session: AsyncSession) -> IssueEvent:
        await lock(session, group)
        now = utcnow()
        if new:
            parent.created_at = parent.level_since = now
            parent.due_at = now + deadlines.window(parent.category, parent.level).accept
            await open_issue(session, parent, viewer.id)  # type: ignore[arg-type]
        event = await apply(
            session, parent, "merge", actor_id=viewer.id, now=now, deadlines=deadlines, note=note
        )
        for child in children:
            await apply(
                session,
                child,
                "merge",
                actor_id=viewer.id,
                now=now,
                deadlines=deadlines,
                note=note,
                changes={"parent_id": parent.id},
                parent_id=parent.id,
            )
        return event

    return parent, await work.commit(write)


async def _load(ctx: Context, ids: Sequence[int]) -> tuple[dict[int, Issue], set[int]]:
    """The issues as they are now (about to change), and which of them have open children."""
    async with ctx.db.sessions() as session:
        rows = (await session.execute(select(Issue).where(Issue.id.in_(ids)))).scalars().all()
        parents = (
            await session.execute(
                select(Issue.parent_id)
                .where(Issue.parent_id.in_(ids), constant_in(Issue.status, OPEN_STATUSES))
                .distinct()
            )
        ).scalars()
        return {i.id: i for i in rows}, {p for p in parents if p is not None}


async def _new_parent(
    ctx: Context, viewer: Any, children: list[Issue], title: str, description: str
) -> Issue:
    """The new parent: in the smallest region covering every child, at that region's level
    or the highest of the children's, whichever is higher."""
    paths = [c.region_path for c in children]
    common = paths[0]
    for path in paths[1:]:
        while not path.startswith(common):
            common = common[: common.rstrip("/").rfind("/") + 1]
    async with ctx.db.sessions() as session:
        region = (await session.execute(select(Region).where(Region.path == common))).scalar_one()
    level = max([region.level, *(c.level for c in children)], key=lambda lv: lv.rank)
    return Issue(
        title=title,
        description=description,
        category=children[0].category,
        status=IssueStatus.SUBMITTED,
        level=level,
        region_id=region.id,
        region_path=region.path,
        reporter_id=None,
        filed_by_id=viewer.id,
        channel=Channel.APP,
        anonymous=False,
    )


async def lock(session: AsyncSession, issues: Sequence[Issue]) -> None:
    """Lock the issues' rows in id order and check that none changed since they were read
    (CONFLICT otherwise): see "Locks" above."""
    versions = dict(
        (
            await session.execute(
                select(Issue.id, Issue.version)
                .where(Issue.id.in_([i.id for i in issues]))
                .order_by(Issue.id)
                .with_for_update()
            )
        ).all()
    )
    if any(versions.get(i.id) != i.version for i in issues):
        raise UserFailure.of(ErrorCode.CONFLICT, "conflict", "id")


# --- what a parent passes on ---------------------------------------------------------------


async def open_children(ctx: Context, parent_id: int) -> list[Issue]:
    async with ctx.db.sessions() as session:
        return list(
            (
                await session.execute(
                    select(Issue)
                    .where(Issue.parent_id == parent_id, constant_in(Issue.status, OPEN_STATUSES))
                    .order_by(Issue.id)
                )
            ).scalars()
        )


async def pass_on(
    session: AsyncSession,
    parent: Issue,
    action: str,
    children: list[Issue],
    staged: dict[int, list],
    *,
    actor_id: int,
    now: Any,
    deadlines: Any,
    note: str | None,
) -> None:
    """Each open child gets what the parent's `action` passes on (`PASSED_ON`), as its own
    event with the parent's note and its own copy of the parent's photos. `children` were
    read and locked (`lock`) before the parent changed; a child merged in since is a
    CONFLICT (its photos were not staged)."""
    current = (
        await session.execute(
            select(Issue.id).where(
                Issue.parent_id == parent.id, constant_in(Issue.status, OPEN_STATUSES)
            )
        )
    ).scalars()
    if set(current) - {c.id for c in children}:
        raise UserFailure.of(ErrorCode.CONFLICT, "conflict", "id")
    for child in children:
        # Its deadline was the parent's: the one the resolution met or missed (dashboards'
        # on-time figures read it from the resolved issue).
        child.due_at = parent.due_at
        event = await apply(
            session,
            child,
            PASSED_ON[action],
            actor_id=actor_id,
            now=now,
            deadlines=deadlines,
            note=note,
            parent_id=parent.id,
        )
        record(session, staged.get(child.id, []), child.id, event.id)
