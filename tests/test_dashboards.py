"""County dashboards: every figure checked against figures computed here, independently, from
a known scenario built through the API (and aged by moving its clock into March 2020, a
period no other test reports in), on each database; every figure's filter lists exactly the
issues it counts; the statement count is fixed; bad input gets coded errors."""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import literal, select, update

from core.db import Database, create_engine
from core.ids import parse_id, to_global_id
from core.sqltime import LocalDays, local_day
from models.issues import Issue, IssueEvent
from resolvers.issues.deadlines import Deadlines
from resolvers.issues.sweep import sweep_overdue
from tests.conftest import COUNTY, DEPUTY, GRID, RESIDENT, TOWNSHIP, VILLAGE, Api
from tests.issue_ops import ACCEPT, CANCEL, ESCALATE, RATE, REJECT, REOPEN, RESOLVE, act, ok
from tests.issue_ops import report as file_report

ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2020, 3, 1, tzinfo=ZONE)  # the scenario's period: a week of March 2020
END = START + timedelta(days=7)
OPEN = {"SUBMITTED", "ACCEPTED", "IN_PROGRESS"}
FILTER_FIELDS = (
    "regionId statuses categories levels overdue assignedToMe reportedByMe search "
    "reportedFrom reportedTo everAccepted everResolved latestRatings escalatedTo "
    "deadlineOutcomes"
)
DASHBOARD = f"""
query($r: ID!, $from: DateTime, $to: DateTime) {{
  dashboard(regionId: $r, from: $from, to: $to) {{
    region {{ id }} from to asOf
    reported {{ count filter {{ {FILTER_FIELDS} }} }}
    byStatus {{ status count filter {{ {FILTER_FIELDS} }} }}
    byCategory {{ category count filter {{ {FILTER_FIELDS} }} }}
    byRegion {{ region {{ id }} count filter {{ {FILTER_FIELDS} }} }}
    timeToAccept {{ count medianHours p90Hours filter {{ {FILTER_FIELDS} }} }}
    timeToResolve {{ count medianHours p90Hours filter {{ {FILTER_FIELDS} }} }}
    satisfaction {{ ratings satisfied rate filter {{ {FILTER_FIELDS} }}
                    satisfiedFilter {{ {FILTER_FIELDS} }} }}
    onTime {{ closedOnTime closed overdueOpen rate filter {{ {FILTER_FIELDS} }}
              closedOnTimeFilter {{ {FILTER_FIELDS} }} closedFilter {{ {FILTER_FIELDS} }}
              overdueOpenFilter {{ {FILTER_FIELDS} }} }}
    overdueByLevel {{ level count filter {{ {FILTER_FIELDS} }} }}
    escalationsByLevel {{ level count filter {{ {FILTER_FIELDS} }} }}
    trend {{ day reported resolved closed }}
  }}
}}"""
ISSUE = """
query($id: ID!) { issue(id: $id) {
  id status level category overdue createdAt resolvedAt closedAt dueAt region { id }
  timeline(first: 100) { edges { node { kind fromStatus toStatus level rating at } } }
} }"""
COUNT = "query($f: IssueFilter) { issues(filter: $f) { totalCount } }"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _seconds(text: str) -> int:
    return math.floor(_at(text).timestamp())


