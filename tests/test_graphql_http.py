"""GraphQL over HTTP: the `graphql-http` npm package's server audit (the spec's own
conformance suite) reports no error and no warning, and the media types, status codes and
transport failures it checks, as this API answers them.

The audit runs in Node (tests/graphql_http/, installed by npm from its lock file on first
use, as tests/reference/ is for the websocket client).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Api, node_project

HERE = Path(__file__).resolve().parent / "graphql_http"
RESPONSE = "application/graphql-response+json"


@pytest.fixture(scope="session")
def node() -> Path:
    return node_project(HERE, "graphql-http", "the graphql-http audit")


def test_the_graphql_http_audit_passes_without_warnings(api: Api, node: Path):
    run = subprocess.run(
        [str(node), "audit.mjs", api.server.url + "/graphql"],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results = json.loads(run.stdout)
    assert len(results) > 50, results  # the audit ran in full
    failed = [r for r in results if r["status"] != "ok"]
    assert failed == [], json.dumps(failed, indent=1, ensure_ascii=False)


def post(api: Api, body: object, accept: str | None = RESPONSE, **headers: str):
    if accept is not None:
        headers["accept"] = accept
    return api.http.post("/graphql", json=body, headers=headers)


@pytest.mark.parametrize(
    "case, body",
    [
        ("parse", {"query": "{"}),
        ("validation", {"query": "{ nothingHere }"}),
        (
            "variable coercion",
            {
                "query": "query($n: Int) { villages(first: $n) { totalCount } }",
                "variables": {"n": "ten"},
            },
        ),
        ("unknown operationName", {"query": "query A { __typename }", "operationName": "B"}),
    ],
)
def test_requests_that_fail_before_execution(api: Api, case: str, body: dict):
    # Asked for application/graphql-response+json: 400 and no `data`.
    answer = post(api, body)
    assert answer.status_code == 400, (case, answer.text)
    assert answer.headers["content-type"] == RESPONSE
    assert "data" not in answer.json() and answer.json()["errors"], answer.text
    # Asked for application/json only (older clients): 200, `data: null`, as always.
    legacy = post(api, body, accept="application/json")
    assert legacy.headers["content-type"] == "application/json"
    if case == "unknown operationName":  # not a GraphQL result: a malformed request
        assert legacy.status_code == 400 and "data" not in legacy.json()
    else:
        assert legacy.status_code == 200, (case, legacy.text)
        assert legacy.json()["data"] is None and legacy.json()["errors"]


def test_an_executed_request_is_200_with_data_whatever_its_errors(api: Api):
    answer = post(api, {"query": "{ issues { totalCount } }"})  # anonymous: UNAUTHENTICATED
    assert answer.status_code == 200 and answer.headers["content-type"] == RESPONSE
    body = answer.json()
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["path"] == ["issues"]
    fine = post(api, {"query": "{ __typename }"})
    assert fine.status_code == 200 and fine.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    "accept, media_type",
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (RESPONSE, RESPONSE),
        (f"{RESPONSE}, application/json;q=0.9", RESPONSE),
        (f"application/json, {RESPONSE};q=0.5", "application/json"),
    ],
)
def test_the_answer_is_in_the_media_type_asked_for(api: Api, accept, media_type):
    answer = post(api, {"query": "{ __typename }"}, accept=accept)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == media_type


def test_transport_failures_are_graphql_shaped_json(api: Api):
    def refused(response, status: int, code: str, media_type: str = RESPONSE) -> None:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == media_type
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == code and error["message"], error

    headers = {"accept": RESPONSE, "accept-language": "en"}
    refused(post(api, []), 400, "BAD_REQUEST")  # an empty batch (batches: test_batching.py)
    refused(post(api, {"variables": {}}), 400, "BAD_REQUEST")  # no query
    get_mutation = api.http.get(
        "/graphql", params={"query": "mutation { logout }"}, headers=headers
    )
    refused(get_mutation, 405, "METHOD_NOT_ALLOWED")
    assert get_mutation.headers["allow"] == "POST"
    refused(
        api.http.post(
            "/graphql",
            content="{ __typename }",
            headers={**headers, "content-type": "application/graphql"},
        ),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    )
    refused(api.http.put("/graphql", json={}, headers=headers), 405, "METHOD_NOT_ALLOWED")
    refused(
        post(api, {"query": "{ __typename }"}, accept="text/csv"),
        406,
        "NOT_ACCEPTABLE",
        media_type="application/json",
    )
    refused(
        api.http.post(
            "/graphql", content=b"{", headers={**headers, "content-type": "application/json"}
        ),
        400,
        "BAD_REQUEST",
    )
