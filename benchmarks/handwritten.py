"""The hand-written baseline of `benchmarks.queries`: the benchmark's reads as plain SQL and
JSON, byte for byte what /graphql answers, served by the real server's process.

    uvicorn benchmarks.handwritten:app      (the environment as for `uvicorn server:app`)

`app` is `server.create_app()` (the real app, garbage collector frozen after it is built, as
`server:app` is) with these routes in front of its own, so both sides share the process, the
event loop, the middleware and the database:

    POST /raw/issues[?total=1]   `PAGE_QUERY`'s answer (`TOTAL_QUERY`'s with total=1), for the
                                 request's `variables` (first, after, filter)
    POST /raw/counts[?grouped=1] `COUNTS_QUERY`'s answer (`GROUPED_QUERY`'s with grouped=1):
                                 one GROUP BY status
    POST /raw/dashboard          `DASHBOARD_QUERY`'s answer (regionId, from, to): the same
                                 figures in 3 statements of its own SQL (`Raw.dashboard`)
    GET  /raw/stats              statements run and connections taken so far (JSON)

Each runs what a hand-written endpoint of the same data would: the token looked up with the
account's grants (one statement, as `core.identity.load_viewer` reads them), the permission
filter of `resolvers.issues.policy.visible_issues` (reporter, filer or assignee is the
viewer, or the region path within a grant of an oversight role, as a range `path >= p AND
path < p_end`, p_end being p with its last "/" replaced by "0"), the page by keyset from
`issues` alone, the count only when asked, photos, the last three events of each issue with
their actors' names, and the regions' and reporters' names: on PostgreSQL through an asyncpg
pool of its own (a LATERAL join for the timelines), on SQLite through one aiosqlite
connection (a window function). One connection per request. The answer is assembled as a
GraphQL server would print it: global IDs (base64 of "Type:pk"), cursors, datetimes as
`isoformat()`, photo URLs signed by `core.media.signed_url` on PUBLIC_BASE_URL (else the
request's base URL), the reporter and actors hidden as `policy.can_see_reporter` hides them,
keys in the query's order, encoded by `core.http.encode` as /graphql encodes its answers.
Only what the benchmark asks is supported: another filter is a 400.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.config import Settings
from core.http import JSON, encode
from core.media import signed_url
from core.permissions import path_end
from core.sqltime import LocalDays

# The GraphQL side of each endpoint: `queries.py` posts these to /graphql and the same
# variables to /raw/..., and compares the bytes.
NODE = """id number title status level createdAt dueAt overdue
        region { id name }
        reporter { id displayName }
        photos { url width height }
        timeline(last: 3) { edges { node { id kind toStatus at actor { id displayName } } } }"""
PAGE_BODY = f"""edges {{ node {{
        {NODE}
      }} }}
      pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}"""
PAGE_QUERY = f"""query Page($first: Int, $after: String, $filter: IssueFilter) {{
  issues(first: $first, after: $after, filter: $filter) {{
      {PAGE_BODY}
  }}
}}"""
TOTAL_QUERY = f"""query PageWithTotal($first: Int, $after: String, $filter: IssueFilter) {{
  issues(first: $first, after: $after, filter: $filter) {{
      totalCount
      {PAGE_BODY}
  }}
}}"""
STATUSES = (
    "SUBMITTED",
    "ACCEPTED",
    "IN_PROGRESS",
    "RESOLVED",
    "CLOSED",
    "REJECTED",
    "DUPLICATE",
    "CANCELLED",
)
COUNTS_QUERY = (
    "query Dashboard {\n"
    + "\n".join(
        f"  {s.lower()}: issues(filter: {{statuses: [{s}]}}) {{ totalCount }}" for s in STATUSES
    )
    + "\n}"
)
# The grouped count (`issueCounts`), where the schema has it.
GROUPED_QUERY = "query DashboardGrouped {\n  issueCounts(groupBy: [STATUS]) { status count }\n}"
TIMELINE_LAST = 3
OPEN = frozenset({"SUBMITTED", "ACCEPTED", "IN_PROGRESS"})
OFFICIAL = frozenset({"GRID_HEAD", "VILLAGE_OFFICIAL", "TOWNSHIP_OFFICIAL", "COUNTY_OFFICIAL"})
OVERSIGHT = OFFICIAL | {"DEPUTY"}
RANK = {"COURTYARD": 0, "VILLAGE": 1, "TOWNSHIP": 2, "COUNTY": 3}
MAX_PAGE = 100
PARTIES = ("reporter_id", "filed_by_id", "assignee_id")

# What the hand-written side costs the database, for the benchmark (GET /raw/stats).
STATS = {"statements": 0, "checkouts": 0}


def global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def from_global_id(value: str, type_name: str) -> int:
    found, _, pk = base64.b64decode(value).decode().partition(":")
    if found != type_name:
        raise ValueError(value)
    return int(pk)


def cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"k:{pk}".encode()).decode()


def from_cursor(value: str) -> int:
    prefix, _, pk = base64.urlsafe_b64decode(value.encode()).decode().partition(":")
    if prefix != "k":
        raise ValueError(value)
    return int(pk)


# --- the dashboard ---------------------------------------------------------------------

FILTER_FIELDS = (
    "regionId statuses categories levels overdue reportedFrom reportedTo everAccepted "
    "everResolved latestRatings escalatedTo deadlineOutcomes"
)
DASHBOARD_QUERY = f"""query Dashboard($regionId: ID!, $from: DateTime, $to: DateTime) {{
  dashboard(regionId: $regionId, from: $from, to: $to) {{
    region {{ id name }} from to
    reported {{ count filter {{ ...F }} }}
    byStatus {{ status count filter {{ ...F }} }}
    byCategory {{ category count filter {{ ...F }} }}
    byRegion {{ region {{ id name }} count filter {{ ...F }} }}
    timeToAccept {{ count medianHours p90Hours filter {{ ...F }} }}
    timeToResolve {{ count medianHours p90Hours filter {{ ...F }} }}
    satisfaction {{ ratings satisfied rate filter {{ ...F }} satisfiedFilter {{ ...F }} }}
    onTime {{ closedOnTime closed overdueOpen rate filter {{ ...F }}
      closedOnTimeFilter {{ ...F }} closedFilter {{ ...F }} overdueOpenFilter {{ ...F }} }}
    overdueByLevel {{ level count filter {{ ...F }} }}
    escalationsByLevel {{ level count filter {{ ...F }} }}
    trend {{ day reported resolved closed }}
  }}
}}
fragment F on IssueFilterValue {{ {FILTER_FIELDS} }}"""
CATEGORIES = (
    "ROADS",
    "WATER",
    "HEATING",
    "ENVIRONMENT",
    "DISPUTE",
    "AGRICULTURE",
    "LEGAL_AID",
    "CONSULTATION",
    "HOME_SERVICE",
    "OTHER",
)
LEVELS = ("COURTYARD", "VILLAGE", "TOWNSHIP", "COUNTY")
FINISHED = ("RESOLVED", "CLOSED")


def epoch(column: str, postgres: bool) -> str:
    """Whole seconds since the epoch, as `core.sqltime.epoch_seconds`."""
    if postgres:
        return f"CAST(floor(date_part('epoch', {column})) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def hours(n: int, low: int | None, high: int | None, p: int) -> float | None:
    """percentile_cont between the two order statistics, in hours."""
    if low is None:
        return None
    position = Fraction((n - 1) * p, 100)
    fraction = position - int(position)
    exact = low + (high - low) * fraction if fraction and high is not None else Fraction(low)
    return float(Fraction(exact) / 3600)


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Viewer:
    __slots__ = ("admin", "grants", "id")

    def __init__(self, account_id: int, grants: list[tuple[str, str, str]]) -> None:
        self.id = account_id
        self.grants = grants  # (role, region path, region level)
        self.admin = any(role == "ADMIN" for role, _, _ in grants)

    def can_see_reporter(self, row: Sequence[Any]) -> bool:
        """`policy.can_see_reporter` on a page row (see `Raw.PAGE_COLUMNS`)."""
        if not row[11]:  # anonymous
            return True
        if self.id in (row[8], row[9], row[10]):  # reporter, filer, assignee
            return True
        if self.admin:
            return True
        path, rank = row[12], RANK[row[4]]
        return any(
            role in OFFICIAL and path.startswith(p) and RANK[level] >= rank
            for role, p, level in self.grants
        )


class Params:
    """Placeholders for one statement: `$n` (asyncpg) or `?` (sqlite3)."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}" if self.postgres else "?"

    def ids(self, values: list[int]) -> str:
        """`IN` a list of integers."""
        if self.postgres:
            return f"= ANY({self(values)}::int[])"
        return f"IN ({', '.join(self(v) for v in values)})" if values else "IN (NULL)"