def percentile_cont(values: list[int], p: float) -> float | None:
    """PostgreSQL's percentile_cont, in hours, over whole seconds."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return (ordered[low] + (ordered[high] - ordered[low]) * (position - low)) / 3600


def children(api: Api, region_id: str) -> list[str]:
    data = api.ok(
        "query($id: ID!) { node(id: $id) { ... on Region { children(first: 100) "
        "{ edges { node { id } } } } } }",
        {"id": region_id},
    )
    return [e["node"]["id"] for e in data["node"]["children"]["edges"]]


# --- the scenario -----------------------------------------------------------------------


async def _age(url: str, plan: list[tuple[int, datetime, dict]]) -> None:
    """Move each issue's clock into the period: its report at `reported`, each later event
    a few tens of minutes after the one before, the row's stamps with them; `due` sets
    the deadline (None: leave it), relative to the new times."""
    db = Database(create_engine(url))
    try:
        for n, (pk, reported, due) in enumerate(plan):
            events = await db.all(
                select(IssueEvent).where(IssueEvent.issue_id == pk).order_by(IssueEvent.id)
            )
            issue = await db.one(select(Issue).where(Issue.id == pk))
            moved, at = {}, reported
            async with db.transaction() as session:
                for k, event in enumerate(events):
                    if k:
                        at += timedelta(minutes=((n * 7 + k * 3) % 11 + 1) * 37)
                    moved[event.at] = at
                    await session.execute(
                        update(IssueEvent).where(IssueEvent.id == event.id).values(at=at)
                    )
                stamps = {
                    name: moved.get(getattr(issue, name), getattr(issue, name))
                    for name in (
                        "created_at",
                        "level_since",
                        "accepted_at",
                        "resolved_at",
                        "first_accepted_at",
                        "last_resolved_at",
                    )
                }
                stamps["closed_at"] = moved.get(issue.closed_at, issue.closed_at)
                if "resolved_by" in due:  # on time (+) or late (-) by this much
                    stamps["due_at"] = stamps["resolved_at"] + due["resolved_by"]
                elif "due" in due:
                    stamps["due_at"] = due["due"]
                await session.execute(update(Issue).where(Issue.id == pk).values(**stamps))
    finally:
        await db.engine.dispose()


async def _sweep_once(url: str, pk: int) -> None:
    """The overdue sweep, at a moment only this issue is overdue (its deadline moved before
    it): it escalates the issue as it would any other."""
    db = Database(create_engine(url))
    try:
        async with db.transaction() as session:
            await session.execute(
                update(Issue).where(Issue.id == pk).values(due_at=datetime(2000, 1, 1, tzinfo=UTC))
            )
        assert await sweep_overdue(db, Deadlines(), now=datetime(2000, 1, 2, tzinfo=UTC)) == 1
    finally:
        await db.engine.dispose()


@pytest.fixture(scope="module")
def scenario(api: Api) -> dict:
    """A week of issues in the demo township: closed, reopened, escalated, overdue, late,
    cancelled, rejected, in two of its villages; aged into START..END."""
    courtyard, village, township = (api.region_of(p) for p in (GRID, VILLAGE, TOWNSHIP))
    other_village = next(v for v in children(api, township) if v != village)

    def reported(region: str, category: str, as_: str = RESIDENT, **extra) -> str:
        return ok(file_report(api, as_, region, category=category, **extra))["issue"]["id"]

    far = datetime.now(UTC) + timedelta(days=60)
    past = datetime(2020, 3, 10, tzinfo=UTC)
    plan: list[tuple[str, dict]] = []

    a = reported(courtyard, "ROADS")  # closed, rated 5, on time
    ok(act(api, ACCEPT, GRID, a))
    ok(act(api, RESOLVE, GRID, a, note="已修好", photos=1))
    ok(act(api, RATE, RESIDENT, a, rating=5))
    plan.append((a, {"resolved_by": timedelta(hours=2)}))

    b = reported(courtyard, "WATER")  # rated 1: reopened a level up, then closed rated 4, late
    ok(act(api, ACCEPT, GRID, b))
    ok(act(api, RESOLVE, GRID, b, note="已处理", photos=1))
    ok(act(api, RATE, RESIDENT, b, rating=1))
    ok(act(api, ACCEPT, VILLAGE, b))
    ok(act(api, RESOLVE, VILLAGE, b, note="已彻底处理", photos=1))
    ok(act(api, RATE, RESIDENT, b, rating=4))
    plan.append((b, {"resolved_by": -timedelta(minutes=30)}))

    c = reported(courtyard, "HEATING")  # escalated twice, accepted at the township, overdue
    ok(act(api, ESCALATE, GRID, c))
    ok(act(api, ESCALATE, VILLAGE, c))
    ok(act(api, ACCEPT, TOWNSHIP, c))
    plan.append((c, {"due": past}))

    d = reported(courtyard, "ROADS")  # never accepted: the sweep escalates it, overdue again
    asyncio.run(_sweep_once(api.settings.database_url, parse_id(d, "Issue")))
    plan.append((d, {"due": past}))

    e = reported(village, "ENVIRONMENT")  # resolved late, not rated
    ok(act(api, ACCEPT, VILLAGE, e))
    ok(act(api, RESOLVE, VILLAGE, e, note="已清理", photos=1))
    plan.append((e, {"resolved_by": -timedelta(hours=3)}))

    f = reported(courtyard, "DISPUTE")  # cancelled
    ok(act(api, CANCEL, RESIDENT, f))
    plan.append((f, {}))

    g = reported(village, "OTHER")  # rejected
    ok(act(api, REJECT, VILLAGE, g, note="不属于受理范围"))
    plan.append((g, {}))

    h = reported(  # in the other village, filed by phone, waiting, not yet due
        other_village,
        "AGRICULTURE",
        as_=TOWNSHIP,
        channel="PHONE",
        contactName="王大爷",
        contactPhone="13912345678",
    )
    plan.append((h, {"due": far}))

    i = reported(courtyard, "ROADS")  # closed rated 3: rated, not satisfied; on time
    ok(act(api, ACCEPT, GRID, i))
    ok(act(api, RESOLVE, GRID, i, note="已修", photos=1))
    ok(act(api, RATE, RESIDENT, i, rating=3))
    plan.append((i, {"resolved_by": timedelta(hours=1)}))

    j = reported(courtyard, "WATER")  # resolved, then appealed: open again, not overdue
    ok(act(api, ACCEPT, GRID, j))
    ok(act(api, RESOLVE, GRID, j, note="已处理", photos=1))
    ok(act(api, REOPEN, RESIDENT, j, note="还是没水"))
    plan.append((j, {"due": far}))

    ids = [pk for pk, _ in plan]
    asyncio.run(
        _age(
            api.settings.database_url,
            [
                (parse_id(pk, "Issue"), START + timedelta(hours=n * 13 + 5), due)
                for n, (pk, due) in enumerate(plan)
            ],
        )
    )
    return {
        "ids": ids,
        "courtyard": courtyard,
        "village": village,
        "other_village": other_village,
        "township": township,
    }


def expected(api: Api, ids: list[str], region: str, kids: list[str]) -> dict:
    """The figures, computed here from the issues as the API shows them."""
    issues = [api.ok(ISSUE, {"id": pk}, as_=COUNTY)["issue"] for pk in ids]
    mine = [
        i
        for i in issues
        if START <= _at(i["createdAt"]) < END and _in(api, i["region"]["id"], region)
    ]
    accept, resolve, latest = [], [], []
    escalated: Counter = Counter()
    trend: dict = {}
    day0 = START.date()
    days = {day0 + timedelta(days=n): [0, 0, 0] for n in range(7)}
    for i in mine:
        timeline = [e["node"] for e in i["timeline"]["edges"]]
        created = _seconds(i["createdAt"])
        days[_at(i["createdAt"]).astimezone(ZONE).date()][0] += 1
        accepted = [
            e for e in timeline if e["fromStatus"] == "SUBMITTED" and e["toStatus"] == "ACCEPTED"
        ]
        if accepted:
            accept.append(_seconds(accepted[0]["at"]) - created)
        resolved = [e for e in timeline if e["kind"] == "RESOLVED"]
        if resolved:
            resolve.append(_seconds(resolved[-1]["at"]) - created)
        ratings = [e["rating"] for e in timeline if e["kind"] == "RATED"]
        if ratings:
            latest.append(ratings[-1])
        for level in {e["level"] for e in timeline if e["kind"] == "ESCALATED"}:
            escalated[level] += 1
        if resolved and START <= _at(resolved[-1]["at"]) < END:
            days[_at(resolved[-1]["at"]).astimezone(ZONE).date()][1] += 1
        if i["status"] == "CLOSED" and START <= _at(i["closedAt"]) < END:
            days[_at(i["closedAt"]).astimezone(ZONE).date()][2] += 1
    finished = [i for i in mine if i["status"] in ("RESOLVED", "CLOSED")]
    on_time = [i for i in finished if i["dueAt"] is None or _at(i["resolvedAt"]) <= _at(i["dueAt"])]
    overdue = [i for i in mine if i["overdue"]]
    trend = [
        {"day": day.isoformat(), "reported": r, "resolved": s, "closed": c}
        for day, (r, s, c) in sorted(days.items())
    ]
    kid_counts = {k: sum(_in(api, i["region"]["id"], k) for i in mine) for k in kids}
    return {
        "reported": len(mine),
        "byStatus": Counter(i["status"] for i in mine),
        "byCategory": Counter(i["category"] for i in mine),
        "byRegion": kid_counts,
        "accept": (len(accept), percentile_cont(accept, 0.5), percentile_cont(accept, 0.9)),
        "resolve": (len(resolve), percentile_cont(resolve, 0.5), percentile_cont(resolve, 0.9)),
        "ratings": len(latest),
        "satisfied": sum(r >= 4 for r in latest),
        "onTime": (len(on_time), len(finished), len(overdue)),
        "overdueByLevel": Counter(i["level"] for i in overdue),
        "escalations": escalated,
        "trend": trend,
    }


_PARENTS: dict[str, str | None] = {}


def _in(api: Api, region: str | None, root: str) -> bool:
    """`region` is `root` or under it (walking up through `parent`)."""
    while region is not None:
        if region == root:
            return True
        if region not in _PARENTS:
            data = api.ok(
                "query($id: ID!) { node(id: $id) { ... on Region { parent { id } } } }",
                {"id": region},
            )
            parent = data["node"]["parent"]
            _PARENTS[region] = parent["id"] if parent else None
        region = _PARENTS[region]
    return False


def dashboard(api: Api, region: str, as_: str = COUNTY, **period) -> dict:
    variables = {"r": region, "from": START.isoformat(), "to": END.isoformat(), **period}
    return api.ok(DASHBOARD, variables, as_=as_)["dashboard"]


def check(api: Api, board: dict, want: dict, kids: list[str]) -> None:
    assert board["reported"]["count"] == want["reported"]
    assert {s["status"]: s["count"] for s in board["byStatus"] if s["count"]} == dict(
        want["byStatus"]
    )
    assert len(board["byStatus"]) == 8 and len(board["byCategory"]) == 10
    assert {c["category"]: c["count"] for c in board["byCategory"] if c["count"]} == dict(
        want["byCategory"]
    )
    assert {r["region"]["id"]: r["count"] for r in board["byRegion"]} == want["byRegion"]
    assert [r["region"]["id"] for r in board["byRegion"]] == kids
    for name, key in (("timeToAccept", "accept"), ("timeToResolve", "resolve")):
        figure = board[name]
        count, median, p90 = want[key]
        assert figure["count"] == count
        for got, wanted in ((figure["medianHours"], median), (figure["p90Hours"], p90)):
            assert (got is None) == (wanted is None)
            if wanted is not None:
                assert got == pytest.approx(wanted, abs=1e-9)
    sat = board["satisfaction"]
    assert (sat["ratings"], sat["satisfied"]) == (want["ratings"], want["satisfied"])
    assert sat["rate"] == (want["satisfied"] / want["ratings"] if want["ratings"] else None)
    on_time = board["onTime"]
    good, closed, overdue = want["onTime"]
    assert (on_time["closedOnTime"], on_time["closed"], on_time["overdueOpen"]) == want["onTime"]
    assert on_time["rate"] == (good / (closed + overdue) if closed + overdue else None)
    assert [x["level"] for x in board["overdueByLevel"]] == [
        "COURTYARD",
        "VILLAGE",
        "TOWNSHIP",
        "COUNTY",
    ]
    assert {x["level"]: x["count"] for x in board["overdueByLevel"] if x["count"]} == dict(
        want["overdueByLevel"]
    )
    assert {x["level"]: x["count"] for x in board["escalationsByLevel"] if x["count"]} == dict(
        want["escalations"]
    )
    assert board["trend"] == want["trend"]


def figures(board: dict) -> list[tuple[str, int, dict]]:
    """Every (name, count, filter) of a dashboard."""
    out = [("reported", board["reported"]["count"], board["reported"]["filter"])]
    for key, name in (("byStatus", "status"), ("byCategory", "category"), ("byRegion", None)):
        for item in board[key]:
            label = f"{key}:{item['region']['id'] if name is None else item[name]}"
            out.append((label, item["count"], item["filter"]))
    for key in ("timeToAccept", "timeToResolve"):
        out.append((key, board[key]["count"], board[key]["filter"]))
    sat, on = board["satisfaction"], board["onTime"]
    out += [
        ("ratings", sat["ratings"], sat["filter"]),
        ("satisfied", sat["satisfied"], sat["satisfiedFilter"]),
        ("onTime", on["closed"] + on["overdueOpen"], on["filter"]),
        ("closedOnTime", on["closedOnTime"], on["closedOnTimeFilter"]),
        ("closed", on["closed"], on["closedFilter"]),
        ("overdueOpen", on["overdueOpen"], on["overdueOpenFilter"]),
    ]
    for key in ("overdueByLevel", "escalationsByLevel"):
        for item in board[key]:
            out.append((f"{key}:{item['level']}", item["count"], item["filter"]))
    return out


# --- the tests --------------------------------------------------------------------------


def test_township_figures_match_the_scenario(api: Api, scenario: dict):
    township = scenario["township"]
    kids = children(api, township)
    board = dashboard(api, township)
    assert board["region"]["id"] == township
    assert _at(board["from"]) == START and _at(board["to"]) == END
    want = expected(api, scenario["ids"], township, kids)
    # The scenario as designed, so the edge cases are really there:
    assert want["reported"] == 10 and want["ratings"] == 3 and want["satisfied"] == 2
    assert want["escalations"] == {"VILLAGE": 2, "TOWNSHIP": 1}
    assert want["onTime"] == (2, 4, 2) and want["overdueByLevel"] == {
        "TOWNSHIP": 1,
        "VILLAGE": 1,
    }
    assert want["byStatus"]["SUBMITTED"] == 3  # d (swept), h, j (appealed)
    check(api, board, want, kids)


def test_every_figure_lists_its_issues(api: Api, scenario: dict):
    """Each figure's `filter`, passed back as it came, lists exactly what it counts."""
    for region in (scenario["township"], scenario["village"]):
        board = dashboard(api, region)
        for name, count, flt in figures(board):
            listed = api.ok(COUNT, {"f": flt}, as_=COUNTY)["issues"]["totalCount"]
            assert listed == count, (region, name, flt)
            counted = api.ok(
                "query($f: IssueFilter) { issueCounts(groupBy: [], filter: $f) { count } }",
                {"f": flt},
                as_=COUNTY,
            )["issueCounts"]
            assert sum(c["count"] for c in counted) == count, (region, name)


