"""Changing issues: the issue rules for each step of `core.mutations.Work` (validate, load,
authorise, one transaction through `lifecycle.apply` or the report insert)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import throttle
from core.context import Context
from core.errors import ErrorCode, Forbidden, UserFailure, invalid, not_found
from core.identity import Viewer
from core.mutations import Work
from core.throttle import Limit
from models.base import utcnow
from models.issues import Channel, Issue, IssueCategory, IssueEvent, IssueEventKind, IssueStatus
from resolvers.accounts import GrantsByAccountIdLoader, check_phone
from resolvers.issues import merging, policy
from resolvers.issues.deadlines import deadlines_from_json
from resolvers.issues.lifecycle import LOW_RATING, PASSED_ON, apply, check, open_issue
from resolvers.issues.loaders import IssueByIdLoader
from resolvers.issues.photos import read_photos, record, stage
from resolvers.regions import RegionByIdLoader

TITLE_MAX, DESCRIPTION_MAX, NOTE_MAX, ADDRESS_MAX, NAME_MAX = 100, 5000, 2000, 200, 50
Result = tuple[Issue, IssueEvent]
# Refused to a parent with open children: its reporter withdrawing it, or calling it a
# duplicate, would say nothing about its children's problem.
KEPT_FROM_PARENTS = frozenset({"cancel", "mark_duplicate"})
Quota = tuple[Limit, str]


def _deadlines(ctx: Context):
    return deadlines_from_json(ctx.settings.issue_deadlines)


async def _load(work: Work, pk: int, field: str = "id") -> Issue:
    """The issue as it is now (not from the request's loader cache: it is about to change),
    or NOT_FOUND when it is missing or the viewer may not read it."""
    async with work.ctx.db.sessions() as session:
        row = await session.get(Issue, pk)
    return work.found(row, policy.can_read_issue, field)


async def transition(
    ctx: Context,
    input: Any,
    action: str | Callable[[Viewer, Issue], str],
    *,
    note_required: bool = False,
    evidence_required: bool = False,
    validate=None,
) -> Result:
    """The shared path of every mutation that moves an existing issue.

    `validate(work, issue)` may check more input and returns extra keyword arguments for
    `apply`.
    """
    work = Work(ctx)
    v = work.input
    pk = v.id(input.id, "Issue", "id")
    note = v.text(getattr(input, "note", None), "note", NOTE_MAX, required=note_required)
    v.done()
    issue = await _load(work, pk)
    viewer = work.viewer
    if callable(action):
        action = action(viewer, issue)
    check(viewer, issue, action)
    # A parent's open children: what it passes on reaches them; what it cannot pass on
    # (withdrawing it, calling it a duplicate) waits until they are closed.
    children: list[Issue] = []
    if action in PASSED_ON or action in KEPT_FROM_PARENTS:
        children = await merging.open_children(ctx, issue.id)
        if children and action in KEPT_FROM_PARENTS:
            raise UserFailure.of(ErrorCode.INVALID_TRANSITION, "merged_parent", None)
    extra = await validate(work, issue) if validate else {}
    photos = getattr(input, "photos", None)
    if evidence_required:
        if note is None and not any(p.field == "note" for p in v.problems):
            v.fail("note", "evidence_needed")
        if not photos:
            v.fail("photos", "evidence_needed")
    v.done()
    images = await read_photos(ctx, photos, "photos", strip_location=issue.anonymous)
    staged = await stage(work.files, images)
    # Each child's event gets its own copy of the photos (a stored file has one row).
    copies = {child.id: await stage(work.files, images) for child in children}

    async def write(session) -> IssueEvent:
        if children:
            await merging.lock(session, children)  # rows first, then the event log
        now, deadlines = utcnow(), _deadlines(ctx)
        event = await apply(
            session,
            issue,
            action,
            actor_id=viewer.id,
            now=now,
            deadlines=deadlines,
            note=note,
            **extra,
        )
        record(session, staged, issue.id, event.id)
        if children:
            await merging.pass_on(
                session,
                issue,
                action,
                children,
                copies,
                actor_id=viewer.id,  # type: ignore[arg-type]
                now=now,
                deadlines=deadlines,
                note=note,
            )
        return event

    return issue, await work.commit(write)


async def accept(ctx: Context, input: Any) -> Result:
    return await transition(ctx, input, "accept")


async def start_work(ctx: Context, input: Any) -> Result:
    return await transition(ctx, input, "start")


async def add_update(ctx: Context, input: Any) -> Result:
    return await transition(ctx, input, "update", note_required=True)


async def resolve(ctx: Context, input: Any) -> Result:
    return await transition(ctx, input, "resolve", evidence_required=True)


async def escalate(ctx: Context, input: Any) -> Result:
    return await transition(ctx, input, "escalate")


async def reject(ctx: Context, input: Any) -> Result:
    return await transition(ctx, input, "reject", note_required=True)


async def cancel(ctx: Context, input: Any) -> Result:
    return await transition(ctx, input, "cancel")


async def unmerge(ctx: Context, input: Any) -> Result:
    """A merged child on its own again: out of its parent, with its own deadline."""

    async def validate(work: Work, issue: Issue) -> dict:
        return {"changes": {"parent_id": None}, "parent_id": issue.parent_id}

    return await transition(ctx, input, "unmerge", validate=validate)


async def reopen(ctx: Context, input: Any) -> Result:
    def which(viewer: Viewer, issue: Issue) -> str:
        """The reporter appeals (one level up); a handler reopens at the same level."""
        if policy.can_handle(viewer, issue):
            return "reopen"
        _not_own_work(viewer, issue)
        return "appeal"

    return await transition(ctx, input, which, note_required=True)


def _not_own_work(viewer: Viewer, issue: Issue) -> None:
    """Rating and appealing are the reporter's, never their own handler's (FORBIDDEN, saying
    why; `policy.speaks_for_reporter` is the rule, this only words the refusal)."""
    if policy.works_on_own_report(viewer, issue):
        raise Forbidden("own_work")


async def assign(ctx: Context, input: Any) -> Result:
    async def validate(work: Work, issue: Issue) -> dict:
        v = work.input
        assignee_id = v.id(input.assignee_id, "Account", "assigneeId")
        v.done()  # a bad ID stops here, before anything is looked up
        grants = await GrantsByAccountIdLoader(ctx).load(assignee_id)
        if not policy.can_be_assigned([(role, path) for role, _id, path in grants], issue):
            v.fail("assigneeId", "not_staff")
        return {"assignee_id": assignee_id}

    return await transition(ctx, input, "assign", validate=validate)


async def mark_duplicate(ctx: Context, input: Any) -> Result:
    async def validate(work: Work, issue: Issue) -> dict:
        v = work.input
        target_id = v.id(input.duplicate_of_id, "Issue", "duplicateOfId")
        v.done()
        target = await _load(work, target_id, "duplicateOfId")
        seen = {issue.id}
        # Point at the original, never at another duplicate, and never round in a circle.
        while target.id not in seen and target.status is IssueStatus.DUPLICATE:
            seen.add(target.id)
            if target.duplicate_of_id is None:
                break
            target = await _load(work, target.duplicate_of_id, "duplicateOfId")
        if target.id in seen:
            v.fail("duplicateOfId", "duplicate_self")
        return {"changes": {"duplicate_of_id": target.id}}

    return await transition(ctx, input, "mark_duplicate", validate=validate)


async def rate(ctx: Context, input: Any) -> Result:
    rating = input.rating
    low = rating is not None and rating <= LOW_RATING

    def action(viewer: Viewer, issue: Issue) -> str:
        _not_own_work(viewer, issue)
        return "rate_low" if low else "rate"

    async def validate(work: Work, issue: Issue) -> dict:
        v = work.input
        if rating is None or not 1 <= rating <= 5:
            v.fail("rating", "rating_range")
        comment = v.text(input.comment, "comment", 500)
        return {"rating": rating, "changes": {"rating_comment": comment}}

    return await transition(ctx, input, action, validate=validate)


# --- reporting -------------------------------------------------------------------------


async def report(ctx: Context, input: Any) -> Result:
    work = Work(ctx)
    viewer, v = work.viewer, work.input
    region_id = v.id(input.region_id, "Region", "regionId")
    title = v.text(input.title, "title", TITLE_MAX, required=True)
    description = v.text(input.description, "description", DESCRIPTION_MAX, required=True)
    request_id = v.text(input.client_request_id, "clientRequestId", 64)
    contact_name = v.text(input.contact_name, "contactName", NAME_MAX)
    contact_phone = None
    if input.contact_phone:
        try:
            contact_phone = check_phone(input.contact_phone, "contactPhone")
        except UserFailure as failure:
            v.problems.extend(failure.problems)
    behalf_id = v.id(input.on_behalf_of, "Account", "onBehalfOf")
    channel = input.channel or Channel.APP
    home = input.category is IssueCategory.HOME_SERVICE
    address = v.text(input.service_address, "serviceAddress", ADDRESS_MAX, required=home)
    window = input.service_window
    if home and window is None:
        v.fail("serviceWindow", "service_window")
    if window is not None:
        naive = [end for end in ("start", "end") if getattr(window, end).tzinfo is None]
        for end in naive:
            v.fail(f"serviceWindow.{end}", "needs_offset")
        if not naive and window.end <= window.start:
            v.fail("serviceWindow.end", "window_order")
        elif not naive and window.end <= utcnow():
            v.fail("serviceWindow.end", "window_past")
        elif not naive and (
            window.start < utcnow() - timedelta(days=1)
            or window.end > utcnow() + timedelta(days=366)
        ):
            v.fail("serviceWindow", "window_range")
    point = _location(v, input.location)
    v.done()

    region = await RegionByIdLoader(ctx).load(region_id)
    if region is None:
        raise not_found("regionId")
    if region.level not in policy.REPORTING_LEVELS:
        raise invalid("regionId", "region_level")
    proxy = bool(behalf_id or contact_name or contact_phone) or channel in (
        Channel.PHONE,
        Channel.WALK_IN,
    )
    if proxy and not policy.can_report_for_others(viewer, region.path):
        raise Forbidden("proxy_not_allowed")
    if proxy and behalf_id is None and contact_name is None:
        raise invalid("contactName", "required")
    if behalf_id is not None:
        # Only for someone the filer serves: an account with a role inside their jurisdiction.
        grants = await GrantsByAccountIdLoader(ctx).load(behalf_id)
        if not any(policy.can_report_for_others(viewer, path) for _role, _region, path in grants):
            raise not_found("onBehalfOf")

    if request_id is not None:
        earlier = await _earlier_report(ctx, viewer, request_id)
        if earlier:
            return earlier
    quota = await _check_rate(ctx, viewer, region.path)
    images = await read_photos(ctx, input.photos, "photos", strip_location=input.anonymous)

    now = utcnow()
    window_cells = _deadlines(ctx).window(input.category, region.level)
    issue = Issue(
        title=title,
        description=description,
        category=input.category,
        status=IssueStatus.SUBMITTED,
        level=region.level,
        region_id=region.id,
        region_path=region.path,
        reporter_id=behalf_id if proxy else viewer.id,
        filed_by_id=viewer.id,
        contact_name=contact_name,
        contact_phone=contact_phone,
        channel=channel,
        anonymous=bool(input.anonymous),
        client_request_id=request_id,
        service_address=address,
        service_from=window.start if window else None,
        service_until=window.end if window else None,
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
        created_at=now,
        level_since=now,
        due_at=now + window_cells.accept,
    )
    staged = await stage(work.files, images)

    async def write(session) -> IssueEvent:
        if quota is not None:
            await throttle.take(session, *quota)  # RATE_LIMITED past the quota, atomically
        event = await open_issue(session, issue, work.account_id)
        record(session, staged, issue.id, event.id)
        return event

    try:
        return issue, await work.commit(write)
    except IntegrityError:
        # The same clientRequestId raced in twice: the other one won; return its result.
        earlier = None if request_id is None else await _earlier_report(ctx, viewer, request_id)
        if earlier:
            return earlier
        raise


def _location(v: Any, location: Any) -> tuple[float, float] | None:
    """Where the report was made (WGS 84 degrees); VALIDATION at the coordinate out of range."""
    if location is None:
        return None
    bounds = {"latitude": 90.0, "longitude": 180.0}
    for name, bound in bounds.items():
        value = getattr(location, name)
        if not math.isfinite(value) or not -bound <= value <= bound:
            v.fail(f"location.{name}", "location_range")
    return (float(location.latitude), float(location.longitude))


async def _earlier_report(ctx: Context, viewer: Viewer, request_id: str) -> Result | None:
    rows = await ctx.reads.rows(
        select(Issue, IssueEvent)
        .join(IssueEvent, IssueEvent.issue_id == Issue.id)
        .where(
            Issue.filed_by_id == viewer.id,
            Issue.client_request_id == request_id,
            IssueEvent.kind == IssueEventKind.REPORTED,
        )
    )
    if not rows:
        return None
    issue, event = rows[0]
    IssueByIdLoader(ctx).prime(issue.id, issue)
    return issue, event


async def _check_rate(ctx: Context, viewer: Viewer, region_path: str) -> Quota | None:
    """Residents may file `reports_per_hour`; grid heads and officials filing in their area
    are not limited. Refuses at once when the quota is used up (before photos are decoded);
    the slot itself is taken in the report's transaction (`throttle.take`), atomically, and
    given back with it if the report fails."""
    if policy.is_unthrottled_reporter(viewer, region_path):
        return None
    limit = Limit("report", ctx.settings.reports_per_hour, 3600, "report_throttled")
    quota = (limit, str(viewer.id))
    await throttle.ensure_room(ctx.db, *quota)
    return quota
