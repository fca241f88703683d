"""The read path's rules (docs/architecture.md, "The read path"), each checked by counting or
by asking the database for its plan, never by timing:

- one connection checkout per request, returned when the operation ends;
- no count unless `totalCount` is selected;
- jurisdiction filters the index serves: on PostgreSQL in a generic plan (what asyncpg's
  prepared statements switch to), on SQLite without a scan of `issues`;
- `timeline(last: n)` fetches n events per issue;
- no row is loaded twice in one request;
- grouped counts in one statement.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import pytest
from sqlalchemy import event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import ORMExecuteState

from tests.conftest import COUNTY, GRID, RESIDENT, VILLAGE, Api
from tests.issue_ops import ACCEPT, START, UPDATE, report

# What a county dashboard's list asks for (benchmarks/queries.py asks the same).
PAGE = """query($n: Int!, $after: String, $filter: IssueFilter) {
  issues(first: $n, after: $after, filter: $filter) {
    %s
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node {
      id number title status level createdAt dueAt overdue
      region { id name } reporter { id displayName } photos { url width height }
      timeline(last: 3) { edges { node { id kind toStatus at actor { id displayName }
        photos { url } } } }
    } }
  }
}"""


# A count of a list (a window's `count(*) OVER` numbers a timeline: not a list's count).
COUNT = r"count\(\*\)(?!\s*OVER)"


@pytest.fixture(scope="module")
def busy_village(api: Api) -> str:
    """A village whose issues have timelines longer than three events."""
    village = api.region_of(VILLAGE)
    for _ in range(4):
        issue = report(api, RESIDENT, village, photos=1)["issue"]["id"]
        api.ok(ACCEPT, {"input": {"id": issue}}, as_=VILLAGE)
        api.ok(START, {"input": {"id": issue}}, as_=VILLAGE)
        for n in range(3):
            api.ok(UPDATE, {"input": {"id": issue, "note": f"update {n}"}}, as_=VILLAGE)
    return village


class Statements:
    """Every SQL statement the app's engine sends while active (not the hub's background
    reads), with its parameters, and how many checkouts from the pool those used."""

    def __init__(self, api: Api) -> None:
        self.engine = api.app.state.db.engine.sync_engine
        self.sent: list[tuple[str, object]] = []
        self.used: set[tuple[int, int]] = set()  # (connection, checkout number)

    @property
    def checkouts(self) -> int:
        return len(self.used)

    def _statement(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not context.execution_options.get("background"):
            self.sent.append((statement, parameters))
            info = conn.connection.record_info  # the pooled connection's, across checkouts
            self.used.add((id(info), info.get("checkouts", 0)))

    @staticmethod
    def _checkout(dbapi_connection, record, proxy) -> None:
        record.info["checkouts"] = record.info.get("checkouts", 0) + 1

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine.pool, "checkout", self._checkout)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine.pool, "checkout", self._checkout)

    def matching(self, pattern: str) -> list[tuple[str, object]]:
        return [(s, p) for s, p in self.sent if re.search(pattern, s, re.I | re.S)]


@contextmanager
def rows_loaded(api: Api) -> Iterator[Counter]:
    """How many times each ORM row (class, primary key) comes back from the database."""
    loaded: Counter = Counter()
    sessions = api.app.state.db.sessions.kw["sync_session_class"]

    def collect(state: ORMExecuteState):
        if not state.is_select:
            return None
        frozen = state.invoke_statement().freeze()
        for row in frozen().all():
            for value in tuple(row):
                mapper = inspect(value, raiseerr=False)
                if mapper is not None and hasattr(mapper, "identity"):
                    loaded[type(value).__name__, mapper.identity] += 1
        return frozen()

    event.listen(sessions, "do_orm_execute", collect)
    try:
        yield loaded
    finally:
        event.remove(sessions, "do_orm_execute", collect)


def test_one_connection_per_request(api: Api, busy_village: str) -> None:
    token = api.token(COUNTY)
    with Statements(api) as seen:
        api.ok(PAGE % "totalCount", {"n": 20}, token=token)
    assert len(seen.sent) >= 6  # the viewer, the page, count, regions, accounts, photos, ...
    assert seen.checkouts == 1, f"{seen.checkouts} checkouts for one request"
    # Requests refused after the viewer was read (a mutation over GET, an unknown
    # operation) give their connection back too.
    api.http.get("/graphql", params={"query": "mutation { logout }"}, headers=_auth(token))
    api.gql("query A { viewer { id } }", {}, token=token)  # no operationName: fine
    body = api.http.post(
        "/graphql",
        json={"query": "query A { viewer { id } }", "operationName": "B"},
        headers=_auth(token),
    )
    assert body.status_code == 400
    assert api.app.state.db.engine.sync_engine.pool.checkedout() == 0


def test_no_count_unless_total_count_is_selected(api: Api, busy_village: str) -> None:
    token = api.token(VILLAGE)
    with Statements(api) as seen:
        api.ok(PAGE % "", {"n": 2}, token=token)
    assert seen.matching(COUNT) == [], seen.matching(COUNT)
    with Statements(api) as seen:
        data = api.ok(PAGE % "totalCount", {"n": 2}, token=token)
    assert len(seen.matching(COUNT)) == 1
    assert data["issues"]["totalCount"] >= 4
    # Page 2 says there is a page 1 without counting either.
    after = data["issues"]["pageInfo"]["endCursor"]
    with Statements(api) as seen:
        page2 = api.ok(PAGE % "", {"n": 2, "after": after}, token=token)
    assert page2["issues"]["pageInfo"]["hasPreviousPage"] is True
    assert seen.matching(COUNT) == []


def test_timeline_last_fetches_only_those_events(api: Api, busy_village: str) -> None:
    token = api.token(VILLAGE)
    with rows_loaded(api) as loaded:
        data = api.ok(PAGE % "", {"n": 10}, token=token)
    issues = data["issues"]["edges"]
    events = sum(n for (kind, _), n in loaded.items() if kind == "IssueEvent")
    shown = sum(len(e["node"]["timeline"]["edges"]) for e in issues)
    assert shown == events, f"{events} events loaded to show {shown}"
    assert any(len(e["node"]["timeline"]["edges"]) == 3 for e in issues)


def test_no_row_is_loaded_twice(api: Api, busy_village: str) -> None:
    for phone in (VILLAGE, COUNTY, GRID):
        token = api.token(phone)
        with rows_loaded(api) as loaded:
            api.ok(PAGE % "totalCount", {"n": 20}, token=token)
        twice = {key: n for key, n in loaded.items() if n > 1}
        assert not twice, f"loaded more than once for {phone}: {twice}"


def test_village_page_uses_the_region_path_index(api: Api, busy_village: str) -> None:
    """The statement the app sent for a village official's page, planned by the database:
    PostgreSQL in a generic plan (parameters unknown, as asyncpg's cached statements are
    planned after five runs), with sequential scans priced out, must find issues through
    an index condition on `region_path`; SQLite must not scan `issues`."""
    token = api.token(VILLAGE)
    with Statements(api) as seen:
        api.ok(PAGE % "", {"n": 20}, token=token)
    [(statement, parameters)] = seen.matching(r"FROM issues .*LIMIT")
    plan = _plan(api, statement, parameters)
    if api.settings.database_url.startswith("postgresql"):
        assert "Seq Scan on issues" not in plan, plan
        assert re.search(r"Index Cond: .*region_path\S* >=", plan), plan
        # Bytewise whatever the database's default collation (migration 0004).
        assert asyncio.run(_pg_collations(api.settings.database_url)) == {"C"}
    else:
        assert not re.search(r"SCAN issues\b", plan), plan
        assert re.search(r"SEARCH issues USING INDEX ix_issues_region_path", plan), plan


def test_township_filter_uses_the_region_path_index(api: Api, busy_village: str) -> None:
    """A county official filtering by a region: the filter's range is indexed too."""
    token = api.token(COUNTY)
    with Statements(api) as seen:
        api.ok(PAGE % "", {"n": 20, "filter": {"regionId": busy_village}}, token=token)
    [(statement, parameters)] = seen.matching(r"FROM issues .*LIMIT")
    plan = _plan(api, statement, parameters)
    if api.settings.database_url.startswith("postgresql"):
        assert "Seq Scan on issues" not in plan, plan
        assert re.search(r"Index Cond: .*region_path\S* >=", plan), plan
    else:
        assert re.search(r"SEARCH issues USING INDEX ix_issues_region_path", plan), plan


