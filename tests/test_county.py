"""The county generator (benchmarks/county.py): a small county, checked through the real API.

Built once per backend into a database of its own, then served by the app: the counts are
the plan's, every timeline is a valid status history whose last event is the issue's status,
event ids follow time and each has its event-log entry, officials see exactly their region,
the overdue sweep finds nothing left to do, and the app goes on writing (sequences set).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from benchmarks import county
from core.db import Database, create_engine
from core.ids import to_global_id
from core.permissions import OVERSIGHT_ROLES
from models.accounts import Account, Role, RoleGrant
from models.events import LogEntry
from models.issues import OPEN_STATUSES, Issue, IssueEvent, IssueStatus, Photo
from models.regions import Region, RegionLevel
from resolvers.issues.deadlines import deadlines_from_json
from resolvers.issues.sweep import sweep_overdue
from server import create_app
from tests.conftest import Api, ServerThread
from tests.county_db import county_database, county_settings
from tests.issue_ops import ACCEPT, ok, report

SCALE = 0.005
ISSUES_PAGE = """query($after: String) { issues(first: 100, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id status level
    timeline(first: 100) { edges { node { id kind fromStatus toStatus fromLevel level at } } }
  } } } }"""
IDS_PAGE = """query($after: String) { issues(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { id } } } }"""


def pk(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":")[1])


class County:
    """A built county, the app serving it, and sign-ins."""

    def __init__(self, built: county.Built, api: Api, manifest: dict) -> None:
        self.built, self.api, self.manifest = built, api, manifest
        self.url = built.database_url
        self.tokens: dict[int, str] = {}

    def token(self, account_id: int) -> str:
        if account_id not in self.tokens:
            signed = asyncio.run(county.sign_in(self.url, [account_id]))
            self.tokens.update(signed)
        return self.tokens[account_id]

    def pages(self, document: str, account_id: int) -> list[dict]:
        """Every issue the account lists, through the API, page by page."""
        nodes, after = [], None
        while True:
            data = self.api.ok(document, {"after": after}, token=self.token(account_id))
            page = data["issues"]
            nodes += [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return nodes
            after = page["pageInfo"]["endCursor"]

    def counts(self) -> dict[str, int]:
        """Rows in each of the county's tables, as the database holds them."""
        return {
            name: self.rows(select(func.count()).select_from(table))[0][0]
            for name, table in county.TABLES.items()
        }

    def rows(self, stmt) -> list:
        async def read():
            db = Database(create_engine(self.url))
            try:
                return list(await db.rows(stmt))
            finally:
                await db.engine.dispose()

        return asyncio.run(read())


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request, tmp_path_factory) -> Iterator[County]:
    folder: Path = tmp_path_factory.mktemp(f"county-{request.param}")
    with county_database(request.param, folder) as url:
        made = asyncio.run(county.build(url, scale=SCALE, progress=False))
        manifest = asyncio.run(county.sample(made.database_url, 2))
        settings = county_settings(made.database_url, folder)
        with ServerThread(create_app(settings)) as server:
            api = Api(server, settings)
            yield County(made, api, manifest)
            api.http.close()


def test_the_same_seed_and_now_make_the_same_county():
    plan = county.Plan.of(0.002)
    now = datetime(2026, 11, 20, 8, tzinfo=UTC)
    deadlines = deadlines_from_json("{}")
    one = county.generate(plan, 3, now, deadlines)
    assert county.generate(plan, 3, now, deadlines).rows == one.rows
    assert county.generate(plan, 4, now, deadlines).rows["issues"] != one.rows["issues"]


