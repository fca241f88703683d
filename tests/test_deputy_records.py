"""Duty records, their verification, and the performance file with its PDF and CSV exports:
every figure traced to its rows, the PDF's Chinese text extracted and checked."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
import pypdf

from core.ids import parse_id, to_global_id
from resolvers.deputies.performance import today
from tests.conftest import RESIDENT, TOWNSHIP, VILLAGE, Api, jpeg
from tests.issue_ops import ACCEPT, RATE, RESOLVE, act, ok
from tests.test_deputy_messages import LEAVE, REPLY, TURN, own_deputy, scan

ADD = """mutation($input: AddDeputyRecordInput!) { addDeputyRecord(input: $input) {
  record { id kind day outcome outcomeDocuments verified issues { id } messages { id } }
  errors { code field message } } }"""
VERIFY = """mutation($input: VerifyDeputyRecordInput!) { verifyDeputyRecord(input: $input) {
  record { id verified verifiedBy { displayName } } errors { code field message } } }"""
FILE = """query($id: ID!, $from: Date!, $to: Date!) { deputy(id: $id) { name
  performanceFile(from: $from, to: $to) { from to daysInOffice pdfUrl csvUrl
    figures { key label value perThirtyDaysInOffice verified messageIds
      records { id kind } messages { id } issues { id rating status } } } } }"""
RECORDS = """query($id: ID!, $n: Int) { deputy(id: $id) { records(first: $n) { totalCount
  edges { node { id kind verified verifiedBy { displayName } issues { id title }
  messages { id body } deputy { name } } } } } }"""


def errors(payload: dict) -> list:
    return [(e["code"], e["field"]) for e in payload["errors"]]


def leave(api: Api, token: str, body: str, as_: str | None = None) -> dict:
    data = (
        api.gql(LEAVE, {"input": {"token": token, "body": body}}, as_=as_)
        if as_
        else api.gql(LEAVE, {"input": {"token": token, "body": body}})
    )
    return data["data"]["leaveDeputyMessage"]["message"]


def test_records_are_verified_and_the_file_traces_every_figure(api: Api):
    phone, deputy_id = own_deputy(api)
    token = scan(api, phone, deputy_id)
    day = today().isoformat()
    # A message answered, another turned into an issue the township resolves and rates.
    answered = leave(api, token, "路灯坏了")
    api.ok(REPLY, {"input": {"id": answered["id"], "body": "已报修"}}, as_=phone)
    turned = leave(api, token, "村道塌方", as_=RESIDENT)
    issue = api.ok(
        TURN,
        {
            "input": {
                "id": turned["id"],
                "regionId": api.region_of(VILLAGE),
                "category": "ROADS",
                "title": "村道塌方",
            }
        },
        as_=phone,
    )["turnDeputyMessageIntoIssue"]["message"]["issue"]
    ok(act(api, ACCEPT, TOWNSHIP, issue["id"]))
    ok(act(api, RESOLVE, TOWNSHIP, issue["id"], note="已修通", photos=1))
    ok(act(api, RATE, RESIDENT, issue["id"], rating=4))

    # The deputy records a reception day (about both) and a proposal.
    reception = api.ok(
        ADD,
        {
            "input": {
                "deputyId": deputy_id,
                "kind": "RECEPTION_DAY",
                "day": day,
                "description": "代表接待日，接待选民12人",
                "issueIds": [issue["id"]],
                "messageIds": [answered["id"], turned["id"]],
            }
        },
        as_=phone,
    )["addDeputyRecord"]["record"]
    assert [i["id"] for i in reception["issues"]] == [issue["id"]]
    assert len(reception["messages"]) == 2 and reception["verified"] is False
    proposal = api.ok(
        ADD,
        {
            "input": {
                "deputyId": deputy_id,
                "kind": "PROPOSAL",
                "day": day,
                "description": "关于冬季供暖两小时响应的议案",
                "outcome": "ADOPTED",
                "outcomeDocuments": "榆政办发〔2026〕12号",
            }
        },
        as_=phone,
    )["addDeputyRecord"]["record"]
    assert proposal["outcome"] == "ADOPTED"

    # Verification: officials of the congress's level; not the deputy; a resident cannot
    # even see the record.
    body = api.gql(VERIFY, {"input": {"id": reception["id"]}}, as_=phone)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for outsider in (RESIDENT, VILLAGE):
        refused = api.gql(VERIFY, {"input": {"id": reception["id"]}}, as_=outsider)
        assert errors(refused["data"]["verifyDeputyRecord"]) == [("NOT_FOUND", "id")], outsider
    verified = api.ok(VERIFY, {"input": {"id": reception["id"]}}, as_=TOWNSHIP)
    assert verified["verifyDeputyRecord"]["record"]["verified"] is True
    again = api.gql(VERIFY, {"input": {"id": reception["id"]}}, as_=TOWNSHIP)
    assert errors(again["data"]["verifyDeputyRecord"]) == [("INVALID_TRANSITION", None)]

    # The file: each figure with exactly the rows behind it.
    start = (today() - timedelta(days=29)).isoformat()
    data = api.ok(FILE, {"id": deputy_id, "from": start, "to": day}, as_=phone)["deputy"]
    file = data["performanceFile"]
    assert file["daysInOffice"] == 30
    figures = {f["key"]: f for f in file["figures"]}
    reception_days = figures["records.RECEPTION_DAY"]
    assert reception_days["value"] == 1 and reception_days["verified"] == 1
    assert reception_days["records"] == [{"id": reception["id"], "kind": "RECEPTION_DAY"}]
    assert reception_days["perThirtyDaysInOffice"] == 1
    assert figures["records.PROPOSAL"]["value"] == 1
    assert figures["proposals.ADOPTED"]["records"] == [{"id": proposal["id"], "kind": "PROPOSAL"}]
    assert figures["proposals.ADOPTED"]["verified"] == 0
    assert figures["messages.received"]["value"] == 2
    assert {m["id"] for m in figures["messages.received"]["messages"]} == {
        answered["id"],
        turned["id"],
    }
    assert figures["messages.received"]["messageIds"] == [answered["id"], turned["id"]]
    assert [m["id"] for m in figures["messages.answered"]["messages"]] == [answered["id"]]
    assert figures["messages.medianHoursToAnswer"]["value"] is not None
    assert figures["messages.medianHoursToAnswer"]["perThirtyDaysInOffice"] is None
    assert figures["issues.linked"]["issues"] == [
        {"id": issue["id"], "rating": 4, "status": "CLOSED"}
    ]
    assert figures["issues.resolved"]["value"] == 1
    assert figures["issues.meanSatisfaction"]["value"] == 4
    assert figures["records.TRAINING"] == {
        **figures["records.TRAINING"],
        "value": 0,
        "records": [],
    }
    # Officials of the jurisdiction pull it too, without reading the messages themselves.
    official = api.ok(FILE, {"id": deputy_id, "from": start, "to": day}, as_=TOWNSHIP)
    seen = {f["key"]: f for f in official["deputy"]["performanceFile"]["figures"]}
    assert seen["messages.received"]["value"] == 2 and seen["messages.received"]["messages"] == []
    assert seen["messages.received"]["messageIds"] == [answered["id"], turned["id"]]
    # Others may not; a period backwards is VALIDATION at `from`.
    denied = api.gql(FILE, {"id": deputy_id, "from": start, "to": day}, as_=RESIDENT)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    backwards = api.gql(FILE, {"id": deputy_id, "from": day, "to": start}, as_=phone)
    assert backwards["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "from"}

    # The exports: the same file, at authenticated URLs.
    auth = {"authorization": f"Bearer {api.token(phone)}"}
    pdf = httpx.get(file["pdfUrl"], headers=auth)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "留言代表" in text and "履职档案" in text
    assert "接待选民日：1" in text and "收到留言：2" in text and "已核实 1" in text
    assert f"R{_pk(reception['id'])}" in text
    csv_body = httpx.get(file["csvUrl"], headers=auth)
    assert csv_body.status_code == 200
    rows = list(csv.reader(io.StringIO(csv_body.content.decode("utf-8-sig"))))
    assert rows[0] == ["deputy", "留言代表"]
    by_key = {row[0]: row for row in rows[4:]}
    assert by_key["records.RECEPTION_DAY"][2:6] == ["1", "1", "1", f"R{_pk(reception['id'])}"]
    assert by_key["messages.received"][2] == "2"
    # The URLs want a sign-in, and a reader of the file.
    assert httpx.get(file["pdfUrl"]).status_code == 401
    resident = {"authorization": f"Bearer {api.token(RESIDENT)}"}
    assert httpx.get(file["csvUrl"], headers=resident).status_code == 404
    assert httpx.get(file["csvUrl"], headers={"authorization": "Bearer nope"}).status_code == 401
    bad = file["csvUrl"].split("?")[0] + f"?from={day}&to={start}"
    assert httpx.get(bad, headers=auth).status_code == 400


def _pk(global_id: str) -> int:
    return parse_id(global_id, "DutyRecord")


def test_bad_records_get_coded_errors(api: Api):
    phone, deputy_id = own_deputy(api)
    base = {
        "deputyId": deputy_id,
        "kind": "MEETING",
        "day": today().isoformat(),
        "description": "乡人代会",
    }

    def refused(as_: str = phone, **fields) -> list:
        body = api.gql(ADD, {"input": {**base, **fields}}, as_=as_)
        if "errors" in body:
            return [body["errors"][0]["extensions"]["code"]]
        return errors(body["data"]["addDeputyRecord"])

    assert refused(day=(today() + timedelta(days=1)).isoformat()) == [("VALIDATION", "day")]
    assert refused(day="2021-12-31") == [("VALIDATION", "day")]  # before the term
    assert refused(outcome="ADOPTED") == [("VALIDATION", "outcome")]
    assert refused(description="") == [("VALIDATION", "description")]
    assert refused(issueIds=[to_global_id("Issue", 2_000_000_000)]) == [("NOT_FOUND", "issueIds.0")]
    assert refused(messageIds=[to_global_id("DeputyMessage", 2_000_000_000)]) == [
        ("NOT_FOUND", "messageIds.0")
    ]
    assert refused(as_=RESIDENT) == ["FORBIDDEN"]
    assert refused(as_=TOWNSHIP) == ["FORBIDDEN"]  # records are the deputy's own account
    listed = api.ok(RECORDS, {"id": deputy_id}, as_=phone)["deputy"]["records"]
    assert listed["totalCount"] == 0  # nothing half-written


def test_record_page_statement_count_does_not_grow_with_page_size(api: Api, count_statements):
    phone, deputy_id = own_deputy(api)
    token = scan(api, phone, deputy_id)
    for n in range(5):
        message = leave(api, token, f"留言{n}")
        api.ok(
            ADD,
            {
                "input": {
                    "deputyId": deputy_id,
                    "kind": "CONSTITUENT_VISIT",
                    "day": today().isoformat(),
                    "description": f"走访{n}",
                    "messageIds": [message["id"]],
                }
            },
            as_=phone,
        )
    auth = api.token(TOWNSHIP)

    def statements(n: int) -> int:
        with count_statements() as counter:
            data = api.ok(RECORDS, {"id": deputy_id, "n": n}, token=auth)
        assert len(data["deputy"]["records"]["edges"]) == n
        return counter.count

    small, large = statements(2), statements(5)
    assert small == large, f"{small} statements for 2 records but {large} for 5"


OUTCOME = """mutation($input: SetDeputyProposalOutcomeInput!) {
  setDeputyProposalOutcome(input: $input) {
    record { id outcome outcomeDocuments verified } errors { code field message } } }"""


def test_a_proposals_outcome_changes_and_its_verification_goes_with_it(api: Api):
    phone, deputy_id = own_deputy(api)
    proposal = api.ok(
        ADD,
        {
            "input": {
                "deputyId": deputy_id,
                "kind": "PROPOSAL",
                "day": today().isoformat(),
                "description": "关于村道养护的议案",
            }
        },
        as_=phone,
    )["addDeputyRecord"]["record"]
    assert proposal["outcome"] == "PENDING"
    api.ok(VERIFY, {"input": {"id": proposal["id"]}}, as_=TOWNSHIP)
    adopted = api.ok(
        OUTCOME,
        {
            "input": {
                "id": proposal["id"],
                "outcome": "ADOPTED",
                "outcomeDocuments": "镇政发〔2026〕8号",
            }
        },
        as_=phone,
    )["setDeputyProposalOutcome"]["record"]
    assert adopted["outcome"] == "ADOPTED" and adopted["verified"] is False
    refused = api.gql(
        OUTCOME, {"input": {"id": proposal["id"], "outcome": "NOT_ADOPTED"}}, as_=TOWNSHIP
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    meeting = api.ok(
        ADD,
        {
            "input": {
                "deputyId": deputy_id,
                "kind": "MEETING",
                "day": today().isoformat(),
                "description": "乡人代会",
            }
        },
        as_=phone,
    )["addDeputyRecord"]["record"]
    body = api.gql(OUTCOME, {"input": {"id": meeting["id"], "outcome": "ADOPTED"}}, as_=phone)
    assert errors(body["data"]["setDeputyProposalOutcome"]) == [("VALIDATION", "id")]


PROFILE = """mutation($input: UpdateDeputyProfileInput!) { updateDeputyProfile(input: $input) {
  deputy { name photo { url contentType width } } errors { code field message } } }"""


def test_profile_and_record_photos(api: Api):
    phone, deputy_id = own_deputy(api)
    # The profile's photo: re-encoded, served on a signed link, replaced by the next one.
    body = api.gql(
        PROFILE,
        {"input": {"id": deputy_id, "name": "新名字", "photo": None}},
        as_=phone,
        files={"input.photo": jpeg(80, 100)},
    )
    deputy = body["data"]["updateDeputyProfile"]["deputy"]
    assert deputy["name"] == "新名字" and deputy["photo"]["width"] == 80
    assert httpx.get(deputy["photo"]["url"]).headers["content-type"] == "image/jpeg"
    again = api.gql(
        PROFILE,
        {"input": {"id": deputy_id, "photo": None}},
        as_=phone,
        files={"input.photo": jpeg(120, 90)},
    )["data"]["updateDeputyProfile"]["deputy"]
    assert again["photo"]["width"] == 120 and again["name"] == "新名字"
    assert httpx.get(deputy["photo"]["url"]).status_code == 404  # the old file is gone
    # Anyone sees the profile photo.
    public = api.ok("query($id: ID!) { deputy(id: $id) { photo { width } } }", {"id": deputy_id})
    assert public["deputy"]["photo"] == {"width": 120}
    bad = api.gql(
        PROFILE,
        {"input": {"id": deputy_id, "photo": None}},
        as_=phone,
        files={"input.photo": b"not an image"},
    )["data"]["updateDeputyProfile"]
    assert errors(bad) == [("VALIDATION", "photo")]
    for outsider in (RESIDENT, VILLAGE):
        refused = api.gql(PROFILE, {"input": {"id": deputy_id, "name": "x"}}, as_=outsider)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", outsider
    # A record's photos, for the record's readers.
    record = api.gql(
        """mutation($input: AddDeputyRecordInput!) { addDeputyRecord(input: $input) {
          record { id photos { url width } } errors { code field } } }""",
        {
            "input": {
                "deputyId": deputy_id,
                "kind": "INSPECTION",
                "day": today().isoformat(),
                "description": "视察水库",
                "photos": [None, None],
            }
        },
        as_=phone,
        files={"input.photos.0": jpeg(64, 48), "input.photos.1": jpeg(32, 24)},
    )["data"]["addDeputyRecord"]["record"]
    assert [p["width"] for p in record["photos"]] == [64, 32]
    assert httpx.get(record["photos"][0]["url"]).status_code == 200


def test_an_outsider_cannot_tell_an_existing_record_from_a_missing_one(api: Api):
    phone, deputy_id = own_deputy(api)
    record = api.ok(
        ADD,
        {
            "input": {
                "deputyId": deputy_id,
                "kind": "PROPOSAL",
                "day": today().isoformat(),
                "description": "议案",
            }
        },
        as_=phone,
    )["addDeputyRecord"]["record"]

    def answers(pk: str) -> list:
        return [
            api.gql("query($id: ID!) { node(id: $id) { id } }", {"id": pk}, as_=RESIDENT),
            api.gql(VERIFY, {"input": {"id": pk}}, as_=RESIDENT),
            api.gql(OUTCOME, {"input": {"id": pk, "outcome": "ADOPTED"}}, as_=RESIDENT),
        ]

    existing = answers(record["id"])
    assert existing == answers(to_global_id("DutyRecord", 2_000_000_000))
    assert existing[0] == {"data": {"node": None}}
    for body in existing[1:]:
        (payload,) = body["data"].values()
        assert errors(payload) == [("NOT_FOUND", "id")]
