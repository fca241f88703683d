"""The overdue sweep: escalates by itself, and exactly once with several workers."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from core.db import Database, create_engine
from core.ids import parse_id
from models.base import utcnow
from models.issues import Issue, IssueEvent, IssueEventKind
from resolvers.issues.deadlines import Deadlines, deadlines_from_json
from resolvers.issues.sweep import sweep_overdue
from server import create_app
from tests.conftest import GRID, RESIDENT, Api, ServerThread
from tests.issue_ops import ACCEPT, act, ok, report

ISSUE = (
    "query($id: ID!) { issue(id: $id) { level status overdue dueAt timeline(last: 1) "
    "{ edges { node { kind actor { id } note } } } } }"
)


async def _make_overdue(url: str, pk: int) -> None:
    db = Database(create_engine(url))
    async with db.transaction() as session:
        await session.execute(
            update(Issue).where(Issue.id == pk).values(due_at=utcnow() - timedelta(minutes=1))
        )
    await db.engine.dispose()


async def _race(
    url: str,
    pk: int,
    workers: int,
    *,
    now: datetime | None = None,
    deadlines: Deadlines | None = None,
) -> tuple[int, int]:
    """`workers` sweeps on separate engines (as separate processes would have), at once, as
    if it were `now`; returns how many they escalated, and the ESCALATED events of `pk`."""
    dbs = [Database(create_engine(url)) for _ in range(workers)]
    deadlines = deadlines or Deadlines()
    try:
        done = await asyncio.gather(*(sweep_overdue(db, deadlines, now=now) for db in dbs))
        events = await dbs[0].one(
            select(func.count()).where(
                IssueEvent.issue_id == pk, IssueEvent.kind == IssueEventKind.ESCALATED
            )
        )
    finally:
        for db in dbs:
            await db.engine.dispose()
    return sum(done), events


def test_concurrent_sweeps_escalate_an_overdue_issue_once(api: Api):
    courtyard = api.region_of(GRID)
    iid = ok(report(api, RESIDENT, courtyard))["issue"]["id"]
    url = api.settings.database_url
    asyncio.run(_make_overdue(url, parse_id(iid, "Issue")))
    assert api.ok(ISSUE, {"id": iid}, as_=GRID)["issue"]["overdue"] is True

    _, events = asyncio.run(_race(url, parse_id(iid, "Issue"), workers=4))
    assert events == 1
    issue = api.ok(ISSUE, {"id": iid}, as_=GRID)["issue"]
    assert issue["level"] == "VILLAGE" and issue["status"] == "SUBMITTED"
    assert issue["overdue"] is False
    last = issue["timeline"]["edges"][0]["node"]
    assert last["kind"] == "ESCALATED" and last["actor"] is None and "Overdue" in last["note"]


def test_accepted_issue_is_not_escalated_before_its_resolve_deadline(api: Api):
    """Once accepted, an issue answers to its resolve deadline: the sweep, driven past the
    accept deadline and up to the resolve deadline, leaves it alone; just past the resolve
    deadline it escalates it. Short windows on a second server (same database) keep the
    driven clock from reaching the other tests' issues."""
    windows = '{"OTHER": {"COURTYARD": {"accept": "10m", "resolve": "1h"}}}'
    settings = replace(api.settings, demo_data=False, issue_deadlines=windows)
    with ServerThread(create_app(settings)) as server:
        fast = Api(server, settings)
        reported = ok(report(fast, RESIDENT, fast.region_of(GRID), category="OTHER"))["issue"]
        iid = reported["id"]
        accepted = ok(act(fast, ACCEPT, GRID, iid))["issue"]
        fast.http.close()
    accept_deadline = _time(reported["dueAt"])
    assert _close(accept_deadline, _time(reported["createdAt"]) + timedelta(minutes=10))
    resolve_deadline = _time(accepted["dueAt"])
    assert _close(resolve_deadline, _time(accepted["acceptedAt"]) + timedelta(hours=1))

    url, pk = api.settings.database_url, parse_id(iid, "Issue")

    def escalations_after_a_sweep_at(moment: datetime) -> int:
        return asyncio.run(
            _race(url, pk, workers=1, now=moment, deadlines=deadlines_from_json(windows))
        )[1]

    assert escalations_after_a_sweep_at(accept_deadline + timedelta(minutes=1)) == 0
    assert escalations_after_a_sweep_at(resolve_deadline - timedelta(seconds=1)) == 0
    issue = api.ok(ISSUE, {"id": iid}, as_=GRID)["issue"]
    assert (issue["level"], issue["status"], issue["overdue"]) == ("COURTYARD", "ACCEPTED", False)

    assert escalations_after_a_sweep_at(resolve_deadline + timedelta(seconds=1)) == 1
    issue = api.ok(ISSUE, {"id": iid}, as_=GRID)["issue"]
    assert issue["level"] == "VILLAGE" and issue["status"] == "SUBMITTED"
    last = issue["timeline"]["edges"][0]["node"]
    assert last["kind"] == "ESCALATED" and last["actor"] is None and "Overdue" in last["note"]


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _close(a: datetime, b: datetime) -> bool:
    return abs(a - b) < timedelta(seconds=1)


def test_heating_answers_in_hours_not_days():
    deadlines = deadlines_from_json("{}")
    heating = deadlines.window(*_cell("HEATING", "VILLAGE"))
    roads = deadlines.window(*_cell("ROADS", "VILLAGE"))
    assert heating.accept <= timedelta(hours=2) and heating.resolve <= timedelta(days=1)
    assert roads.accept >= timedelta(days=1)
    custom = deadlines_from_json('{"HEATING": {"*": {"accept": "30m"}}}')
    assert custom.window(*_cell("HEATING", "COUNTY")).accept == timedelta(minutes=30)
    assert custom.window(*_cell("HEATING", "COUNTY")).resolve == heating.resolve * 3


def _cell(category: str, level: str):
    from models.issues import IssueCategory
    from models.regions import RegionLevel

    return IssueCategory[category], RegionLevel[level]


def test_server_escalates_overdue_issues_by_itself(api: Api):
    """A second server on the same database, its sweep on, with a 1-second deadline."""
    settings = replace(
        api.settings,
        sweep_interval_seconds=0.2,
        demo_data=False,
        issue_deadlines='{"OTHER": {"COURTYARD": {"accept": "1s"}}}',
    )
    with ServerThread(create_app(settings)) as server:
        fast = Api(server, settings)
        courtyard = fast.region_of(GRID)
        iid = ok(report(fast, RESIDENT, courtyard, category="OTHER"))["issue"]["id"]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            issue = fast.ok(ISSUE, {"id": iid}, as_=GRID)["issue"]
            if issue["level"] != "COURTYARD":
                break
            time.sleep(0.2)
        fast.http.close()
    assert issue["level"] == "VILLAGE" and issue["status"] == "SUBMITTED"
    assert issue["timeline"]["edges"][0]["node"]["kind"] == "ESCALATED"