def test_counts_are_the_plans(built: County):
    plan = county.Plan.of(SCALE)
    c = built.built.counts
    assert c["regions"] == plan.regions == 1 + plan.townships + plan.villages + plan.courtyards
    assert c["accounts"] == c["role_grants"] == plan.accounts
    assert c["issues"] == plan.issues
    assert 5 * plan.issues < c["issue_events"] < 8 * plan.issues
    assert plan.issues < c["photos"] < 3 * plan.issues
    assert built.counts() == c
    levels = dict(built.rows(select(Region.level, func.count()).group_by(Region.level)))
    assert levels == {
        RegionLevel.COUNTY: 1,
        RegionLevel.TOWNSHIP: plan.townships,
        RegionLevel.VILLAGE: plan.villages,
        RegionLevel.COURTYARD: plan.courtyards,
    }
    roles = dict(built.rows(select(RoleGrant.role, func.count()).group_by(RoleGrant.role)))
    assert roles[Role.VILLAGE_OFFICIAL] == plan.villages
    assert roles[Role.GRID_HEAD] == plan.courtyards
    assert roles[Role.RESIDENT] == plan.residents
    # Through the API: the county official lists every issue; the villages are all there.
    official = built.manifest["county_officials"][0]["account"]
    data = built.api.ok(
        "{ issues(first: 1) { totalCount } villages(first: 1) { totalCount } }",
        token=built.token(official),
    )
    assert data["issues"]["totalCount"] == plan.issues
    assert data["villages"]["totalCount"] == plan.villages


def test_every_timeline_is_the_issues_status_history(built: County):
    official = built.manifest["county_officials"][0]["account"]
    issues = built.pages(ISSUES_PAGE, official)
    assert len(issues) == county.Plan.of(SCALE).issues
    statuses = set()
    for issue in issues:
        events = [edge["node"] for edge in issue["timeline"]["edges"]]
        assert events[0]["kind"] == "REPORTED" and events[0]["fromStatus"] is None, issue
        ids = [pk(e["id"]) for e in events]
        assert ids == sorted(ids) and len(set(ids)) == len(ids), issue["id"]
        times = [datetime.fromisoformat(e["at"]) for e in events]
        assert times == sorted(times) and len(set(times)) == len(times), issue["id"]
        for before, after in itertools.pairwise(events):
            assert after["fromStatus"] == before["toStatus"], (issue["id"], before, after)
            assert after["fromLevel"] == before["level"], (issue["id"], before, after)
        assert issue["status"] == events[-1]["toStatus"], issue["id"]
        assert issue["level"] == events[-1]["level"], issue["id"]
        statuses.add(issue["status"])
    # A year of a county: old ones closed and rated, recent ones still open.
    assert {"CLOSED", "RESOLVED", "SUBMITTED"} <= statuses


def test_event_ids_follow_time_and_each_has_its_log_entry(built: County):
    events = built.rows(select(IssueEvent.id, IssueEvent.at).order_by(IssueEvent.id))
    assert [at for _, at in events] == sorted(at for _, at in events)
    joined = built.rows(
        select(IssueEvent.id, IssueEvent.issue_id, LogEntry, Issue.region_path)
        .join(LogEntry, LogEntry.id == IssueEvent.id, isouter=True)
        .join(Issue, Issue.id == IssueEvent.issue_id)
    )
    assert len(joined) == len(events)
    for event_id, issue_id, entry, region_path in joined:
        assert entry is not None, f"event {event_id} has no event_log row"
        assert (entry.topic, entry.subject_id, entry.region_path) == (
            "issue",
            issue_id,
            region_path,
        )
    assert built.rows(select(func.count()).select_from(LogEntry))[0][0] == len(events)
    photos = built.rows(
        select(Photo.issue_id, IssueEvent.issue_id, IssueEvent.kind).join(
            IssueEvent, IssueEvent.id == Photo.event_id
        )
    )
    assert all(photo_issue == event_issue for photo_issue, event_issue, _ in photos)
    assert {kind.value for _, _, kind in photos} >= {"REPORTED", "RESOLVED"}