COUNTS = """query($filter: IssueFilter, $by: [IssueCountKey!]!) {
  issueCounts(filter: $filter, groupBy: $by) {
    count status category level region { id name }
  }
}"""


def test_grouped_counts_in_one_statement(api: Api, busy_village: str) -> None:
    token = api.token(COUNTY)
    county = api.region_of(COUNTY)
    total_query = "query($f: IssueFilter) { issues(filter: $f) { totalCount } }"

    def total(flt: dict) -> int:
        return api.ok(total_query, {"f": flt}, token=token)["issues"]["totalCount"]

    everything = total({})
    statuses = ["SUBMITTED", "ACCEPTED", "IN_PROGRESS", "RESOLVED", "CLOSED", "REJECTED"]
    by_status = {s: n for s in statuses if (n := total({"statuses": [s]}))}
    with Statements(api) as seen:
        groups = api.ok(COUNTS, {"by": ["STATUS"]}, token=token)["issueCounts"]
    assert len(seen.matching(r"GROUP BY")) == 1
    counted = {g["status"]: g["count"] for g in groups}
    assert sum(counted.values()) == everything
    assert {s: n for s, n in counted.items() if s in statuses} == by_status
    assert all(g["category"] is None and g["region"] is None for g in groups)

    # By child region of the county (its townships), and status: one statement still.
    with Statements(api) as seen:
        groups = api.ok(
            COUNTS, {"by": ["REGION", "STATUS"], "filter": {"regionId": county}}, token=token
        )["issueCounts"]
    assert len(seen.matching(r"GROUP BY")) == 1
    assert sum(g["count"] for g in groups) == everything
    townships = {g["region"]["id"] for g in groups if g["region"]}
    assert townships and all(
        api.ok("query($id: ID!) { node(id: $id) { ... on Region { level } } }", {"id": t})["node"][
            "level"
        ]
        == "TOWNSHIP"
        for t in townships
    )

    # The filter narrows the counts exactly as it narrows the list.
    [village] = api.ok(COUNTS, {"by": [], "filter": {"regionId": busy_village}}, token=token)[
        "issueCounts"
    ]
    assert village["count"] == total({"regionId": busy_village})

    # A resident counts what they may see, as their list does.
    mine = api.ok(COUNTS, {"by": ["STATUS"]}, as_=RESIDENT)["issueCounts"]
    listed = api.ok("{ issues { totalCount } }", as_=RESIDENT)["issues"]["totalCount"]
    assert 0 < sum(g["count"] for g in mine) == listed < everything

    # REGION needs a region to take the children of.
    body = api.gql(COUNTS, {"by": ["REGION"]}, token=token)
    assert body["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "groupBy"}


# --- helpers -------------------------------------------------------------------------------


def _auth(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


def _plan(api: Api, statement: str, parameters) -> str:
    url = api.settings.database_url
    if url.startswith("postgresql"):
        return asyncio.run(_pg_generic_plan(url, statement, list(parameters)))
    database = make_url(url).database
    with sqlite3.connect(database) as conn:
        rows = conn.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
    return "\n".join(row[-1] for row in rows)


async def _pg_generic_plan(url: str, statement: str, parameters: list) -> str:
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        # A table this small would be scanned, or walked backwards by id; priced out, the
        # planner must find the rows through indexes on the filter's columns, if it can.
        await conn.execute("SET enable_seqscan = off")
        await conn.execute("SET enable_indexscan = off")
        await conn.execute(f"PREPARE page AS {statement}")
        values = ", ".join(_literal(p) for p in parameters)
        rows = await conn.fetch(f"EXPLAIN EXECUTE page({values})")
        return "\n".join(row[0] for row in rows)
    finally:
        await conn.close()


async def _pg_collations(url: str) -> set[str]:
    """The collations of the region path columns."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT collation_name FROM information_schema.columns WHERE "
            "(table_name, column_name) IN (('regions', 'path'), ('issues', 'region_path'), "
            "('event_log', 'region_path'))"
        )
        return {row[0] for row in rows}
    finally:
        await conn.close()


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    return "'" + str(value).replace("'", "''") + "'"
