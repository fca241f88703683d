"""`mergeIssues`: a group becomes one parent; the parent's resolution resolves every child with
its own event (every reporter hears of it live and rates their own); children are not worked
on their own; bad merges are coded errors and write nothing; two merges of the same issues:
one wins."""

from __future__ import annotations

import threading

from tests.conftest import (
    DEPUTY,
    ELDER,
    GRID,
    OTHER_RESIDENT,
    RESIDENT,
    TOWNSHIP,
    VILLAGE,
    Api,
)
from tests.issue_ops import (
    ACCEPT,
    CANCEL,
    PAYLOAD,
    RATE,
    REJECT,
    RESOLVE,
    UPDATE,
    act,
    ok,
    op,
    report,
)
from tests.live_client import LiveClient

UNMERGE = op("unmergeIssue", "UnmergeIssueInput")
MERGE = f"""mutation($input: MergeIssuesInput!) {{ mergeIssues(input: $input) {{ {PAYLOAD} }} }}"""
STATE = """query($id: ID!) { issue(id: $id) {
  id status level merged dueAt parent { id title }
  allowedActions region { name }
  children(first: 50) { totalCount edges { node { id status } } }
  timeline(first: 50) { edges { node { kind toStatus note parent { id } photos { url } } } }
} }"""
ISSUE_UPDATED = (
    "subscription($id: ID!) { issueUpdated(id: $id) "
    "{ kind toStatus note parent { id } issue { id status } } }"
)


def merge(api: Api, phone: str, **fields) -> dict:
    body = api.gql(MERGE, {"input": fields}, as_=phone)
    assert "errors" not in body, body
    return body["data"]["mergeIssues"]


def state(api: Api, phone: str, issue_id: str) -> dict:
    return api.ok(STATE, {"id": issue_id}, as_=phone)["issue"]


def kinds(issue: dict) -> list[str]:
    return [e["node"]["kind"] for e in issue["timeline"]["edges"]]


def heat(api: Api, phone: str, region: str, title: str, **kw) -> str:
    payload = report(
        api,
        phone,
        region,
        photos=0,
        category="HEATING",
        title=title,
        description=f"{title}，家里只有十几度。",
        **kw,
    )
    return ok(payload)["issue"]["id"]


def subscribe(api: Api, phone: str, issue_id: str) -> LiveClient:
    client = LiveClient(api.server.url)
    assert client.init(api.token(phone))["type"] == "connection_ack"
    client.subscribe("s", ISSUE_UPDATED, {"id": issue_id})
    return client