class Database:
    """One connection per request: asyncpg's pool on PostgreSQL, one aiosqlite connection
    (taken in turns) on SQLite."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.postgres = url.get_backend_name() == "postgresql"
        self.url = url
        self.pool: Any = None
        self.sqlite: Any = None
        self.lock = asyncio.Lock()

    async def open(self) -> None:
        if self.postgres:
            import asyncpg

            dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.pool = await asyncpg.create_pool(dsn, min_size=1, max_size=10)
        else:
            import aiosqlite

            self.sqlite = await aiosqlite.connect(self.url.database or "")
            await self.sqlite.execute("PRAGMA query_only=ON")

    def timestamp(self, value: datetime) -> Any:
        """A datetime as the column compares: aware on PostgreSQL, SQLAlchemy's text on SQLite."""
        if self.postgres:
            return value
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def connection(self) -> Connection:
        return Connection(self)


class Connection:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn: Any = None

    async def __aenter__(self) -> Connection:
        STATS["checkouts"] += 1
        if self.db.postgres:
            self.conn = await self.db.pool.acquire()
        else:
            await self.db.lock.acquire()
            self.conn = self.db.sqlite
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.db.postgres:
            await self.db.pool.release(self.conn)
        else:
            self.db.lock.release()

    async def fetch(self, sql: str, params: Params) -> list[Sequence[Any]]:
        STATS["statements"] += 1
        if self.db.postgres:
            return await self.conn.fetch(sql, *params.values)
        async with self.conn.execute(sql, params.values) as rows:
            return list(await rows.fetchall())


