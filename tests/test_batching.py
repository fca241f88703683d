"""Batched requests over HTTP (Apollo's `BatchHttpLink`): a JSON array of up to
MAX_BATCH_OPERATIONS operations, run one after another in order and answered as an array
in the same order; each operation meets every limit of its own (query size, cost, persisted
queries), the body limit covers the whole array, and a batch past the limit is refused with
a GraphQL-shaped 4xx."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import httpx
import pytest

from server import create_app
from tests.conftest import RESIDENT, VILLAGE, Api, ServerThread
from tests.issue_ops import UPDATE, ok, report

RESPONSE = "application/graphql-response+json"
TIMELINE = "query($id: ID!) { issue(id: $id) { timeline(first: 100) { totalCount } } }"


def post(api: Api, body: object, *, token: str | None = None, accept: str = RESPONSE):
    headers = {"accept": accept, "accept-language": "en"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return api.http.post("/graphql", json=body, headers=headers)


def refused(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == code, error
    return error["message"]


def test_a_batch_runs_in_order_and_is_answered_in_order(api: Api):
    issue = ok(report(api, RESIDENT, api.region_of(VILLAGE), photos=0))["issue"]["id"]
    token = api.token(RESIDENT)
    note = {"query": UPDATE, "variables": {"input": {"id": issue, "note": "又塌了一块"}}}
    count = {"query": TIMELINE, "variables": {"id": issue}}
    answer = post(api, [count, note, count, {"query": "{ __typename }"}, note, count], token=token)
    assert answer.status_code == 200 and answer.headers["content-type"] == RESPONSE
    first, updated, second, typename, again, third = answer.json()
    before = first["data"]["issue"]["timeline"]["totalCount"]
    # Each query sees what the mutations before it did: one after another, in order, each
    # with loaders of its own (nothing the first query loaded is served to the third).
    assert second["data"]["issue"]["timeline"]["totalCount"] == before + 1
    assert third["data"]["issue"]["timeline"]["totalCount"] == before + 2
    assert typename == {"data": {"__typename": "Query"}}
    cursors = [ok(a["data"]["addIssueUpdate"])["event"]["cursor"] for a in (updated, again)]
    assert cursors[0] != cursors[1]


def test_each_operation_meets_the_limits_of_one_alone(api: Api):
    padded = "# " + "x" * api.settings.max_query_bytes + "\n{ __typename }"
    costly = "{ " + " ".join(f"a{i}: __typename" for i in range(30)) + " }"  # 30 aliases
    unknown = hashlib.sha256(b"{ never sent }").hexdigest()
    batch = [
        {"query": padded},
        {"query": costly},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": unknown}}},
        {"query": "{ nothingHere }"},
        {"query": "{ issues { totalCount } }"},  # anonymous: UNAUTHENTICATED, executed
        {"query": "query A { __typename }", "operationName": "B"},
        {"query": "{ __typename }"},
    ]
    answer = post(api, batch)
    assert answer.status_code == 200
    too_large, complex_, persisted, invalid, executed, unnamed, fine = answer.json()
    assert too_large["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"
    assert complex_["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert persisted["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert persisted["errors"][0]["message"] == "PersistedQueryNotFound"  # what Apollo reads
    assert invalid["errors"][0]["message"].startswith("Cannot query field")
    assert executed["data"] is None
    assert executed["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert unnamed["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert fine == {"data": {"__typename": "Query"}}
    # Not executed (graphql-response+json): no `data`, as a request alone would get (a 400).
    for entry in (too_large, complex_, persisted, invalid, unnamed):
        assert "data" not in entry, entry
    # Older clients (application/json): `data: null` for what failed validation.
    legacy = post(api, [{"query": "{ nothingHere }"}], accept="application/json").json()
    assert legacy[0]["data"] is None and legacy[0]["errors"]


def test_persisted_queries_in_a_batch_register_and_answer_by_hash(api: Api):
    query = "{ __typename batched: __typename }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    by_hash = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    with_query = {"query": query, **by_hash}
    first = post(api, [by_hash, with_query, by_hash]).json()
    assert first[0]["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    expected = {"data": {"__typename": "Query", "batched": "Query"}}
    assert first[1:] == [expected, expected]


def test_a_batch_past_the_limit_is_refused_as_a_whole(api: Api):
    limit = api.settings.max_batch_operations
    assert limit == 10
    many = [{"query": "{ __typename }"}] * (limit + 1)
    message = refused(post(api, many), 413, "BATCH_TOO_LARGE")
    assert message == "A batch must hold 1 to 10 operations."
    assert post(api, many[:limit]).json() == [{"data": {"__typename": "Query"}}] * limit
    refused(post(api, []), 400, "BAD_REQUEST")
    # A malformed operation refuses the batch: nothing of it runs.
    for bad in ([{"query": "{ __typename }"}, None], [{"query": 5}], [[{"query": "{ a }"}]]):
        refused(post(api, bad), 400, "BAD_REQUEST")


def test_the_body_limit_covers_the_whole_batch(api: Api):
    with own_server(api, max_body_bytes=2000) as server:
        strict = Api(server, server.app.state.settings)
        one = {"query": "{ __typename }", "variables": {"pad": "x" * 400}}
        assert len(json.dumps([one] * 4)) < 2000 < len(json.dumps([one] * 5))
        assert len(post(strict, [one] * 4).json()) == 4
        refused(post(strict, [one] * 5), 413, "REQUEST_TOO_LARGE")
        strict.http.close()


def test_batches_can_be_turned_off_and_uploads_are_never_batched(api: Api):
    with own_server(api, max_batch_operations=0) as server:
        off = Api(server, server.app.state.settings)
        message = refused(post(off, [{"query": "{ __typename }"}]), 400, "BAD_REQUEST")
        assert message == "Batched requests are not accepted: send one operation per request."
        assert post(off, {"query": "{ __typename }"}).json() == {"data": {"__typename": "Query"}}
        off.http.close()
    operations = json.dumps([{"query": "query($f: Upload) { __typename }", "variables": {}}])
    response = api.http.post(
        "/graphql",
        data={"operations": operations, "map": "{}"},
        files={"0": ("a.jpg", b"jpeg", "image/jpeg")},
        headers={"accept-language": "en"},
    )
    assert refused(response, 400, "BAD_REQUEST").startswith("Uploads cannot be batched")


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
def test_a_batch_never_answers_5xx_for_bad_input(api: Api, production: bool):
    with own_server(api, production=production) as server:
        client = Api(server, server.app.state.settings)
        batch = [
            {
                "query": "query($s: [IssueStatus!]) { issues(filter: {statuses: $s}) { id } }",
                "variables": {"s": ["NOPE"]},
            },
            {"query": "{"},
        ]
        answer = post(client, batch)
        assert answer.status_code == 200
        assert all(entry["errors"] for entry in answer.json())
        client.http.close()


def own_server(api: Api, **changes) -> ServerThread:
    return ServerThread(create_app(replace(api.settings, demo_data=False, **changes)))
