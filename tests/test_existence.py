"""No existence oracle: an outsider gets the same answer for an issue that exists and for one
that does not, through every query, node lookup, mutation and subscription."""

from __future__ import annotations

from core.ids import to_global_id
from core.pagination import decode_cursor
from tests.conftest import OTHER_RESIDENT, RESIDENT, VILLAGE, Api
from tests.issue_ops import (
    ACCEPT,
    ASSIGN,
    CANCEL,
    DUPLICATE,
    ESCALATE,
    RATE,
    REJECT,
    REOPEN,
    RESOLVE,
    START,
    UPDATE,
    ok,
    report,
)
from tests.live_client import ISSUE_UPDATED, LiveClient

MUTATIONS = [
    (ACCEPT, {}),
    (START, {}),
    (UPDATE, {"note": "进展"}),
    (RESOLVE, {"note": "已修好"}),
    (ESCALATE, {}),
    (REJECT, {"note": "不受理"}),
    (CANCEL, {}),
    (REOPEN, {"note": "再看看"}),
    (RATE, {"rating": 5}),
    (ASSIGN, {"assigneeId": to_global_id("Account", 1)}),
    (DUPLICATE, {"duplicateOfId": to_global_id("Issue", 1)}),
]


def answers(api: Api, issue_id: str, event_id: str) -> list:
    """Everything an outsider can ask about one issue, as the raw responses."""
    out: list = [
        api.gql(
            "query($id: ID!) { issue(id: $id) { id title } }", {"id": issue_id}, as_=OTHER_RESIDENT
        ),
        api.gql("query($id: ID!) { node(id: $id) { id } }", {"id": issue_id}, as_=OTHER_RESIDENT),
        api.gql("query($id: ID!) { node(id: $id) { id } }", {"id": event_id}, as_=OTHER_RESIDENT),
    ]
    for document, fields in MUTATIONS:
        out.append(api.gql(document, {"input": {"id": issue_id, **fields}}, as_=OTHER_RESIDENT))
    client = LiveClient(api.server.url)
    try:
        client.init(api.token(OTHER_RESIDENT))
        client.subscribe("s", ISSUE_UPDATED, {"id": issue_id})
        out.append(client.next("s"))
    finally:
        client.close()
    return out


def test_an_outsider_cannot_tell_an_existing_issue_from_a_missing_one(api: Api):
    issue = ok(report(api, RESIDENT, api.region_of(VILLAGE)))
    event_pk = decode_cursor(issue["event"]["cursor"])
    existing = answers(api, issue["issue"]["id"], to_global_id("IssueEvent", event_pk))
    missing = answers(
        api, to_global_id("Issue", 2_000_000_000), to_global_id("IssueEvent", 2_000_000_000)
    )
    assert existing == missing
    # ... and the answers are the contract's "not there": null, or NOT_FOUND at `id`.
    assert existing[0] == {"data": {"issue": None}}
    assert existing[1] == existing[2] == {"data": {"node": None}}
    for body in existing[3:-1]:
        (payload,) = body["data"].values()
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_FOUND", "id")]
    assert existing[-1]["payload"][0]["extensions"]["code"] == "NOT_FOUND"
