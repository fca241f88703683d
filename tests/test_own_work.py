"""Nobody rates their own work: whoever works an issue at its level may not rate or appeal it,
even when they reported it themselves (`policy.speaks_for_reporter`)."""

from __future__ import annotations

from tests.conftest import AGRONOMIST, GRID, VILLAGE, Api
from tests.issue_ops import ACCEPT, ASSIGN, ESCALATE, RATE, REOPEN, RESOLVE, START, act, ok, report

OWN_WORK = "You handle this issue, so you cannot rate it or appeal: nobody rates their own work."
ACTIONS = "query($id: ID!) { issue(id: $id) { status rating allowedActions } }"


def refused(api: Api, document: str, phone: str, issue_id: str, **fields) -> dict:
    body = api.gql(document, {"input": {"id": issue_id, **fields}}, as_=phone, lang="en")
    assert body["data"] is None, body
    return body["errors"][0]


def account_id(api: Api, phone: str) -> str:
    return api.ok("{ viewer { id } }", as_=phone)["viewer"]["id"]


def test_a_grid_head_cannot_rate_their_own_report_they_resolved(api: Api):
    courtyard = api.region_of(GRID)
    iid = ok(report(api, GRID, courtyard))["issue"]["id"]  # for themselves, in their courtyard
    ok(act(api, ACCEPT, GRID, iid))
    ok(act(api, RESOLVE, GRID, iid, note="自己修好了", photos=1))
    assert "RATE" not in api.ok(ACTIONS, {"id": iid}, as_=GRID)["issue"]["allowedActions"]
    for rating in (5, 1):
        error = refused(api, RATE, GRID, iid, rating=rating)
        assert (error["extensions"]["code"], error["message"]) == ("FORBIDDEN", OWN_WORK)
    # Neither may anyone else who could work it: the village official who reported it here.
    by_village = ok(report(api, VILLAGE, courtyard))["issue"]["id"]
    ok(act(api, ACCEPT, GRID, by_village))
    ok(act(api, RESOLVE, GRID, by_village, note="已修好", photos=1))
    error = refused(api, RATE, VILLAGE, by_village, rating=5)
    assert (error["extensions"]["code"], error["message"]) == ("FORBIDDEN", OWN_WORK)
    for issue_id in (iid, by_village):
        assert api.ok(ACTIONS, {"id": issue_id}, as_=GRID)["issue"]["status"] == "RESOLVED"


def test_an_assignee_who_reported_it_can_neither_rate_nor_appeal(api: Api):
    iid = ok(report(api, AGRONOMIST, api.region_of(GRID), category="AGRICULTURE"))["issue"]["id"]
    ok(act(api, ASSIGN, GRID, iid, assigneeId=account_id(api, AGRONOMIST)))
    ok(act(api, START, AGRONOMIST, iid))
    ok(act(api, RESOLVE, AGRONOMIST, iid, note="已治虫", photos=1))
    actions = api.ok(ACTIONS, {"id": iid}, as_=AGRONOMIST)["issue"]["allowedActions"]
    assert "RATE" not in actions and "REOPEN" not in actions
    rated = refused(api, RATE, AGRONOMIST, iid, rating=5)
    appealed = refused(api, REOPEN, AGRONOMIST, iid, note="我要申诉")
    for error in (rated, appealed):
        assert (error["extensions"]["code"], error["message"]) == ("FORBIDDEN", OWN_WORK)
    issue = api.ok(ACTIONS, {"id": iid}, as_=AGRONOMIST)["issue"]
    assert (issue["status"], issue["rating"]) == ("RESOLVED", None)


def test_handed_up_the_grid_heads_report_is_rated_by_them_like_anyone_elses(api: Api):
    """A grid head who wants their own report judged hands it up: the village takes it over,
    and what the grid head rates is the village's work."""
    iid = ok(report(api, GRID, api.region_of(GRID)))["issue"]["id"]
    ok(act(api, ESCALATE, GRID, iid, note="本人反映，请村里办理"))
    ok(act(api, ACCEPT, VILLAGE, iid))
    ok(act(api, RESOLVE, VILLAGE, iid, note="村里已修好", photos=1))
    assert "RATE" in api.ok(ACTIONS, {"id": iid}, as_=GRID)["issue"]["allowedActions"]
    rated = ok(act(api, RATE, GRID, iid, rating=4))["issue"]
    assert (rated["status"], rated["rating"]) == ("CLOSED", 4)