def aware(value: Any) -> datetime | None:
    """A timestamp column's value as the models read it: aware, in UTC."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite: naive UTC text
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone(UTC)


def when(value: Any) -> str | None:
    """A timestamp as strawberry prints a DateTime (aware UTC, `isoformat()`)."""
    stamp = aware(value)
    return None if stamp is None else stamp.isoformat()


class Raw:
    """The hand-written endpoints (see the module's docstring)."""

    PAGE_COLUMNS = (
        "i.id, i.number, i.title, i.status, i.level, i.created_at, i.due_at, i.region_id, "
        "i.reporter_id, i.filed_by_id, i.assignee_id, i.anonymous, i.region_path"
    )

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.opened: asyncio.Task | None = None

    def routes(self) -> list[Route]:
        return [
            Route("/raw/issues", self.issues, methods=["POST"]),
            Route("/raw/counts", self.counts, methods=["POST"]),
            Route("/raw/dashboard", self.dashboard, methods=["POST"]),
            Route("/raw/stats", self.stats, methods=["GET"]),
        ]

    async def ready(self) -> Database:
        if self.opened is None:
            self.opened = asyncio.ensure_future(self.db.open())
        await self.opened
        return self.db

    async def stats(self, request: Request) -> JSONResponse:
        return JSONResponse(STATS)

    async def viewer(self, conn: Connection, request: Request) -> Viewer:
        """`load_viewer`: the token's account, unexpired and unrevoked, with its grants."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refused(401, "sign in")
        digest = hashlib.sha256(token.strip().encode()).hexdigest()
        p = Params(conn.db.postgres)
        rows = await conn.fetch(
            "SELECT a.id, r.path, r.level, g.role FROM auth_tokens t "
            "JOIN accounts a ON a.id = t.account_id "
            "LEFT JOIN role_grants g ON g.account_id = a.id "
            "LEFT JOIN regions r ON r.id = g.region_id "
            f"WHERE t.token_hash = {p(digest)} AND t.revoked_at IS NULL "
            f"AND t.expires_at > {p(conn.db.timestamp(datetime.now(UTC)))} "
            "ORDER BY g.id",
            p,
        )
        if not rows:
            raise Refused(401, "token_invalid")
        grants = [(row[3], row[1], row[2]) for row in rows if row[3] is not None]
        return Viewer(rows[0][0], grants)

    @staticmethod
    def visible(viewer: Viewer, p: Params) -> str:
        """`policy.visible_issues`, with jurisdiction as a range of the path."""
        if viewer.admin:
            return "TRUE" if p.postgres else "1"
        clauses = [f"i.{column} = {p(viewer.id)}" for column in PARTIES]
        clauses += [
            f"(i.region_path >= {p(path)} AND i.region_path < {p(path_end(path))})"
            for role, path, _ in viewer.grants
            if role in OVERSIGHT
        ]
        return "(" + " OR ".join(clauses) + ")"

    async def resolve_filter(self, conn: Connection, flt: dict | None) -> dict:
        """An IssueFilter (as its variables), its region looked up (one statement)."""
        flt = dict(flt or {})
        if region_id := flt.pop("regionId", None):
            p = Params(conn.db.postgres)
            found = await conn.fetch(
                f"SELECT path FROM regions WHERE id = {p(from_global_id(region_id, 'Region'))}", p
            )
            if not found:
                raise Refused(404, "no such region")
            flt["path"] = found[0][0]
        known = {"path", "statuses", "categories", "levels", "overdue"}
        if any(v not in (None, False) for k, v in flt.items() if k not in known):
            raise Refused(400, f"not supported here: {sorted(set(flt) - known)}")
        return flt

    def where(self, viewer: Viewer, flt: dict, p: Params) -> str:
        """The WHERE clause of the viewer's issues under a resolved filter."""
        where = [self.visible(viewer, p)]
        if path := flt.get("path"):
            where.append(f"i.region_path >= {p(path)} AND i.region_path < {p(path_end(path))}")
        for key, column in (
            ("statuses", "status"),
            ("categories", "category"),
            ("levels", "level"),
        ):
            if values := flt.get(key):
                where.append(f"i.{column} IN ({', '.join(p(v) for v in values)})")
        overdue = flt.get("overdue")
        if overdue is not None:
            now = p(self.db.timestamp(datetime.now(UTC)))
            open_ = ", ".join(p(s) for s in sorted(OPEN))
            condition = f"(i.due_at < {now} AND i.status IN ({open_}))"
            where.append(condition if overdue else f"(NOT {condition} OR i.due_at IS NULL)")
        return " AND ".join(where)

    async def issues(self, request: Request) -> Response:
        db = await self.ready()
        body = await request.json()
        variables = body.get("variables") or {}
        with_total = request.query_params.get("total") == "1"
        try:
            async with db.connection() as conn:
                viewer = await self.viewer(conn, request)
                page = await self.page(conn, viewer, variables, with_total, request)
        except Refused as refused:
            return JSONResponse({"errors": [{"message": str(refused)}]}, refused.status)
        return Response(encode({"data": {"issues": page}}), media_type=JSON)

    async def page(
        self, conn: Connection, viewer: Viewer, variables: dict, with_total: bool, request: Request
    ) -> dict:
        first = variables.get("first")
        first = 20 if first is None else first
        if not 0 <= first <= MAX_PAGE:
            raise Refused(400, "first")
        after = from_cursor(variables["after"]) if variables.get("after") else None
        postgres = conn.db.postgres

        flt = await self.resolve_filter(conn, variables.get("filter"))
        p = Params(postgres)
        condition = self.where(viewer, flt, p)
        condition += f" AND i.id < {p(after)}" if after is not None else ""
        rows = await conn.fetch(
            # The page from `issues` alone: joined here, SQLite would join every row the
            # jurisdiction matches before sorting (hundreds of ms for a county).
            f"SELECT {self.PAGE_COLUMNS} FROM issues i "
            f"WHERE {condition} ORDER BY i.id DESC LIMIT {p(first + 1)}",
            p,
        )
        has_next = len(rows) > first
        rows = rows[:first]

        out: dict[str, Any] = {}
        if with_total:
            p = Params(postgres)
            where = self.where(viewer, flt, p)
            counted = await conn.fetch(f"SELECT count(*) FROM issues i WHERE {where}", p)
            out["totalCount"] = counted[0][0]
        has_previous = False
        if after is not None:
            p = Params(postgres)
            where = self.where(viewer, flt, p)
            found = await conn.fetch(
                f"SELECT 1 FROM issues i WHERE {where} AND i.id >= {p(after)} LIMIT 1", p
            )
            has_previous = bool(found)

        ids = [row[0] for row in rows]
        photos: dict[int, list[dict]] = defaultdict(list)
        timeline: dict[int, list[Sequence[Any]]] = defaultdict(list)
        names: dict[tuple[str, int], str] = {}  # ("r", region id) / ("a", account id)
        if ids:
            p = Params(postgres)
            for issue_id, key, width, height in await conn.fetch(
                f"SELECT issue_id, storage_key, width, height FROM photos "
                f"WHERE issue_id {p.ids(ids)} ORDER BY id",
                p,
            ):
                photos[issue_id].append({"url": key, "width": width, "height": height})
            p = Params(postgres)
            if postgres:
                events = await conn.fetch(
                    "SELECT e.issue_id, e.id, e.kind, e.to_status, e.at, e.actor_id, "
                    f"a.display_name FROM unnest({p(ids)}::int[]) AS k(id) "
                    "CROSS JOIN LATERAL (SELECT id, issue_id, kind, to_status, at, actor_id "
                    "FROM issue_events WHERE issue_id = k.id ORDER BY id DESC "
                    f"LIMIT {TIMELINE_LAST}) e "
                    "LEFT JOIN accounts a ON a.id = e.actor_id",
                    p,
                )
            else:
                events = await conn.fetch(
                    "SELECT e.issue_id, e.id, e.kind, e.to_status, e.at, e.actor_id, "
                    "a.display_name FROM (SELECT id, issue_id, kind, to_status, at, actor_id, "
                    "row_number() OVER (PARTITION BY issue_id ORDER BY id DESC) AS n "
                    f"FROM issue_events WHERE issue_id {p.ids(ids)}) e "
                    "LEFT JOIN accounts a ON a.id = e.actor_id "
                    f"WHERE e.n <= {TIMELINE_LAST}",
                    p,
                )
            for event in events:
                timeline[event[0]].append(event)
            p = Params(postgres)
            regions = sorted({row[7] for row in rows})
            reporters = sorted({row[8] for row in rows if row[8] is not None})
            for kind, pk, name in await conn.fetch(
                f"SELECT 'r', id, name FROM regions WHERE id {p.ids(regions)} UNION ALL "
                f"SELECT 'a', id, display_name FROM accounts WHERE id {p.ids(reporters)}",
                p,
            ):
                names[kind, pk] = name

        settings = self.settings
        base = (settings.public_base_url or str(request.base_url)).rstrip("/")
        secret, ttl = settings.secret_key, settings.photo_url_ttl_seconds
        now = datetime.now(UTC)
        edges = []
        for row in rows:
            (pk, number, title, status, level, created, due, region_id, reporter_id,
             filed_by_id, _, _, _) = row  # fmt: skip
            shown = viewer.can_see_reporter(row)
            due_at = aware(due)
            overdue = status in OPEN and due_at is not None and due_at < now
            events_of = sorted(timeline[pk], key=lambda e: e[1])
            edges.append(
                {
                    "node": {
                        "id": global_id("Issue", pk),
                        "number": number or "",
                        "title": title,
                        "status": status,
                        "level": level,
                        "createdAt": when(created),
                        "dueAt": due_at.isoformat() if due_at is not None else None,
                        "overdue": overdue,
                        "region": {
                            "id": global_id("Region", region_id),
                            "name": names["r", region_id],
                        },
                        "reporter": (
                            {
                                "id": global_id("Account", reporter_id),
                                "displayName": names["a", reporter_id],
                            }
                            if shown and reporter_id is not None
                            else None
                        ),
                        "photos": [
                            {
                                "url": base + signed_url(secret, photo["url"], ttl),
                                "width": photo["width"],
                                "height": photo["height"],
                            }
                            for photo in photos[pk]
                        ],
                        "timeline": {
                            "edges": [
                                {
                                    "node": {
                                        "id": global_id("IssueEvent", e[1]),
                                        "kind": e[2],
                                        "toStatus": e[3],
                                        "at": when(e[4]),
                                        "actor": (
                                            None
                                            if e[5] is None
                                            or (e[5] in (reporter_id, filed_by_id) and not shown)
                                            else {
                                                "id": global_id("Account", e[5]),
                                                "displayName": e[6],
                                            }
                                        ),
                                    }
                                }
                                for e in events_of
                            ]
                        },
                    }
                }
            )
        out["edges"] = edges
        out["pageInfo"] = {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": cursor(ids[0]) if ids else None,
            "endCursor": cursor(ids[-1]) if ids else None,
        }
        return out

    async def counts(self, request: Request) -> Response:
        """`COUNTS_QUERY` (or `GROUPED_QUERY`): the viewer's issues per status, one GROUP BY."""
        db = await self.ready()
        try:
            async with db.connection() as conn:
                viewer = await self.viewer(conn, request)
                p = Params(db.postgres)
                rows = await conn.fetch(
                    f"SELECT i.status, count(*) FROM issues i WHERE {self.visible(viewer, p)} "
                    "GROUP BY i.status ORDER BY i.status",
                    p,
                )
        except Refused as refused:
            return JSONResponse({"errors": [{"message": str(refused)}]}, refused.status)
        if request.query_params.get("grouped") == "1":
            grouped = [{"status": status, "count": count} for status, count in rows]
            return Response(encode({"data": {"issueCounts": grouped}}), media_type=JSON)
        by_status = {status: count for status, count in rows}
        data = {s.lower(): {"totalCount": by_status.get(s, 0)} for s in STATUSES}
        return Response(encode({"data": data}), media_type=JSON)

    async def dashboard(self, request: Request) -> Response:
        """`DASHBOARD_QUERY`'s answer: the same figures in 3 statements of hand-written SQL
        (the viewer, the region and its children, then every figure in one statement), the
        JSON assembled here."""
        db = await self.ready()
        variables = (await request.json()).get("variables") or {}
        try:
            async with db.connection() as conn:
                viewer = await self.viewer(conn, request)
                data = await self.figures(conn, viewer, variables)
        except Refused as refused:
            return JSONResponse({"errors": [{"message": str(refused)}]}, refused.status)
        return Response(encode({"data": {"dashboard": data}}), media_type=JSON)

    async def figures(self, conn: Connection, viewer: Viewer, variables: dict) -> dict:
        pg = conn.db.postgres
        now = datetime.now(UTC)
        start, end = (datetime.fromisoformat(variables[k]).astimezone(UTC) for k in ("from", "to"))
        region_pk = from_global_id(variables["regionId"], "Region")
        p = Params(pg)
        regions = await conn.fetch(
            f"SELECT id, name, path, parent_id FROM regions WHERE id = {p(region_pk)} "
            f"OR parent_id = {p(region_pk)} ORDER BY id",
            p,
        )
        region = next((r for r in regions if r[0] == region_pk), None)
        if region is None or not (
            viewer.admin
            or any(role in OVERSIGHT and region[2].startswith(path)
                   for role, path, _ in viewer.grants)
        ):  # fmt: skip
            raise Refused(404, "no such region")
        children = [r for r in regions if r[0] != region_pk]
        path = region[2]

        # Everything else in one statement, as the server's (resolvers/dashboards/queries.py)
        # but written by hand: the period's issues under the region read once into a
        # materialized CTE, grouped once per figure. Whoever may read the dashboard sees every
        # issue under the region, so no visibility test; the code's constants and the path's
        # bounds are literals (a prepared statement's generic plan would build a bound IN
        # list for every row, and plan for an average path range).
        p = Params(pg)
        local = LocalDays(ZoneInfo(self.settings.time_zone), start, end)
        offsets = local.offsets

        def at(t: datetime) -> str:  # a placeholder per use, in order (SQLite's are `?`)
            return p(conn.db.timestamp(t))

        def day(column: str) -> str:
            seconds = epoch(column, pg)
            if len(offsets) == 1:
                return f"({seconds} + {offsets[0][1]}) / 86400"
            cases = " ".join(f"WHEN {seconds} < {at} THEN {before}" for (at, _), (_, before)
                             in zip(offsets[1:], offsets, strict=False))  # fmt: skip
            return f"({seconds} + CASE {cases} ELSE {offsets[-1][1]} END) / 86400"

        def quoted(values: Sequence[str]) -> str:
            return ", ".join(f"'{v}'" for v in values)

        rest = f"substr(i.region_path, {len(path) + 1})"
        segment = (
            f"split_part({rest}, '/', 1)" if pg else f"substr({rest}, 1, instr({rest}, '/') - 1)"
        )

        def within(column: str) -> str:
            return f"{column} >= {at(start)} AND {column} < {at(end)}"

        cohort = (
            "SELECT i.status, i.category, i.level, "
            f"CAST(NULLIF({segment}, '') AS INTEGER) AS child, "
            f"CASE WHEN i.due_at < {at(now)} AND i.status IN ({quoted(sorted(OPEN))}) "
            "THEN 1 ELSE 0 END AS late, "
            f"CASE WHEN i.status IN ({quoted(FINISHED)}) THEN CASE WHEN i.due_at IS NULL OR "
            "i.resolved_at <= i.due_at THEN 1 WHEN i.resolved_at > i.due_at THEN 2 ELSE 0 END "
            "ELSE 0 END AS outcome, i.latest_rating AS rating, i.escalated_levels AS esc, "
            f"{epoch('i.first_accepted_at', pg)} - {epoch('i.created_at', pg)} AS a, "
            f"{epoch('i.last_resolved_at', pg)} - {epoch('i.created_at', pg)} AS r, "
            f"{day('i.created_at')} AS dc, "
            f"CASE WHEN {within('i.last_resolved_at')} THEN {day('i.last_resolved_at')} END AS dr, "
            f"CASE WHEN i.status = 'CLOSED' AND {within('i.closed_at')} "
            f"THEN {day('i.closed_at')} END AS dx "
            f"FROM issues i WHERE i.region_path >= '{path}' "
            f"AND i.region_path < '{path_end(path)}' "
            f"AND {within('i.created_at')}"
        )
        count_only = "count(*), " + ", ".join(["CAST(NULL AS BIGINT)"] * 4)  # no order statistics
        groups = (
            f"SELECT 'g', status, category, level, late, outcome, rating, esc, {count_only} "
            "FROM c GROUP BY status, category, level, late, outcome, rating, esc "
            f"UNION ALL SELECT 'c', NULL, NULL, NULL, child, NULL, NULL, NULL, {count_only} "
            "FROM c WHERE child IS NOT NULL GROUP BY child "
            + "".join(
                f"UNION ALL SELECT '{k}', NULL, NULL, NULL, {k}, NULL, NULL, NULL, {count_only} "
                f"FROM c WHERE {k} IS NOT NULL GROUP BY {k} "
                for k in ("dc", "dr", "dx")
            )
        )
        if pg:
            # Order statistics at 0-based ranks floor((n - 1) p / 100) and the next, picked
            # by percentile_disc at (rank + 0.5) / n, the fractions from one pass counting n.
            fractions = ", ".join(
                f"(((count({k}) - 1) * {pct} / 100 + {half}) / "
                f"CAST(nullif(count({k}), 0) AS FLOAT)) AS {k}{pct}_{j}"
                for k in ("a", "r")
                for pct in (50, 90)
                for j, half in ((0, 0.5), (1, 1.5))
            )
            stats = " ".join(
                f"UNION ALL SELECT '{k}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, count({k}), "
                + ", ".join(
                    f"percentile_disc(least((SELECT {k}{pct}_{j} FROM f), 1.0)) "
                    f"WITHIN GROUP (ORDER BY {k})"
                    for pct in (50, 90)
                    for j in (0, 1)
                )
                + " FROM c"
                for k in ("a", "r")
            )
            sql = f"WITH c AS MATERIALIZED ({cohort}), f AS (SELECT {fractions} FROM c) "
            sql += groups + stats
        else:
            stats = " ".join(
                f"UNION ALL SELECT '{k}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, max(n), "
                + ", ".join(
                    f"max(CASE WHEN i = (n - 1) * {pct} / 100 + {j} THEN v END)"
                    for pct in (50, 90)
                    for j in (0, 1)
                )
                + f" FROM (SELECT {k} AS v, row_number() OVER (ORDER BY {k}) - 1 AS i, "
                f"count(*) OVER () AS n FROM c WHERE {k} IS NOT NULL)"
                for k in ("a", "r")
            )
            sql = f"WITH c AS MATERIALIZED ({cohort}) "
            sql += groups + stats

        statuses: dict[str, int] = defaultdict(int)
        categories: dict[str, int] = defaultdict(int)
        overdue: dict[str, int] = defaultdict(int)
        outcomes: dict[int, int] = defaultdict(int)
        escalations = dict.fromkeys(LEVELS, 0)
        per_child: dict[int, int] = {}
        durations: dict[str, tuple[int, float | None, float | None]] = {
            "a": (0, None, None),
            "r": (0, None, None),
        }
        ratings = satisfied = 0
        counted: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
        trend_index = {"dc": 0, "dr": 1, "dx": 2}
        rows = await conn.fetch(sql, p)
        for kind, status, category, level, key, outcome, rating, esc, n, *values in rows:
            if kind == "g":
                statuses[status] += n
                categories[category] += n
                overdue[level] += n if key else 0
                outcomes[outcome] += n
                if rating is not None:
                    ratings += n
                    satisfied += n if rating >= 4 else 0
                for rank, lv in enumerate(LEVELS):
                    escalations[lv] += n if esc & (1 << rank) else 0
            elif kind == "c":
                per_child[int(key)] = n
            elif kind in trend_index:
                counted[local.number(int(key))][trend_index[kind]] = int(n)
            elif n:
                v = [None if x is None else int(x) for x in values]
                durations[kind] = (n, hours(n, v[0], v[1], 50), hours(n, v[2], v[3], 90))
        reported = sum(statuses.values())
        days = local.days()
        by_day = {d: (v[0], v[1], v[2]) for d, v in counted.items()}

        # The answer, keys in the query's order.
        region_id = global_id("Region", region_pk)

        def flt(**set_: Any) -> dict:
            out: dict[str, Any] = {
                "regionId": region_id,
                "statuses": None,
                "categories": None,
                "levels": None,
                "overdue": None,
                "reportedFrom": start.isoformat(),
                "reportedTo": end.isoformat(),
                "everAccepted": None,
                "everResolved": None,
                "latestRatings": None,
                "escalatedTo": None,
                "deadlineOutcomes": None,
            }
            out.update(set_)
            return out

        def duration(key: str, **set_: Any) -> dict:
            n, median, p90 = durations[key]
            return {"count": n, "medianHours": median, "p90Hours": p90, "filter": flt(**set_)}

        on_time, late, overdue_open = outcomes[1], outcomes[2], sum(overdue.values())
        closed = on_time + late
        return {
            "region": {"id": region_id, "name": region[1]},
            "from": start.isoformat(),
            "to": end.isoformat(),
            "reported": {"count": reported, "filter": flt()},
            "byStatus": [
                {"status": s, "count": statuses.get(s, 0), "filter": flt(statuses=[s])}
                for s in STATUSES
            ],
            "byCategory": [
                {"category": c, "count": categories.get(c, 0), "filter": flt(categories=[c])}
                for c in CATEGORIES
            ],
            "byRegion": [
                {
                    "region": {"id": global_id("Region", pk), "name": name},
                    "count": per_child.get(pk, 0),
                    "filter": flt(regionId=global_id("Region", pk)),
                }
                for pk, name, _, _ in children
            ],
            "timeToAccept": duration("a", everAccepted=True),
            "timeToResolve": duration("r", everResolved=True),
            "satisfaction": {
                "ratings": ratings,
                "satisfied": satisfied,
                "rate": satisfied / ratings if ratings else None,
                "filter": flt(latestRatings=[1, 2, 3, 4, 5]),
                "satisfiedFilter": flt(latestRatings=[4, 5]),
            },
            "onTime": {
                "closedOnTime": on_time,
                "closed": closed,
                "overdueOpen": overdue_open,
                "rate": on_time / (closed + overdue_open) if closed + overdue_open else None,
                "filter": flt(deadlineOutcomes=["ON_TIME", "LATE", "OVERDUE"]),
                "closedOnTimeFilter": flt(deadlineOutcomes=["ON_TIME"]),
                "closedFilter": flt(deadlineOutcomes=["ON_TIME", "LATE"]),
                "overdueOpenFilter": flt(deadlineOutcomes=["OVERDUE"]),
            },
            "overdueByLevel": [
                {"level": lv, "count": overdue.get(lv, 0), "filter": flt(overdue=True, levels=[lv])}
                for lv in LEVELS
            ],
            "escalationsByLevel": [
                {"level": lv, "count": escalations[lv], "filter": flt(escalatedTo=[lv])}
                for lv in LEVELS
            ],
            "trend": [
                dict(
                    zip(
                        ("day", "reported", "resolved", "closed"),
                        (d.isoformat(), *by_day.get(d, (0, 0, 0))),
                        strict=True,
                    )
                )
                for d in days
            ],
        }


def create(settings: Settings | None = None):
    """The real app (`server.create_app`) with the hand-written routes in front."""
    from server import create_app

    app = create_app(settings)
    raw = Raw(app.state.settings)
    app.router.routes[0:0] = raw.routes()
    app.state.raw = raw
    return app


def __getattr__(name: str):
    """`benchmarks.handwritten:app`, built on first use and frozen out of the garbage
    collector's view as `server:app` is."""
    if name == "app":
        from server import settle_gc

        globals()["app"] = create()
        settle_gc()
        return globals()["app"]
    raise AttributeError(name)


__all__ = [
    "COUNTS_QUERY",
    "DASHBOARD_QUERY",
    "GROUPED_QUERY",
    "PAGE_QUERY",
    "STATS",
    "TOTAL_QUERY",
    "Raw",
    "create",
]
