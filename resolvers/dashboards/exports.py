"""The issues of a region over a period as CSV, streamed from the database.

    GET /regions/{id}/issues.csv?from=2026-01-01T00:00:00+08:00&to=2027-01-01T00:00:00+08:00
    GET /regions/{id}/issue-events.csv?from=…&to=…

The issues reported in [from, to) in the region and below that the viewer may read (its
jurisdiction: officials and deputies whose grants cover the region; anyone else gets 404, as
for a region that does not exist). Two layouts, both from the issue timeline (`issue_events`):

- `issues.csv`: one row per issue: its current state, the first and last time of each step
  of the lifecycle with the handling level at it, counts, and `steps`: every timeline event as
  `time KIND level[→level] [status→]status [rating=n]`, joined by "; ".
- `issue-events.csv`: one row per timeline event (the issue's number, category and region
  repeated on each), for pivot tables.

Signed in with `Authorization: Bearer <token>` (scripts), or through a signed, expiring link
from `issueExportUrl` (a browser's download link cannot send a header): the link names the
sign-in it was made for, so it stops working when that sign-in ends, and the jurisdiction is
checked again when it is used.

Streamed: the header goes out first, then batches of EXPORT_BATCH_ROWS issues, each read
with two statements (the issues, by keyset on id; their events) in a short session of its
own, written and sent before the next is read. Memory stays that of one batch whatever the
period; no connection or transaction is held between batches, so a long download blocks no
writer, and every batch is read as it stands when it is read (up to the minute: nothing is
cached).

For spreadsheets (Excel, WPS): UTF-8 with a BOM, RFC 4180 (CRLF, quotes doubled), and every
cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, so
a title such as `=HYPERLINK(…)` is shown as text, never run as a formula. Times are ISO 8601
in the offset `from` was given in (dates: UTC).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import logging
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import ColumnElement, and_, select
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from core.config import Settings
from core.db import Database, Reads
from core.errors import UserFailure, invalid, language, not_found, translate
from core.http import json_response
from core.identity import Viewer, bearer_token, load_grants, load_viewer
from core.ids import parse_id, to_global_id
from core.permissions import under
from models.accounts import Account, AuthToken
from models.base import utcnow
from models.issues import OPEN_STATUSES, Issue, IssueEvent, IssueEventKind, IssueStatus
from models.regions import Region, RegionLevel
from resolvers.issues import policy

log = logging.getLogger("grassroots.exports")

LAYOUTS = ("issues", "issue-events")
# Cells a spreadsheet would read as a formula (or that hide one behind a tab or CR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- refusals ------------------------------------------------------------------------------


class ExportRefused(Exception):
    """A refused export: HTTP status, `extensions.code`, message key, the argument at fault."""

    def __init__(self, status: int, code: str, key: str, field: str | None, **params: object):
        super().__init__(key)
        self.status, self.code, self.key, self.field, self.params = (
            status,
            code,
            key,
            field,
            params,
        )

    def response(self, lang: str) -> Response:
        error = {
            "message": translate(self.key, lang, **self.params),
            "extensions": {"code": self.code, "field": self.field},
        }
        return json_response({"errors": [error]}, self.status)


# --- the period ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Reported in [start, end); times are written in `zone` (the offset `from` came in)."""

    start: datetime
    end: datetime
    zone: tzinfo


def parse_time(raw: str) -> datetime:
    """An ISO 8601 date (midnight UTC) or time (naive: UTC); ValueError otherwise."""
    raw = raw.strip()
    if len(raw) == 10:
        day = date.fromisoformat(raw)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def check_period(start: datetime, end: datetime, max_days: int) -> Period:
    """VALIDATION at `from` when it is after `to`, and past EXPORT_MAX_DAYS (as in
    `dashboard`)."""
    start = start if start.tzinfo is not None else start.replace(tzinfo=UTC)
    end = end if end.tzinfo is not None else end.replace(tzinfo=UTC)
    if start > end:
        raise ExportRefused(400, "VALIDATION", "dashboard_period_order", "from")
    if end - start > timedelta(days=max_days):
        raise ExportRefused(400, "VALIDATION", "export_period_too_long", "from", max=max_days)
    return Period(start, end, start.tzinfo or UTC)