def test_merge_then_resolving_the_parent_resolves_every_child_and_tells_each_reporter(api: Api):
    villages = api.ok("{ villages(first: 50) { edges { node { id code } } } }", as_=TOWNSHIP)
    pear = next(
        e["node"]["id"]
        for e in villages["villages"]["edges"]
        if e["node"]["code"] == "500237101202"
    )
    a = heat(api, RESIDENT, api.region_of(RESIDENT), "暖气片冰凉")
    b = heat(api, ELDER, api.region_of(ELDER), "暖气冰凉")
    c = heat(api, TOWNSHIP, pear, "暖气冰凉啊", channel="PHONE", contactName="钱大爷")
    mine, elders = subscribe(api, RESIDENT, a), subscribe(api, ELDER, b)
    try:
        ok(act(api, UPDATE, RESIDENT, a, note="还是不热"))  # the subscriptions are live
        ok(act(api, UPDATE, ELDER, b, note="还是不热"))
        assert mine.events("s", 1)[0]["kind"] == "UPDATED"
        assert elders.events("s", 1)[0]["kind"] == "UPDATED"

        merged = ok(
            merge(
                api,
                TOWNSHIP,
                issueIds=[a, b, c],
                title="龙溪镇暖气不热",
                description="天星村、梨园村多户反映暖气不热：同一供热管网。",
                note="合并办理",
            )
        )
        parent_id = merged["issue"]["id"]
        assert merged["event"]["kind"] == "MERGED" and merged["issue"]["level"] == "TOWNSHIP"
        parent = state(api, TOWNSHIP, parent_id)
        assert parent["region"]["name"] == "龙溪镇" and parent["status"] == "SUBMITTED"
        assert parent["children"]["totalCount"] == 3
        assert {e["node"]["id"] for e in parent["children"]["edges"]} == {a, b, c}
        assert kinds(parent) == ["REPORTED", "MERGED"] and parent["merged"] is False
        for client in (mine, elders):
            (event,) = client.events("s", 1)
            assert event["kind"] == "MERGED" and event["note"] == "合并办理"
        child = state(api, TOWNSHIP, a)
        assert child["merged"] and child["dueAt"] is None and child["parent"]["id"] == parent_id
        assert child["timeline"]["edges"][-1]["node"]["parent"]["id"] == parent_id
        assert "ACCEPT" not in child["allowedActions"]
        # The village official handles the child but may not read the township's parent.
        assert state(api, VILLAGE, a)["parent"] is None
        # The reporter sees their issue is merged, not the parent (not theirs to read).
        assert state(api, RESIDENT, a)["merged"] and state(api, RESIDENT, a)["parent"] is None
        assert state(api, RESIDENT, a)["children"]["totalCount"] == 0

        # A child is worked through its parent.
        refused = act(api, ACCEPT, VILLAGE, a)
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [
            ("INVALID_TRANSITION", None)
        ]
        ok(act(api, ACCEPT, TOWNSHIP, parent_id))
        resolved = ok(act(api, RESOLVE, TOWNSHIP, parent_id, note="管网已检修", photos=1))
        assert resolved["issue"]["status"] == "RESOLVED"

        for client, issue_id in ((mine, a), (elders, b)):
            (event,) = client.events("s", 1)
            assert (event["kind"], event["toStatus"], event["note"]) == (
                "RESOLVED",
                "RESOLVED",
                "管网已检修",
            )
            assert event["issue"] == {"id": issue_id, "status": "RESOLVED"}
    finally:
        mine.close()
        elders.close()
    parent_due = state(api, TOWNSHIP, parent_id)["dueAt"]
    assert parent_due is not None  # the deadline the resolution met or missed
    for issue_id in (a, b, c):
        child = state(api, TOWNSHIP, issue_id)
        assert child["dueAt"] == parent_due  # the parent's deadline was theirs
        last = child["timeline"]["edges"][-1]["node"]
        assert child["status"] == "RESOLVED"
        assert (last["kind"], last["parent"]["id"], len(last["photos"])) == (
            "RESOLVED",
            parent_id,
            1,
        )
    # Each reporter rates their own; a low rating sends theirs up a level, out of the group.
    assert ok(act(api, RATE, RESIDENT, a, rating=5))["issue"]["status"] == "CLOSED"
    low = ok(act(api, RATE, ELDER, b, rating=1))["issue"]
    assert low["status"] == "SUBMITTED" and low["level"] == "VILLAGE"
    assert state(api, TOWNSHIP, b)["merged"] is False
    assert state(api, TOWNSHIP, parent_id)["children"]["totalCount"] == 2