def test_village_and_courtyard_figures(api: Api, scenario: dict):
    for key in ("village", "courtyard", "other_village"):
        region = scenario[key]
        kids = children(api, region)
        want = expected(api, scenario["ids"], region, kids)
        check(api, dashboard(api, region), want, kids)


def test_nothing_resolved_nor_rated(api: Api, scenario: dict):
    """The other village holds one waiting issue: durations and rates are null, not 0."""
    board = dashboard(api, scenario["other_village"], as_=TOWNSHIP)
    assert board["reported"]["count"] == 1
    assert board["timeToAccept"] == {**board["timeToAccept"], "count": 0, "medianHours": None}
    assert board["timeToResolve"]["p90Hours"] is None
    assert board["satisfaction"]["rate"] is None and board["satisfaction"]["ratings"] == 0
    assert board["onTime"]["rate"] is None


def test_empty_period(api: Api, scenario: dict):
    start = datetime(2019, 6, 1, 12, tzinfo=ZONE)
    board = dashboard(
        api,
        scenario["township"],
        **{"from": start.isoformat(), "to": (start + timedelta(days=2)).isoformat()},
    )
    assert board["reported"]["count"] == 0
    assert all(x["count"] == 0 for x in board["byStatus"] + board["byRegion"])
    # 12:00 to 12:00 two days later touches three days of Shanghai.
    assert [d["day"] for d in board["trend"]] == ["2019-06-01", "2019-06-02", "2019-06-03"]
    assert all(d["reported"] == d["resolved"] == d["closed"] == 0 for d in board["trend"])
    same = dashboard(
        api, scenario["township"], **{"from": start.isoformat(), "to": start.isoformat()}
    )
    assert same["reported"]["count"] == 0 and same["trend"] == []