def period_of(params: Any, max_days: int) -> Period:
    """The period from a request's `from` and `to` query parameters."""
    times = {}
    for name in ("from", "to"):
        try:
            times[name] = parse_time(params[name])
        except (KeyError, ValueError):
            raise ExportRefused(400, "VALIDATION", "export_period_required", name) from None
    return check_period(times["from"], times["to"], max_days)


# --- who may export what ---------------------------------------------------------------------


def can_export(viewer: Viewer, region: Region) -> bool:
    """Whoever may watch the region's issues live (its officials and deputies) may export
    them: the issues policy's rule, not a second one."""
    return viewer.signed_in and policy.can_watch_region(viewer, region.path)


def in_scope(viewer: Viewer, region: Region, period: Period) -> ColumnElement[bool]:
    """SQL: the issues of the export, within what the viewer may read."""
    return and_(
        policy.visible_issues(viewer),
        under(Issue.region_path, region.path),
        Issue.created_at >= period.start,
        Issue.created_at < period.end,
    )


# --- signed links ---------------------------------------------------------------------------


def _signature(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), f"export:{payload}".encode(), hashlib.sha256).hexdigest()


def _payload(session: int, region_id: int, layout: str, start: str, end: str, expires: int) -> str:
    return f"{session}:{region_id}:{layout}:{start}:{end}:{expires}"


def signed_query(
    secret: str,
    session: int,
    region_id: int,
    layout: str,
    start: str,
    end: str,
    ttl_seconds: int,
    lang: str,
) -> str:
    """The query string of a download link for one sign-in (its `AuthToken` id)."""
    expires = int(time.time()) + ttl_seconds
    signature = _signature(secret, _payload(session, region_id, layout, start, end, expires))
    return urlencode(
        {
            "from": start,
            "to": end,
            "session": session,
            "expires": expires,
            "lang": lang,
            "signature": signature,
        }
    )


def export_path(region_id: int, layout: str) -> str:
    return f"/regions/{quote(to_global_id('Region', region_id), safe='')}/{layout}.csv"


async def session_of(reads: Reads, viewer: Viewer) -> int | None:
    """The id of the sign-in (`AuthToken`) the viewer came with."""
    if viewer.token_hash is None:
        return None
    return await reads.one(select(AuthToken.id).where(AuthToken.token_hash == viewer.token_hash))


async def viewer_of_link(reads: Reads, secret: str, region_id: int, layout: str, params) -> Viewer:
    """The viewer a signed link was made for, if the link is intact, unexpired and its
    sign-in still valid; 403 otherwise."""
    refused = ExportRefused(403, "FORBIDDEN", "export_link_invalid", None)
    raw = {k: params.get(k, "") for k in ("session", "expires", "signature", "from", "to")}
    if not all(raw[k].isascii() and raw[k].isdigit() for k in ("session", "expires")):
        raise refused
    if len(raw["session"]) > 12 or len(raw["expires"]) > 12 or not raw["signature"].isascii():
        raise refused
    session, expires = int(raw["session"]), int(raw["expires"])
    expected = _signature(
        secret, _payload(session, region_id, layout, raw["from"], raw["to"], expires)
    )
    if expires < time.time() or not hmac.compare_digest(raw["signature"], expected):
        raise refused
    row = await reads.rows(
        select(Account, AuthToken.expires_at, AuthToken.token_hash)
        .join(AuthToken, AuthToken.account_id == Account.id)
        .where(
            AuthToken.id == session,
            AuthToken.revoked_at.is_(None),
            AuthToken.expires_at > utcnow(),
        )
    )
    if not row:
        raise refused
    account, token_expires, token_hash = row[0]
    return Viewer(
        account=account,
        grants=await load_grants(reads, account.id),
        token_hash=token_hash,
        token_expires_at=token_expires,
    )


