"""GraphQL documents and helpers the issue tests share."""

from __future__ import annotations

from tests.conftest import Api, jpeg

ISSUE_FIELDS = """
  id number title description category status level channel anonymous overdue dueAt
  createdAt acceptedAt resolvedAt closedAt rating allowedActions
  region { id name } reporter { id displayName } filedBy { id }
  photos { url contentType width height }
"""
PAYLOAD = (
    f"issue {{ {ISSUE_FIELDS} }} event {{ id cursor kind fromStatus toStatus level note rating "
    "actor { displayName } photos { url } } errors { code field message }"
)

REPORT = f"""mutation($input: ReportIssueInput!) {{ reportIssue(input: $input) {{ {PAYLOAD} }} }}"""


def op(name: str, input_type: str) -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {PAYLOAD} }} }}"


ACCEPT = op("acceptIssue", "AcceptIssueInput")
START = op("startIssueWork", "StartIssueWorkInput")
UPDATE = op("addIssueUpdate", "AddIssueUpdateInput")
RESOLVE = op("resolveIssue", "ResolveIssueInput")
ESCALATE = op("escalateIssue", "EscalateIssueInput")
REJECT = op("rejectIssue", "RejectIssueInput")
CANCEL = op("cancelIssue", "CancelIssueInput")
REOPEN = op("reopenIssue", "ReopenIssueInput")
ASSIGN = op("assignIssue", "AssignIssueInput")
DUPLICATE = op("markIssueDuplicate", "MarkIssueDuplicateInput")
RATE = op("rateIssue", "RateIssueInput")


def report(api: Api, phone: str, region_id: str, *, photos: int = 1, **fields) -> dict:
    """Report an issue with `photos` real JPEG uploads; returns the payload."""
    variables = {
        "input": {
            "regionId": region_id,
            "category": "ROADS",
            "title": "村道有坑",
            "description": "村口的路面有一个大坑。",
            **fields,
        }
    }
    files = {}
    if photos:
        variables["input"]["photos"] = [None] * photos
        files = {f"input.photos.{i}": jpeg() for i in range(photos)}
    return api.gql(REPORT, variables, as_=phone, files=files or None)["data"]["reportIssue"]


def act(api: Api, document: str, phone: str, issue_id: str, *, photos: int = 0, **fields) -> dict:
    variables = {"input": {"id": issue_id, **fields}}
    files = None
    if photos:
        variables["input"]["photos"] = [None] * photos
        files = {f"input.photos.{i}": jpeg(colour="blue") for i in range(photos)}
    body = api.gql(document, variables, as_=phone, files=files)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


def ok(payload: dict) -> dict:
    assert payload["errors"] == [], payload["errors"]
    return payload
