"""The whole ticket loop, as the issue describes it, through the real HTTP API."""

from __future__ import annotations

from tests.conftest import AGRONOMIST, GRID, RESIDENT, TOWNSHIP, VILLAGE, Api
from tests.issue_ops import (
    ACCEPT,
    ASSIGN,
    ESCALATE,
    RATE,
    RESOLVE,
    START,
    UPDATE,
    act,
    ok,
    report,
)


def timeline(api: Api, issue_id: str, phone: str) -> list[dict]:
    data = api.ok(
        "query($id: ID!) { issue(id: $id) { timeline(first: 100) { totalCount edges { node "
        "{ kind fromStatus toStatus level actor { displayName } photos { url } } } } } }",
        {"id": issue_id},
        as_=phone,
    )
    return [e["node"] for e in data["issue"]["timeline"]["edges"]]


def test_report_accept_work_resolve_rate_close(api: Api):
    village = api.region_of(VILLAGE)
    reported = ok(report(api, RESIDENT, village, title="玉米地干旱", photos=2))
    issue = reported["issue"]
    assert issue["status"] == "SUBMITTED" and issue["level"] == "VILLAGE"
    assert issue["number"] and issue["title"] == "玉米地干旱"
    assert len(issue["photos"]) == 2 and issue["photos"][0]["contentType"] == "image/jpeg"
    assert reported["event"]["kind"] == "REPORTED" and issue["dueAt"]
    iid = issue["id"]

    accepted = ok(act(api, ACCEPT, VILLAGE, iid, note="已受理"))
    assert accepted["issue"]["status"] == "ACCEPTED" and accepted["issue"]["acceptedAt"]
    started = ok(act(api, START, VILLAGE, iid))
    assert started["issue"]["status"] == "IN_PROGRESS"
    progress = ok(act(api, UPDATE, VILLAGE, iid, note="抽水机已到位", photos=1))
    assert progress["event"]["kind"] == "UPDATED" and len(progress["event"]["photos"]) == 1
    resolved = ok(act(api, RESOLVE, VILLAGE, iid, note="已完成灌溉", photos=1))
    assert resolved["issue"]["status"] == "RESOLVED" and resolved["issue"]["resolvedAt"]
    assert (
        "RATE"
        in api.ok(
            "query($id: ID!) { issue(id: $id) { allowedActions } }", {"id": iid}, as_=RESIDENT
        )["issue"]["allowedActions"]
    )
    rated = ok(act(api, RATE, RESIDENT, iid, rating=5, comment="很满意"))
    assert rated["issue"]["status"] == "CLOSED" and rated["issue"]["rating"] == 5
    assert rated["issue"]["closedAt"]

    kinds = [e["kind"] for e in timeline(api, iid, RESIDENT)]
    assert kinds == ["REPORTED", "ACCEPTED", "STARTED", "UPDATED", "RESOLVED", "RATED"]
    assert (
        len(
            api.ok(
                "query($id: ID!) { issue(id: $id) { photos { url } } }", {"id": iid}, as_=RESIDENT
            )["issue"]["photos"]
        )
        == 4
    )


def test_photo_urls_serve_the_image_and_reject_tampering(api: Api):
    courtyard = api.region_of(GRID)
    issue = ok(report(api, RESIDENT, courtyard))["issue"]
    url = issue["photos"][0]["url"]
    response = api.http.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.content[:2] == b"\xff\xd8"
    assert api.http.get(url.replace("signature=", "signature=0")).status_code == 403
    assert api.http.get(url.split("?")[0]).status_code == 403


def test_escalation_changes_level_not_history(api: Api):
    courtyard = api.region_of(GRID)
    iid = ok(report(api, RESIDENT, courtyard))["issue"]["id"]
    ok(act(api, ACCEPT, GRID, iid))
    up = ok(act(api, ESCALATE, GRID, iid, note="院落处理不了"))
    assert up["issue"]["level"] == "VILLAGE" and up["issue"]["status"] == "SUBMITTED"
    assert up["event"]["kind"] == "ESCALATED" and up["event"]["level"] == "VILLAGE"
    # The grid head no longer handles it; the village does.
    assert (
        api.ok("query($id: ID!) { issue(id: $id) { allowedActions } }", {"id": iid}, as_=GRID)[
            "issue"
        ]["allowedActions"]
        == []
    )
    ok(act(api, ESCALATE, VILLAGE, iid))
    top = ok(act(api, ESCALATE, TOWNSHIP, iid))
    assert top["issue"]["level"] == "COUNTY"


def test_low_rating_reopens_one_level_up(api: Api):
    courtyard = api.region_of(GRID)
    iid = ok(report(api, RESIDENT, courtyard))["issue"]["id"]
    ok(act(api, ACCEPT, GRID, iid))
    ok(act(api, RESOLVE, GRID, iid, note="已处理", photos=1))
    rated = ok(act(api, RATE, RESIDENT, iid, rating=1, comment="根本没修好"))
    assert rated["issue"]["status"] == "SUBMITTED"
    assert rated["issue"]["level"] == "VILLAGE"
    assert rated["issue"]["rating"] is None  # the reopened issue has no rating yet ...
    assert rated["event"]["rating"] == 1  # ... the log keeps the one that reopened it
    assert rated["event"]["kind"] == "RATED" and rated["event"]["toStatus"] == "SUBMITTED"


def test_assigned_staff_sees_and_works_the_issue(api: Api):
    village = api.region_of(VILLAGE)
    iid = ok(report(api, RESIDENT, village, category="AGRICULTURE"))["issue"]["id"]
    staff = api.ok("{ viewer { id } }", as_=AGRONOMIST)["viewer"]["id"]
    # Before assignment the agronomist cannot see it.
    hidden = api.gql("query($id: ID!) { issue(id: $id) { id } }", {"id": iid}, as_=AGRONOMIST)
    assert hidden == {"data": {"issue": None}}  # as if it did not exist
    assigned = ok(act(api, ASSIGN, VILLAGE, iid, assigneeId=staff, note="请农技员指导"))
    assert assigned["issue"]["status"] == "ACCEPTED"
    mine = api.ok(
        "{ issues(filter: {assignedToMe: true}, first: 100) { edges { node { id } } } }",
        as_=AGRONOMIST,
    )
    assert iid in [e["node"]["id"] for e in mine["issues"]["edges"]]
    ok(act(api, START, AGRONOMIST, iid))
    done = ok(act(api, RESOLVE, AGRONOMIST, iid, note="已现场指导", photos=1))
    assert done["issue"]["status"] == "RESOLVED"
    assert done["event"]["actor"]["displayName"] == "周丰收"