def test_merging_into_an_existing_issue_and_rejecting_it(api: Api):
    village, courtyard = api.region_of(VILLAGE), api.region_of(RESIDENT)
    parent = heat(api, ELDER, village, "村里暖气不热")
    child = heat(api, RESIDENT, courtyard, "院里暖气不热")
    merged = ok(merge(api, VILLAGE, issueIds=[child, parent], parentId=parent))
    assert merged["issue"]["id"] == parent
    assert kinds(state(api, VILLAGE, parent))[-1] == "MERGED"
    # The parent's reporter cannot withdraw it while others' issues hang on it.
    refused = act(api, CANCEL, ELDER, parent)
    assert refused["errors"][0]["code"] == "INVALID_TRANSITION"
    # The child's reporter may still add a note, and withdraw their own.
    ok(act(api, UPDATE, RESIDENT, child, note="补充：三楼也不热"))
    ok(act(api, REJECT, VILLAGE, parent, note="供热公司已统一答复"))
    rejected = state(api, VILLAGE, child)
    assert rejected["status"] == "REJECTED"
    last = rejected["timeline"]["edges"][-1]["node"]
    assert (last["kind"], last["note"], last["parent"]["id"]) == (
        "REJECTED",
        "供热公司已统一答复",
        parent,
    )
    # A parent whose region does not cover the others'.
    here = heat(api, RESIDENT, courtyard, "暖气不热一")
    there = heat(api, ELDER, api.region_of(ELDER), "暖气不热二")
    wrong = merge(api, VILLAGE, issueIds=[here, there], parentId=here)
    assert [(e["code"], e["field"]) for e in wrong["errors"]] == [("VALIDATION", "parentId")]


def test_bad_merges_are_coded_errors_and_write_nothing(api: Api):
    courtyard = api.region_of(RESIDENT)
    a = heat(api, RESIDENT, courtyard, "暖气漏水一")
    b = heat(api, RESIDENT, courtyard, "暖气漏水二")
    before = {i: kinds(state(api, VILLAGE, i)) for i in (a, b)}

    def errors(phone: str = VILLAGE, **fields) -> list[tuple[str, str | None]]:
        payload = merge(api, phone, **fields)
        assert payload["issue"] is None
        return [(e["code"], e["field"]) for e in payload["errors"]]

    assert errors(issueIds=[a], title="t", description="d") == [("VALIDATION", "issueIds")]
    assert errors(issueIds=[a, a], title="t", description="d") == [("VALIDATION", "issueIds")]
    assert errors(issueIds=[a, "bad"], title="t", description="d") == [("VALIDATION", "issueIds.1")]
    assert errors(issueIds=[a, b]) == [("VALIDATION", "title"), ("VALIDATION", "description")]
    assert errors(issueIds=[a, b], parentId=a, title="t") == [("VALIDATION", "title")]
    outsider = heat(api, OTHER_RESIDENT, api.region_of(OTHER_RESIDENT), "暖气漏水三")
    assert errors(issueIds=[a, outsider], title="t", description="d") == [
        ("NOT_FOUND", "issueIds.1")
    ]
    water = ok(report(api, RESIDENT, courtyard, photos=0, category="WATER"))["issue"]["id"]
    assert errors(issueIds=[a, water], title="t", description="d") == [("VALIDATION", "issueIds")]
    cancelled = heat(api, RESIDENT, courtyard, "暖气漏水四")
    ok(act(api, CANCEL, RESIDENT, cancelled))
    assert errors(issueIds=[a, cancelled], title="t", description="d") == [
        ("INVALID_TRANSITION", "issueIds.1")
    ]
    # The deputy reads them but may not handle them; a resident neither.
    for phone in (DEPUTY, RESIDENT):
        body = api.gql(MERGE, {"input": {"issueIds": [a, b], "parentId": a}}, as_=phone)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    assert {i: kinds(state(api, VILLAGE, i)) for i in (a, b)} == before

    ok(merge(api, GRID, issueIds=[a, b], parentId=a))
    c = heat(api, RESIDENT, courtyard, "暖气漏水五")
    assert errors(issueIds=[c, b], title="t", description="d") == [
        ("INVALID_TRANSITION", "issueIds.1")  # already merged
    ]
    assert errors(issueIds=[c, a], parentId=c) == [
        ("INVALID_TRANSITION", "issueIds.1")  # a parent cannot become a child
    ]