def test_default_period_is_the_last_30_days(api: Api, scenario: dict):
    board = api.ok(
        "query($r: ID!) { dashboard(regionId: $r) { from to asOf reported { count } } }",
        {"r": scenario["township"]},
        as_=TOWNSHIP,
    )["dashboard"]
    assert _at(board["to"]) - _at(board["from"]) == timedelta(days=30)
    assert abs(_at(board["asOf"]) - datetime.now(UTC)) < timedelta(minutes=5)


def test_statements_are_fixed(api: Api, scenario: dict, count_statements):
    """Sign-in (2), the region, its children, and one statement for every figure (the
    cohort read once): the same number for a township as for the whole county."""
    token = api.token(COUNTY)
    counts = {}
    for key, region in (("township", scenario["township"]), ("county", api.region_of(COUNTY))):
        with count_statements() as counter:
            body = api.gql(
                DASHBOARD,
                {"r": region, "from": START.isoformat(), "to": END.isoformat()},
                token=token,
            )
        assert "errors" not in body, body
        counts[key] = counter.count
        (figures,) = [s for s in counter.statements if s.lstrip().startswith("WITH cohort")]
        # The code's constants and the region's path are written into the SQL: in a generic
        # plan a bound IN list is an array built for every row (core/sqlconst.py).
        assert not re.search(r"IN \((\$\d+|\?)", figures), figures
        assert re.search(r"region_path >= '/[\d/]+' AND issues.region_path < '/", figures)
    assert counts == {"township": 5, "county": 5}