async def export_url(ctx: Any, region_id: str, start: datetime, end: datetime, layout: str) -> str:
    """For `issueExportUrl`: a signed link to the export, for the viewer's sign-in."""
    viewer = ctx.require_viewer()
    period = check_period_for_graphql(start, end, ctx.settings.export_max_days)
    pk = parse_id(region_id, "Region", "regionId")
    region = await ctx.reads.one(select(Region).where(Region.id == pk))
    if region is None or not can_export(viewer, region):
        raise not_found("regionId")  # outside the jurisdiction looks missing
    session = await session_of(ctx.reads, viewer)
    if session is None:
        raise not_found("regionId")
    query = signed_query(
        ctx.settings.secret_key,
        session,
        region.id,
        layout,
        period.start.isoformat(),
        period.end.isoformat(),
        ctx.settings.export_link_ttl_seconds,
        ctx.lang,
    )
    base = ctx.settings.public_base_url or (
        str(ctx.request.base_url) if ctx.request is not None else ""
    )
    return f"{base.rstrip('/')}{export_path(region.id, layout)}?{query}"


def check_period_for_graphql(start: datetime, end: datetime, max_days: int) -> Period:
    """`check_period` with its refusals as the API's coded errors (VALIDATION at the
    argument)."""
    try:
        return check_period(start, end, max_days)
    except ExportRefused as refused:
        raise invalid(refused.field, refused.key, **refused.params) from None


# --- rows -----------------------------------------------------------------------------------


def cell(value: object) -> object:
    """A value a spreadsheet shows as it is: text that would start a formula gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def when(moment: datetime | None, zone: tzinfo) -> str:
    return "" if moment is None else moment.astimezone(zone).isoformat()


ISSUE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "编号"),
    ("id", "ID"),
    ("title", "标题"),
    ("category", "类别"),
    ("region", "地区"),
    ("region_code", "地区代码"),
    ("channel", "渠道"),
    ("status", "当前状态"),
    ("level", "当前办理层级"),
    ("reported_at", "上报时间"),
    ("reported_level", "上报层级"),
    ("accepted_at", "首次受理时间"),
    ("accepted_level", "首次受理层级"),
    ("last_accepted_at", "最近受理时间"),
    ("acceptances", "受理次数"),
    ("started_at", "首次开始办理时间"),
    ("escalations", "升级次数"),
    ("last_escalated_at", "最近升级时间"),
    ("highest_level", "最高办理层级"),
    ("resolved_at", "最近办结时间"),
    ("resolved_level", "办结层级"),
    ("closed_at", "关闭时间"),
    ("rejected_at", "驳回时间"),
    ("duplicate_at", "标记重复时间"),
    ("cancelled_at", "撤销时间"),
    ("reopenings", "重新打开次数"),
    ("last_reopened_at", "最近重新打开时间"),
    ("rating", "评分"),
    ("rated_at", "评价时间"),
    ("due_at", "当前期限"),
    ("overdue", "是否逾期"),
    ("events", "事件数"),
    ("steps", "办理过程"),
)

EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "编号"),
    ("issue_id", "诉求ID"),
    ("category", "类别"),
    ("region", "地区"),
    ("event_id", "事件ID"),
    ("at", "时间"),
    ("kind", "事件"),
    ("from_status", "原状态"),
    ("to_status", "新状态"),
    ("from_level", "原层级"),
    ("level", "办理层级"),
    ("rating", "评分"),
    ("note", "说明"),
)


def header(layout: str, lang: str) -> list[str]:
    """Column names: Chinese, or in English the column's key (what scripts read)."""
    columns = ISSUE_COLUMNS if layout == "issues" else EVENT_COLUMNS
    return [key if lang == "en" else zh for key, zh in columns]


