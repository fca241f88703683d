"""Relay connections page both ways, as Relay and Apollo's `relayStylePagination` expect:
`first`/`after` forward, `last`/`before` backward, `totalCount` the whole list, and
`hasPreviousPage`/`hasNextPage` true whenever items lie before/after the page."""

from __future__ import annotations

import pytest

from tests.conftest import RESIDENT, VILLAGE, Api
from tests.issue_ops import UPDATE, act, ok, report

TIMELINE = """query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  issue(id: $id) { timeline(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasPreviousPage hasNextPage startCursor endCursor }
    edges { cursor node { id cursor note } }
  } }
}"""
UPDATES = 24  # with the report: 25 events, pages of 4 leave a remainder of 1


@pytest.fixture(scope="module")
def long_issue(api: Api) -> tuple[str, list[str]]:
    """An issue with a long timeline, and the cursors of all its events, oldest first."""
    issue_id = ok(report(api, RESIDENT, api.region_of(RESIDENT), photos=0))["issue"]["id"]
    for n in range(UPDATES):
        ok(act(api, UPDATE, RESIDENT, issue_id, note=f"进展 {n}"))
    whole = timeline(api, issue_id, first=100)
    assert whole["totalCount"] == UPDATES + 1
    return issue_id, [e["cursor"] for e in whole["edges"]]


def timeline(api: Api, issue_id: str, **args) -> dict:
    data = api.ok(TIMELINE, {"id": issue_id, **args}, as_=VILLAGE)
    return data["issue"]["timeline"]


def check_page(page: dict, expected: list[str], everything: list[str]) -> None:
    """The page holds exactly `expected`, and its PageInfo tells the truth about the rest."""
    cursors = [e["cursor"] for e in page["edges"]]
    assert cursors == expected
    assert all(e["cursor"] == e["node"]["cursor"] for e in page["edges"])
    assert page["totalCount"] == len(everything)
    info = page["pageInfo"]
    assert info["startCursor"] == (cursors[0] if cursors else None)
    assert info["endCursor"] == (cursors[-1] if cursors else None)
    if cursors:
        start, end = everything.index(cursors[0]), everything.index(cursors[-1])
        assert everything[start : end + 1] == cursors  # contiguous, in order
        assert info["hasPreviousPage"] == (start > 0)
        assert info["hasNextPage"] == (end < len(everything) - 1)


def test_paging_backward_page_by_page(api: Api, long_issue):
    issue_id, everything = long_issue
    seen: list[str] = []
    before = None
    pages = 0
    while True:
        page = timeline(api, issue_id, last=4, before=before)
        expected = everything[: everything.index(before)] if before else everything
        check_page(page, expected[-4:], everything)
        cursors = [e["cursor"] for e in page["edges"]]
        assert not set(cursors) & set(seen)  # no overlap
        seen = cursors + seen
        pages += 1
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert seen == everything  # no gap
    assert pages == 7 and len(cursors) == 1  # 6 pages of 4, then the oldest


def test_paging_forward_page_by_page(api: Api, long_issue):
    issue_id, everything = long_issue
    seen: list[str] = []
    after = None
    while True:
        page = timeline(api, issue_id, first=4, after=after)
        expected = everything[everything.index(after) + 1 :] if after else everything
        check_page(page, expected[:4], everything)
        cursors = [e["cursor"] for e in page["edges"]]
        assert not set(cursors) & set(seen)
        seen += cursors
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == everything


def test_last_n_counts_the_whole_timeline(api: Api, long_issue):
    """The README's `timeline(last: 3)`: the three newest, and the rest still counted."""
    issue_id, everything = long_issue
    page = timeline(api, issue_id, last=3)
    check_page(page, everything[-3:], everything)
    assert page["pageInfo"]["hasPreviousPage"] and not page["pageInfo"]["hasNextPage"]
    assert [e["node"]["note"] for e in page["edges"]] == [
        f"进展 {n}" for n in range(UPDATES - 3, UPDATES)
    ]


def test_cursors_bound_a_window(api: Api, long_issue):
    """Both cursors: what lies between them; `first` takes its head, `last` its tail."""
    issue_id, everything = long_issue
    after, before = everything[5], everything[12]
    check_page(
        timeline(api, issue_id, after=after, before=before, first=3), everything[6:9], everything
    )
    check_page(
        timeline(api, issue_id, after=after, before=before, last=3), everything[9:12], everything
    )
    check_page(
        timeline(api, issue_id, after=after, before=before, first=100),
        everything[6:12],
        everything,
    )
    # Nothing between two neighbours; nothing before the first or after the last.
    for args in (
        {"after": everything[3], "before": everything[4], "first": 5},
        {"before": everything[0], "last": 5},
        {"after": everything[-1], "first": 5},
    ):
        page = timeline(api, issue_id, **args)
        assert page["edges"] == [] and page["totalCount"] == len(everything)
        assert page["pageInfo"]["startCursor"] is page["pageInfo"]["endCursor"] is None


def test_default_page_and_page_size_limits(api: Api, long_issue):
    issue_id, everything = long_issue
    check_page(timeline(api, issue_id), everything[:20], everything)  # first 20 by default
    for args, field in (
        ({"last": 101}, "last"),
        ({"last": -1}, "last"),
        ({"first": 101}, "first"),
        ({"before": "garbage", "last": 2}, "before"),
        ({"after": "garbage"}, "after"),
    ):
        body = api.gql(TIMELINE, {"id": issue_id, **args}, as_=VILLAGE)
        error = body["errors"][0]["extensions"]
        assert (error["code"], error.get("field")) == ("VALIDATION", field), (args, body)


def test_issue_list_knows_what_lies_before_a_page(api: Api):
    """The SQL-paged lists say `hasPreviousPage` after the first page too."""
    query = """query($after: String) { issues(first: 2, after: $after) {
        totalCount pageInfo { hasPreviousPage hasNextPage endCursor } } }"""
    first = api.ok(query, {"after": None}, as_=VILLAGE)["issues"]
    assert not first["pageInfo"]["hasPreviousPage"] and first["totalCount"] > 2
    second = api.ok(query, {"after": first["pageInfo"]["endCursor"]}, as_=VILLAGE)["issues"]
    assert second["pageInfo"]["hasPreviousPage"]
    assert second["totalCount"] == first["totalCount"]