def test_who_may_read_a_dashboard(api: Api, scenario: dict):
    township = scenario["township"]
    for phone in (TOWNSHIP, DEPUTY, COUNTY):
        assert dashboard(api, township, as_=phone)["reported"]["count"] == 10
    county = api.region_of(COUNTY)
    for phone, region in ((RESIDENT, township), (VILLAGE, township), (TOWNSHIP, county)):
        body = api.gql(DASHBOARD, {"r": region}, as_=phone)
        assert body["data"] is None
        error = body["errors"][0]
        assert error["extensions"] == {"code": "NOT_FOUND", "field": "regionId"}, error
    nowhere = to_global_id("Region", 9_999_999)
    missing = api.gql(DASHBOARD, {"r": nowhere}, as_=COUNTY)["errors"][0]
    assert missing["extensions"] == {"code": "NOT_FOUND", "field": "regionId"}
    anonymous = api.gql(DASHBOARD, {"r": township})["errors"][0]
    assert anonymous["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("period", "field", "words"),
    [
        ({"from": "2020-03-05T00:00:00+08:00", "to": "2020-03-01T00:00:00+08:00"}, "from", "after"),
        ({"from": "2019-01-01T00:00:00+08:00", "to": "2020-03-01T00:00:00+08:00"}, "from", "400"),
        ({"from": "2020-03-01T00:00:00"}, "from", "offset"),
    ],
)
def test_bad_periods(api: Api, scenario: dict, period: dict, field: str, words: str):
    body = api.gql(DASHBOARD, {"r": scenario["township"], **period}, as_=COUNTY, lang="en")
    error = body["errors"][0]
    assert error["extensions"] == {"code": "VALIDATION", "field": field}, error
    assert words in error["message"]