def test_two_merges_of_the_same_issues_one_wins(api: Api):
    courtyard = api.region_of(RESIDENT)
    outcomes: list[str] = []
    for round_ in range(4):
        ids = [heat(api, RESIDENT, courtyard, f"暖气争抢{round_}{n}") for n in range(3)]
        barrier = threading.Barrier(2)
        results: list[dict] = []

        def run(title: str, ids: list, barrier: threading.Barrier, results: list) -> None:
            barrier.wait()
            results.append(merge(api, VILLAGE, issueIds=ids, title=title, description="同一问题"))

        threads = [
            threading.Thread(target=run, args=(f"并发合并{round_}{n}", ids, barrier, results))
            for n in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        winners = [r for r in results if not r["errors"]]
        losers = [r for r in results if r["errors"]]
        assert len(winners) == 1 and len(losers) == 1, results
        code = losers[0]["errors"][0]["code"]
        assert code in ("CONFLICT", "INVALID_TRANSITION"), losers
        outcomes.append(code)
        parent = winners[0]["issue"]["id"]
        for issue_id in ids:
            child = state(api, VILLAGE, issue_id)
            assert kinds(child).count("MERGED") == 1 and child["parent"]["id"] == parent
        # The loser's new parent was never written.
        found = api.ok(
            "query($s: String) { issues(filter: {search: $s}) { totalCount } }",
            {"s": f"并发合并{round_}"},
            as_=VILLAGE,
        )
        assert found["issues"]["totalCount"] == 1
    print("losing merges:", outcomes)


def test_parents_and_children_are_batched(api: Api, count_statements):
    courtyard = api.region_of(RESIDENT)
    for n in range(5):
        parent = heat(api, RESIDENT, courtyard, f"批量父{n}")
        kids = [heat(api, RESIDENT, courtyard, f"批量子{n}{k}") for k in range(2)]
        ok(merge(api, GRID, issueIds=[parent, *kids], parentId=parent))
    token = api.token(GRID)
    page = """query($n: Int!) { issues(first: $n) { edges { node {
      id merged parent { id title } children(first: 5) { totalCount edges { node { id } } }
    } } } }"""

    def statements(n: int) -> int:
        with count_statements() as counter:
            data = api.ok(page, {"n": n}, token=token)
        edges = data["issues"]["edges"]
        assert len(edges) == n and any(e["node"]["merged"] for e in edges)
        return counter.count

    small, large = statements(2), statements(15)
    print(f"merged issues page: {small} statements for 2, {large} for 15")
    assert large <= small <= 6, (small, large)


def test_unmerging_a_child_puts_it_on_its_own_again(api: Api):
    village, courtyard = api.region_of(VILLAGE), api.region_of(RESIDENT)
    parent = heat(api, ELDER, village, "村里暖气管道漏水")
    child = heat(api, RESIDENT, courtyard, "院里暖气管道漏水")
    ok(merge(api, VILLAGE, issueIds=[parent, child], parentId=parent))
    refused = act(api, CANCEL, ELDER, parent)
    assert refused["errors"][0]["code"] == "INVALID_TRANSITION"
    assert "UNMERGE" in state(api, VILLAGE, child)["allowedActions"]
    body = api.gql(UNMERGE, {"input": {"id": child}}, as_=RESIDENT)  # not theirs to do
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    freed = ok(act(api, UNMERGE, VILLAGE, child, note="分开办理"))
    assert freed["event"]["kind"] == "UNMERGED"
    child_now = state(api, VILLAGE, child)
    assert child_now["merged"] is False and child_now["dueAt"] is not None
    assert "ACCEPT" in child_now["allowedActions"]
    assert child_now["timeline"]["edges"][-1]["node"]["parent"]["id"] == parent
    assert state(api, VILLAGE, parent)["children"]["totalCount"] == 0
    again = act(api, UNMERGE, VILLAGE, child)
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("INVALID_TRANSITION", None)]
    # With no open child left, the parent's reporter may withdraw it.
    assert ok(act(api, CANCEL, ELDER, parent))["issue"]["status"] == "CANCELLED"