def test_officials_see_exactly_the_issues_under_their_region(built: County):
    issues = built.rows(
        select(Issue.id, Issue.region_path, Issue.reporter_id, Issue.filed_by_id, Issue.assignee_id)
    )
    paths = dict(built.rows(select(Region.id, Region.path)))
    seats = [
        built.manifest["township_officials_busy"][0],
        built.manifest["township_officials_quiet"][0],
        built.manifest["village_officials_busy"][0],
        built.manifest["village_officials_quiet"][0],
        *built.manifest["residents"][:1],
    ]
    for seat in seats:
        me = seat["account"]
        grants = built.rows(
            select(RoleGrant.role, RoleGrant.region_id).where(RoleGrant.account_id == me)
        )
        under = [paths[region] for role, region in grants if role in OVERSIGHT_ROLES]
        expected = {
            pk_
            for pk_, path, reporter, filer, assignee in issues
            if me in (reporter, filer, assignee) or any(path.startswith(p) for p in under)
        }
        seen = [pk(node["id"]) for node in built.pages(IDS_PAGE, me)]
        assert len(seen) == len(set(seen))
        assert set(seen) == expected, seat
        assert seen == sorted(seen, reverse=True)  # newest first
    assert (
        built.manifest["village_officials_busy"][0]["issues"]
        > (built.manifest["village_officials_quiet"][0]["issues"])
    )


def test_the_sweep_finds_the_county_as_it_would_leave_it(built: County):
    now = built.built.now
    overdue = built.rows(
        select(Issue.level, func.count())
        .where(Issue.due_at < now, Issue.status.in_(OPEN_STATUSES))
        .group_by(Issue.level)
    )
    assert all(level is RegionLevel.COUNTY for level, _ in overdue), overdue
    swept = built.rows(
        select(func.count()).where(IssueEvent.kind == "ESCALATED", IssueEvent.actor_id.is_(None))
    )[0][0]
    assert swept > 0  # levels did let deadlines pass, and the sweep moved those issues up

    async def sweep() -> int:
        db = Database(create_engine(built.url))
        try:
            return await sweep_overdue(db, deadlines_from_json("{}"), now=now)
        finally:
            await db.engine.dispose()

    assert asyncio.run(sweep()) == 0
    # Open issues have a deadline; resolved ones a resolution; closed ones a rating.
    assert not built.rows(
        select(Issue.id).where(Issue.status.in_(OPEN_STATUSES), Issue.due_at.is_(None))
    )
    assert not built.rows(
        select(Issue.id).where(Issue.status == IssueStatus.RESOLVED, Issue.resolved_at.is_(None))
    )
    assert not built.rows(
        select(Issue.id).where(Issue.status == IssueStatus.CLOSED, Issue.rating.is_(None))
    )


def test_a_non_empty_database_is_refused(built: County):
    with pytest.raises(county.NotEmpty):
        asyncio.run(county.build(built.url, scale=SCALE, progress=False))


def test_the_app_writes_on_after_the_county(built: County):
    """Sequences continue past the generated ids: a resident (signed in with `login`, the
    generated password) reports with a photo, the village official accepts."""
    resident = built.manifest["residents"][0]["account"]
    phone, courtyard = built.rows(
        select(Account.phone, RoleGrant.region_id)
        .join(RoleGrant, RoleGrant.account_id == Account.id)
        .where(Account.id == resident)
    )[0]
    payload = ok(report(built.api, phone, to_global_id("Region", courtyard), photos=1))
    issue = payload["issue"]
    assert pk(issue["id"]) == county.Plan.of(SCALE).issues + 1
    assert pk(payload["event"]["id"]) == built.built.counts["issue_events"] + 1
    assert len(issue["photos"]) == 1
    village = built.rows(select(Region.parent_id).where(Region.id == courtyard))[0][0]
    official = built.rows(
        select(RoleGrant.account_id).where(
            RoleGrant.region_id == village, RoleGrant.role == Role.VILLAGE_OFFICIAL
        )
    )[0][0]
    body = built.api.gql(ACCEPT, {"input": {"id": issue["id"]}}, token=built.token(official))
    accepted = ok(body["data"]["acceptIssue"])
    assert accepted["issue"]["status"] == "ACCEPTED"
    assert pk(accepted["event"]["id"]) == built.built.counts["issue_events"] + 2


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_replace_empties_the_database_first(backend: str, tmp_path: Path):
    with county_database(backend, tmp_path) as url:
        asyncio.run(county.build(url, scale=0.002, progress=False))
        again = asyncio.run(county.build(url, scale=0.003, seed=9, replace=True, progress=False))
        counts = County(again, None, {}).counts()  # type: ignore[arg-type]
        assert counts == again.counts
        assert counts["issues"] == county.Plan.of(0.003).issues