ISSUE_FIELDS = (
    Issue.id,
    Issue.number,
    Issue.title,
    Issue.category,
    Issue.status,
    Issue.level,
    Issue.channel,
    Issue.created_at,
    Issue.due_at,
    Issue.rating,
    Region.name,
    Region.code,
)
EVENT_FIELDS = (
    IssueEvent.issue_id,
    IssueEvent.id,
    IssueEvent.kind,
    IssueEvent.from_status,
    IssueEvent.to_status,
    IssueEvent.from_level,
    IssueEvent.level,
    IssueEvent.rating,
    IssueEvent.at,
)


def step(event: Any, zone: tzinfo) -> str:
    """One timeline event in `steps`: `time KIND level[→level] [from→]to [rating=n]`."""
    level = event.level.value
    if event.from_level is not None and event.from_level is not event.level:
        level = f"{event.from_level.value}→{level}"
    status = event.to_status.value
    if event.from_status is not None and event.from_status is not event.to_status:
        status = f"{event.from_status.value}→{status}"
    text = f"{when(event.at, zone)} {event.kind.value} {level} {status}"
    return f"{text} rating={event.rating}" if event.rating is not None else text


def issue_row(issue: Any, events: Sequence[Any], zone: tzinfo, now: datetime) -> list[object]:
    """One issue's row, from its timeline (oldest first)."""

    by_kind: dict[IssueEventKind, list[Any]] = {}
    closed: list[Any] = []
    highest: RegionLevel = issue.level
    for event in events:  # one pass over the timeline
        by_kind.setdefault(event.kind, []).append(event)
        if event.to_status is IssueStatus.CLOSED:
            closed.append(event)
        if event.level.rank > highest.rank:
            highest = event.level

    def of(kind: IssueEventKind) -> list[Any]:
        return by_kind.get(kind, [])

    reported = of(IssueEventKind.REPORTED)
    accepted = of(IssueEventKind.ACCEPTED)
    escalated = of(IssueEventKind.ESCALATED)
    resolved = of(IssueEventKind.RESOLVED)
    reopened = of(IssueEventKind.REOPENED)
    rated = [e for e in of(IssueEventKind.RATED) if e.rating is not None]

    def first(found: list[Any]) -> Any:
        return found[0] if found else None

    def last(found: list[Any]) -> Any:
        return found[-1] if found else None

    def at(event: Any) -> str:
        return "" if event is None else when(event.at, zone)

    def level(event: Any) -> str:
        return "" if event is None else event.level.value

    overdue = issue.due_at is not None and issue.due_at < now and issue.status in OPEN_STATUSES
    row: list[object] = [
        issue.number or "",
        to_global_id("Issue", issue.id),
        issue.title,
        issue.category.value,
        issue.name,
        issue.code,
        issue.channel.value,
        issue.status.value,
        issue.level.value,
        when(issue.created_at, zone),
        level(first(reported)),
        at(first(accepted)),
        level(first(accepted)),
        at(last(accepted)),
        len(accepted),
        at(first(of(IssueEventKind.STARTED))),
        len(escalated),
        at(last(escalated)),
        highest.value,
        at(last(resolved)),
        level(last(resolved)),
        at(last(closed)),
        at(last(of(IssueEventKind.REJECTED))),
        at(last(of(IssueEventKind.MARKED_DUPLICATE))),
        at(last(of(IssueEventKind.CANCELLED))),
        len(reopened),
        at(last(reopened)),
        rated[-1].rating if rated else ("" if issue.rating is None else issue.rating),
        at(last(rated)),
        when(issue.due_at, zone),
        "yes" if overdue else "no",
        len(events),
        "; ".join(step(e, zone) for e in events),
    ]
    return [cell(value) for value in row]