def test_filter_value_mirrors_the_filter_input(api: Api):
    """IssueFilterValue has IssueFilter's fields, names and types: a figure's filter can be
    passed back as it is."""
    data = api.ok(
        '{ i: __type(name: "IssueFilter") { inputFields { name type { ...T } } } '
        'o: __type(name: "IssueFilterValue") { fields { name type { ...T } } } } '
        "fragment T on __Type { kind name ofType { kind name ofType { kind name ofType "
        "{ kind name } } } }"
    )
    inputs = {f["name"]: f["type"] for f in data["i"]["inputFields"]}
    outputs = {f["name"]: f["type"] for f in data["o"]["fields"]}
    assert inputs == outputs
    assert " ".join(inputs) == FILTER_FIELDS


def test_history_filters_check_their_input(api: Api):
    for flt, field in (
        ({"latestRatings": [0, 5]}, "filter.latestRatings"),
        ({"reportedFrom": "2020-03-01T00:00:00"}, "filter.reportedFrom"),
    ):
        body = api.gql(COUNT, {"f": flt}, as_=COUNTY)
        assert body["errors"][0]["extensions"] == {"code": "VALIDATION", "field": field}


def test_local_days_across_a_transition(backend):
    """The trend's day of a timestamp in a zone with summer time, around its switch (Berlin,
    2026-03-29 01:00 UTC), as Python's zoneinfo puts it, on each database."""
    zone = ZoneInfo("Europe/Berlin")
    local = LocalDays(zone, datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 4, 10, tzinfo=UTC))
    assert len(local.shifts[0]) == 1  # one transition within the period
    stamps = [
        datetime(2026, 3, 28, 22, 59, 59, tzinfo=UTC),  # 23:59:59 CET, the 28th
        datetime(2026, 3, 28, 23, 0, tzinfo=UTC),  # midnight CET, the 29th
        datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),  # 01:59:59 CET
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # 03:00 CEST
        datetime(2026, 3, 29, 21, 59, 59, tzinfo=UTC),  # 23:59:59 CEST, still the 29th
        datetime(2026, 3, 29, 22, 0, tzinfo=UTC),  # midnight CEST, the 30th
    ]
    column = Issue.created_at.type
    statement = select(*(local_day(literal(t, column), local.shifts) for t in stamps))

    async def days() -> list[int]:
        db = Database(create_engine(backend.database_url))
        try:
            (row,) = await db.rows(statement)
            return list(row)
        finally:
            await db.engine.dispose()

    got = [local.number(n) for n in asyncio.run(days())]
    assert got == [t.astimezone(zone).date() for t in stamps]
    assert [d.day for d in got] == [28, 29, 29, 29, 29, 30]