def event_rows(issue: Any, events: Sequence[Any], zone: tzinfo) -> Iterable[list[object]]:
    issue_id = to_global_id("Issue", issue.id)
    for event in events:
        row: list[object] = [
            issue.number or "",
            issue_id,
            issue.category.value,
            issue.name,
            event.id,
            when(event.at, zone),
            event.kind.value,
            "" if event.from_status is None else event.from_status.value,
            event.to_status.value,
            "" if event.from_level is None else event.from_level.value,
            event.level.value,
            "" if event.rating is None else event.rating,
            event.note or "",
        ]
        yield [cell(value) for value in row]


async def csv_chunks(
    db: Database,
    viewer: Viewer,
    region: Region,
    period: Period,
    layout: str,
    lang: str,
    batch: int,
) -> AsyncIterator[bytes]:
    """The export, a batch of issues at a time: the BOM and header first, then one chunk per
    batch, each read with two statements in short sessions of their own."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180: CRLF, quotes doubled
    writer.writerow(header(layout, lang))
    yield ("\ufeff" + out.getvalue()).encode()
    scope = in_scope(viewer, region, period)
    event_fields = EVENT_FIELDS + ((IssueEvent.note,) if layout == "issue-events" else ())
    last_id = 0
    while True:
        issues = await db.rows(
            select(*ISSUE_FIELDS)
            .join(Region, Region.id == Issue.region_id)
            .where(scope, Issue.id > last_id)
            .order_by(Issue.id)
            .limit(batch)
        )
        if not issues:
            return
        ids = [issue.id for issue in issues]
        events = await db.rows(
            select(*event_fields)
            .where(IssueEvent.issue_id.in_(ids))
            .order_by(IssueEvent.issue_id, IssueEvent.id)
        )
        timelines: dict[int, list[Any]] = {pk: [] for pk in ids}
        for event in events:
            timelines[event.issue_id].append(event)
        out.seek(0)
        out.truncate()
        now = utcnow()
        for issue in issues:
            if layout == "issues":
                writer.writerow(issue_row(issue, timelines[issue.id], period.zone, now))
            else:
                writer.writerows(event_rows(issue, timelines[issue.id], period.zone))
        yield out.getvalue().encode()
        del issues, events, timelines
        if len(ids) < batch:
            return
        last_id = ids[-1]


# --- the endpoint -----------------------------------------------------------------------------


def issue_export_endpoint(settings: Settings, db: Database, layout: str):
    """`GET /regions/{id}/issues.csv` or `/regions/{id}/issue-events.csv` (`layout`)."""

    async def serve(request: Request) -> Response:
        params = request.query_params
        lang = params.get("lang") or language(request.headers.get("accept-language"))
        lang = "en" if lang == "en" else "zh"
        reads = Reads(db)
        try:
            try:
                region_pk = parse_id(request.path_params["id"], "Region")
            except UserFailure:
                region_pk = 0
            if "signature" in params:
                viewer = await viewer_of_link(reads, settings.secret_key, region_pk, layout, params)
            else:
                found = await load_viewer(reads, bearer_token(request.headers.get("authorization")))
                if found is None or not found.signed_in:
                    key = "token_invalid" if found is None else "unauthenticated"
                    raise ExportRefused(401, "UNAUTHENTICATED", key, None)
                viewer = found
            region = (
                await reads.one(select(Region).where(Region.id == region_pk)) if region_pk else None
            )
            if region is None or not can_export(viewer, region):
                raise ExportRefused(404, "NOT_FOUND", "not_found", "id")
            period = period_of(params, settings.export_max_days)
        except ExportRefused as refused:
            return refused.response(lang)
        finally:
            await reads.close()
        day = period.start.astimezone(period.zone).date().isoformat()
        last = (period.end - timedelta(microseconds=1)).astimezone(period.zone).date().isoformat()
        name = f"{layout}-{region.code or region.id}-{day}-{last}.csv"
        chunks = csv_chunks(db, viewer, region, period, layout, lang, settings.export_batch_rows)
        return StreamingResponse(
            chunks,
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return serve
