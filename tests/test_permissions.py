"""Authorisation on every read and write of issues and accounts, through the real HTTP API."""

from __future__ import annotations

import uuid

from core.ids import to_global_id
from tests.conftest import (
    AGRONOMIST,
    COUNTY,
    DEPUTY,
    ELDER,
    GRID,
    LAWYER,
    OTHER_RESIDENT,
    PASSWORD,
    RESIDENT,
    TOWNSHIP,
    VILLAGE,
    Api,
)
from tests.issue_ops import (
    ACCEPT,
    ASSIGN,
    CANCEL,
    DUPLICATE,
    ESCALATE,
    RATE,
    REJECT,
    REOPEN,
    REPORT,
    RESOLVE,
    START,
    UPDATE,
    act,
    ok,
    report,
)

READ_FIELDS = """id title status
  reporter { id displayName } filedBy { id } contactName allowedActions
  timeline(first: 1) { edges { node { kind actor { id } } } }"""
ISSUE = f"query($id: ID!) {{ issue(id: $id) {{ {READ_FIELDS} }} }}"
NODE = f"query($id: ID!) {{ node(id: $id) {{ id ... on Issue {{ {READ_FIELDS} }} }} }}"
LOGIN = (
    "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) "
    "{ token account { id } errors { code field message } } }"
)


# --- helpers ----------------------------------------------------------------------------


def tag() -> str:
    return uuid.uuid4().hex[:10]


def account_id(api: Api, phone: str) -> str:
    return api.ok("{ viewer { id } }", as_=phone)["viewer"]["id"]


def code(body: dict) -> str:
    assert body.get("errors"), body
    return body["errors"][0]["extensions"]["code"]


def read(api: Api, issue_id: str, phone: str | None = None, *, document: str = ISSUE) -> dict:
    """The raw response of reading one issue (GraphQL errors allowed)."""
    return api.gql(document, {"id": issue_id}, as_=phone)


def readable(api: Api, issue_id: str, phone: str) -> dict:
    return api.ok(ISSUE, {"id": issue_id}, as_=phone)["issue"]


def forbidden_to_read(api: Api, issue_id: str, phone: str) -> None:
    """The viewer gets exactly what it would get for an issue that does not exist."""
    assert read(api, issue_id, phone) == {"data": {"issue": None}}
    assert read(api, issue_id, phone, document=NODE) == {"data": {"node": None}}


def listed(api: Api, phone: str, search: str) -> list[str]:
    data = api.ok(
        "query($s: String!) { issues(filter: {search: $s}, first: 100) "
        "{ totalCount edges { node { id } } } }",
        {"s": search},
        as_=phone,
    )
    ids = [e["node"]["id"] for e in data["issues"]["edges"]]
    assert data["issues"]["totalCount"] == len(ids)
    return ids


def attempt(api: Api, document: str, phone: str | None, issue_id: str, **fields) -> dict:
    """A mutation that may fail with a GraphQL error; returns the raw response."""
    return api.gql(document, {"input": {"id": issue_id, **fields}}, as_=phone)


def refused(payload: dict, error_code: str, field: str | None = "id") -> None:
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(error_code, field)], payload
    assert payload["issue"] is None and payload["event"] is None


def history(api: Api, issue_id: str) -> tuple[str, str, int]:
    data = api.ok(
        "query($id: ID!) { issue(id: $id) { status level timeline(first: 100) { totalCount } } }",
        {"id": issue_id},
        as_=COUNTY,
    )["issue"]
    return data["status"], data["level"], data["timeline"]["totalCount"]


def region_named(api: Api, name: str) -> str:
    """A village by name, or a courtyard by name under the first village."""
    villages = api.ok(
        "query($s: String!) { villages(search: $s) { edges { node { id name } } } }", {"s": name}
    )["villages"]["edges"]
    if villages:
        return villages[0]["node"]["id"]
    children = api.ok(
        "query($id: ID!) { region(id: $id) { children { edges { node { id name } } } } }",
        {"id": api.region_of(VILLAGE)},
    )["region"]["children"]["edges"]
    return next(c["node"]["id"] for c in children if c["node"]["name"] == name)


# --- signing in -------------------------------------------------------------------------


def test_anonymous_cannot_read_or_write_issues(api: Api):
    t = tag()
    iid = ok(report(api, RESIDENT, api.region_of(GRID), title=f"匿名读 {t}"))["issue"]["id"]
    body = api.gql("{ issues { totalCount } }")
    assert code(body) == "UNAUTHENTICATED" and body["data"] is None
    body = read(api, iid)
    assert code(body) == "UNAUTHENTICATED" and body["data"]["issue"] is None
    assert code(read(api, iid, document=NODE)) == "UNAUTHENTICATED"
    assert api.ok("{ viewer { id } }")["viewer"] is None
    assert code(attempt(api, ACCEPT, None, iid)) == "UNAUTHENTICATED"
    assert code(attempt(api, CANCEL, None, iid)) == "UNAUTHENTICATED"
    created = api.gql(
        REPORT,
        {
            "input": {
                "regionId": api.region_of(GRID),
                "category": "ROADS",
                "title": f"匿名报 {t}",
                "description": "无人登录",
            }
        },
    )
    assert code(created) == "UNAUTHENTICATED"
    assert listed(api, COUNTY, t) == [iid]
    assert history(api, iid) == ("SUBMITTED", "COURTYARD", 1)


def test_garbage_bearer_token_is_unauthenticated(api: Api):
    for token in ("garbage", "x" * 43, api.token(RESIDENT) + "x"):
        body = api.gql("{ issues { totalCount } }", token=token)
        assert code(body) == "UNAUTHENTICATED", body
        assert body["data"] is None
        assert api.gql("{ viewer { id } }", token=token)["data"]["viewer"] is None
    english = api.gql("{ issues { totalCount } }", token="garbage", lang="en")
    assert "no longer valid" in english["errors"][0]["message"]


def test_logout_revokes_the_token_in_use(api: Api):
    login = api.gql(LOGIN, {"p": RESIDENT, "w": PASSWORD})["data"]["login"]
    assert login["errors"] == [] and login["token"]
    token = login["token"]
    assert api.ok("{ viewer { phone } }", token=token)["viewer"]["phone"] == RESIDENT
    assert api.ok("{ issues { totalCount } }", token=token)["issues"]["totalCount"] >= 0
    assert api.ok("mutation { logout }", token=token)["logout"] is True
    body = api.gql("{ issues { totalCount } }", token=token)
    assert code(body) == "UNAUTHENTICATED"
    assert api.gql("{ viewer { id } }", token=token)["data"]["viewer"] is None
    assert code(api.gql("mutation { logout }", token=token)) == "UNAUTHENTICATED"
    # Only that token: the account's other sessions still work.
    assert api.ok("{ viewer { phone } }", as_=RESIDENT)["viewer"]["phone"] == RESIDENT


def test_wrong_password_gives_invalid_credentials(api: Api):
    for phone in (ELDER, "13899999999"):  # a real account, and no account at all
        login = api.gql(LOGIN, {"p": phone, "w": "wrong-password"}, lang="en")["data"]["login"]
        assert login["token"] is None and login["account"] is None
        assert [e["code"] for e in login["errors"]] == ["INVALID_CREDENTIALS"]
        assert login["errors"][0]["message"] == "Wrong phone number or password."
    chinese = api.gql(LOGIN, {"p": ELDER, "w": "wrong-password"})["data"]["login"]
    assert chinese["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert chinese["errors"][0]["message"] == "手机号或密码错误。"
    assert chinese["token"] is None


# --- reading and acting across jurisdictions --------------------------------------------


def test_resident_of_another_township_cannot_see_or_touch_an_issue(api: Api):
    t = tag()
    iid = ok(report(api, RESIDENT, api.region_of(VILLAGE), title=f"天星村 {t}"))["issue"]["id"]
    forbidden_to_read(api, iid, OTHER_RESIDENT)
    assert listed(api, OTHER_RESIDENT, t) == []
    by_region = api.ok(
        "query($r: ID!) { issues(filter: {regionId: $r}, first: 100) { totalCount } }",
        {"r": api.region_of(VILLAGE)},
        as_=OTHER_RESIDENT,
    )
    assert by_region["issues"]["totalCount"] == 0

    # Invisible issues look like missing ones to every mutation.
    for document, fields in (
        (ACCEPT, {}),
        (START, {}),
        (UPDATE, {"note": "我也来看看"}),
        (ESCALATE, {}),
        (REJECT, {"note": "不管"}),
        (CANCEL, {}),
        (REOPEN, {"note": "重开"}),
        (RATE, {"rating": 1}),
        (ASSIGN, {"assigneeId": account_id(api, AGRONOMIST)}),
        (DUPLICATE, {"duplicateOfId": iid}),
    ):
        refused(act(api, document, OTHER_RESIDENT, iid, **fields), "NOT_FOUND")
    refused(act(api, RESOLVE, OTHER_RESIDENT, iid, note="修好了", photos=1), "NOT_FOUND")
    assert history(api, iid) == ("SUBMITTED", "VILLAGE", 1)


def test_resident_cannot_handle_their_own_issue(api: Api):
    iid = ok(report(api, RESIDENT, api.region_of(VILLAGE)))["issue"]["id"]
    assert readable(api, iid, RESIDENT)["allowedActions"] == ["ADD_UPDATE", "CANCEL"]
    body = attempt(api, ACCEPT, RESIDENT, iid)
    assert code(body) == "FORBIDDEN" and body["data"] is None
    assert code(attempt(api, ESCALATE, RESIDENT, iid)) == "FORBIDDEN"
    assert code(attempt(api, REJECT, RESIDENT, iid, note="算了")) == "FORBIDDEN"
    assert code(attempt(api, DUPLICATE, RESIDENT, iid, duplicateOfId=iid)) == "FORBIDDEN"
    ok(act(api, ACCEPT, VILLAGE, iid))
    assert code(attempt(api, START, RESIDENT, iid)) == "FORBIDDEN"
    resolve = api.gql(
        RESOLVE,
        {"input": {"id": iid, "note": "我自己修好了", "photos": [None]}},
        as_=RESIDENT,
        files={"input.photos.0": b"\xff\xd8 not checked before the permission"},
    )
    assert code(resolve) == "FORBIDDEN"
    assign = attempt(api, ASSIGN, RESIDENT, iid, assigneeId=account_id(api, AGRONOMIST))
    assert code(assign) == "FORBIDDEN"
    assert history(api, iid) == ("ACCEPTED", "VILLAGE", 2)
    # What a party may do, they can.
    assert ok(act(api, CANCEL, RESIDENT, iid))["issue"]["status"] == "CANCELLED"


def test_village_official_cannot_act_in_another_village_but_the_township_can(api: Api):
    t = tag()
    pear = region_named(api, "梨园村")
    assert pear != api.region_of(VILLAGE)
    filed = ok(
        report(
            api,
            COUNTY,
            pear,
            title=f"梨园村 {t}",
            channel="WALK_IN",
            contactName="李四",
        )
    )
    iid = filed["issue"]["id"]
    assert filed["issue"]["level"] == "VILLAGE"

    forbidden_to_read(api, iid, VILLAGE)
    assert listed(api, VILLAGE, t) == []
    for document, fields in ((ACCEPT, {}), (REJECT, {"note": "不归我管"}), (ESCALATE, {})):
        refused(act(api, document, VILLAGE, iid, **fields), "NOT_FOUND")
    assert history(api, iid) == ("SUBMITTED", "VILLAGE", 1)

    assert listed(api, TOWNSHIP, t) == [iid]
    assert "ACCEPT" in readable(api, iid, TOWNSHIP)["allowedActions"]
    accepted = ok(act(api, ACCEPT, TOWNSHIP, iid, note="镇里受理"))
    assert accepted["issue"]["status"] == "ACCEPTED"
    assert accepted["event"]["actor"]["displayName"] == "张志荣"


def test_escalated_issue_leaves_the_village_officials_hands(api: Api):
    iid = ok(report(api, RESIDENT, api.region_of(VILLAGE)))["issue"]["id"]
    ok(act(api, ESCALATE, VILLAGE, iid, note="村里解决不了"))
    # Still visible to the village (it is in their jurisdiction), no longer theirs to handle.
    seen = readable(api, iid, VILLAGE)
    assert seen["status"] == "SUBMITTED" and seen["allowedActions"] == []
    assert code(attempt(api, ACCEPT, VILLAGE, iid)) == "FORBIDDEN"
    assert code(attempt(api, REJECT, VILLAGE, iid, note="驳回")) == "FORBIDDEN"
    assert history(api, iid) == ("SUBMITTED", "TOWNSHIP", 2)


def test_deputy_reads_the_township_but_does_not_handle(api: Api):
    t = tag()
    iid = ok(report(api, RESIDENT, api.region_of(GRID), title=f"代表 {t}"))["issue"]["id"]
    seen = readable(api, iid, DEPUTY)
    assert seen["id"] == iid and seen["title"] == f"代表 {t}"
    assert seen["allowedActions"] == []
    assert listed(api, DEPUTY, t) == [iid]
    for document, fields in (
        (ACCEPT, {}),
        (ESCALATE, {}),
        (REJECT, {"note": "代表驳回"}),
        (START, {}),
        (ASSIGN, {"assigneeId": account_id(api, AGRONOMIST)}),
    ):
        body = attempt(api, document, DEPUTY, iid, **fields)
        assert code(body) == "FORBIDDEN", (document, body)
    assert history(api, iid) == ("SUBMITTED", "COURTYARD", 1)

    # Another township is outside the deputy's constituency.
    far = ok(report(api, OTHER_RESIDENT, api.region_of(OTHER_RESIDENT), title=f"南 {t}"))
    forbidden_to_read(api, far["issue"]["id"], DEPUTY)
    assert listed(api, DEPUTY, f"南 {t}") == []


def test_staff_see_only_what_is_assigned_to_them(api: Api):
    iid = ok(report(api, RESIDENT, api.region_of(VILLAGE), category="LEGAL_AID"))["issue"]["id"]
    forbidden_to_read(api, iid, LAWYER)
    refused(act(api, START, LAWYER, iid), "NOT_FOUND")
    ok(act(api, ASSIGN, VILLAGE, iid, assigneeId=account_id(api, LAWYER)))
    assert readable(api, iid, LAWYER)["allowedActions"] == ["START_WORK", "ADD_UPDATE", "RESOLVE"]
    # Assignment lets them work it, not handle it.
    assert code(attempt(api, ESCALATE, LAWYER, iid)) == "FORBIDDEN"
    forbidden_to_read(api, iid, AGRONOMIST)


# --- anonymous reports, phones, proxy reports -------------------------------------------


def test_anonymous_report_hides_the_reporter(api: Api):
    resident = account_id(api, RESIDENT)
    anonymous = ok(report(api, RESIDENT, api.region_of(GRID), anonymous=True))["issue"]
    iid = anonymous["id"]
    assert anonymous["anonymous"] is True
    assert anonymous["reporter"]["id"] == resident  # the reporter sees themselves

    for phone in (RESIDENT, GRID, VILLAGE):  # the reporter, and those handling it
        seen = readable(api, iid, phone)
        assert seen["reporter"]["id"] == resident, phone
        assert seen["filedBy"]["id"] == resident, phone
        assert seen["timeline"]["edges"][0]["node"]["actor"]["id"] == resident, phone

    deputy = readable(api, iid, DEPUTY)
    assert deputy["reporter"] is None and deputy["filedBy"] is None
    first = deputy["timeline"]["edges"][0]["node"]
    assert first["kind"] == "REPORTED" and first["actor"] is None
    node = api.ok(NODE, {"id": iid}, as_=DEPUTY)["node"]
    assert node["id"] == iid and node["reporter"] is None and node["filedBy"] is None

    # Other residents cannot read it, not even when their own issue is marked a duplicate
    # of it; and where someone may read it through that link (the deputy, who oversees both
    # issues but handles neither) the reporter stays hidden.
    forbidden_to_read(api, iid, OTHER_RESIDENT)
    mine = ok(report(api, ELDER, api.region_of(VILLAGE)))["issue"]["id"]
    ok(act(api, DUPLICATE, VILLAGE, mine, duplicateOfId=iid))
    via_duplicate = (
        "query($id: ID!) { issue(id: $id) { status duplicateOf { id reporter { id } "
        "filedBy { id } timeline(first: 1) { edges { node { actor { id } } } } } } }"
    )
    elders = api.ok(via_duplicate, {"id": mine}, as_=ELDER)["issue"]
    assert elders["status"] == "DUPLICATE"
    assert elders["duplicateOf"] is None  # out of the elder's sight
    dup = api.ok(via_duplicate, {"id": mine}, as_=DEPUTY)["issue"]["duplicateOf"]
    assert dup["id"] == iid
    assert dup["reporter"] is None and dup["filedBy"] is None
    assert dup["timeline"]["edges"][0]["node"]["actor"] is None
    # Control: those handling the original see its reporter through the same link.
    handled = api.ok(via_duplicate, {"id": mine}, as_=VILLAGE)["issue"]["duplicateOf"]
    assert handled["id"] == iid and handled["reporter"]["id"] == resident

    # Control: a named report shows the reporter to the deputy.
    named = ok(report(api, RESIDENT, api.region_of(GRID)))["issue"]["id"]
    assert readable(api, named, DEPUTY)["reporter"]["id"] == resident


def test_phone_is_shown_to_the_owner_and_covering_officials_only(api: Api):
    resident, other = account_id(api, RESIDENT), account_id(api, OTHER_RESIDENT)
    phone_of = "query($id: ID!) { node(id: $id) { ... on Account { displayName phone } } }"

    def seen_by(viewer: str, account: str) -> dict:
        return api.ok(phone_of, {"id": account}, as_=viewer)["node"]

    assert api.ok("{ viewer { phone } }", as_=RESIDENT)["viewer"]["phone"] == RESIDENT
    assert seen_by(RESIDENT, resident)["phone"] == RESIDENT
    assert seen_by(VILLAGE, resident)["phone"] == RESIDENT
    assert seen_by(GRID, resident)["phone"] == RESIDENT
    assert seen_by(COUNTY, other)["phone"] == OTHER_RESIDENT

    # Looked up directly, an account is not there at all for those who may not see it: the
    # residents' directory is not for every signed-in user to walk.
    assert seen_by(OTHER_RESIDENT, resident) is None
    assert seen_by(RESIDENT, other) is None
    assert seen_by(ELDER, resident) is None  # same village, not an official
    assert seen_by(VILLAGE, other) is None  # outside the village's jurisdiction

    # Through an issue, too.
    iid = ok(report(api, RESIDENT, api.region_of(VILLAGE)))["issue"]["id"]
    via_issue = "query($id: ID!) { issue(id: $id) { reporter { phone } } }"
    assert api.ok(via_issue, {"id": iid}, as_=VILLAGE)["issue"]["reporter"]["phone"] == RESIDENT
    assert api.ok(via_issue, {"id": iid}, as_=DEPUTY)["issue"]["reporter"]["phone"] is None


def test_proxy_reports(api: Api):
    t = tag()
    courtyard = api.region_of(GRID)
    before = api.ok("{ issues { totalCount } }", as_=RESIDENT)["issues"]["totalCount"]

    def resident_tries(**fields) -> dict:
        variables = {
            "input": {
                "regionId": courtyard,
                "category": "WATER",
                "title": f"代报 {t}",
                "description": "自来水停了三天",
                **fields,
            }
        }
        return api.gql(REPORT, variables, as_=RESIDENT)

    for fields in (
        {"channel": "PHONE"},
        {"channel": "WALK_IN"},
        {"contactName": "王大爷"},
        {"contactPhone": "13912345678"},
        {"onBehalfOf": account_id(api, ELDER)},
    ):
        body = resident_tries(**fields)
        assert code(body) == "FORBIDDEN", (fields, body)
    assert api.ok("{ issues { totalCount } }", as_=RESIDENT)["issues"]["totalCount"] == before
    assert listed(api, COUNTY, t) == []

    grid = account_id(api, GRID)
    filed = ok(
        report(
            api,
            GRID,
            courtyard,
            title=f"代报 {t}",
            channel="WALK_IN",
            contactName="王大爷",
        )
    )["issue"]
    iid = filed["id"]
    assert filed["channel"] == "WALK_IN"
    assert filed["filedBy"]["id"] == grid
    assert filed["reporter"] is None  # filed for someone without an account

    for phone in (GRID, VILLAGE):  # the filer, and a handler
        seen = readable(api, iid, phone)
        assert seen["contactName"] == "王大爷", phone
        assert seen["filedBy"]["id"] == grid, phone
    deputy = readable(api, iid, DEPUTY)
    assert deputy["contactName"] is None
    assert deputy["filedBy"]["id"] == grid
    forbidden_to_read(api, iid, RESIDENT)
    assert listed(api, COUNTY, t) == [iid]

    # A grid head's jurisdiction is their own courtyard.
    sibling = region_named(api, "竹林湾院落")
    body = api.gql(
        REPORT,
        {
            "input": {
                "regionId": sibling,
                "category": "WATER",
                "title": f"隔壁 {t}",
                "description": "隔壁院落",
                "channel": "WALK_IN",
                "contactName": "赵六",
            }
        },
        as_=GRID,
    )
    assert code(body) == "FORBIDDEN"
    assert listed(api, COUNTY, f"隔壁 {t}") == []


def test_proxy_report_on_behalf_of_an_account(api: Api):
    resident, grid = account_id(api, RESIDENT), account_id(api, GRID)
    filed = ok(report(api, GRID, api.region_of(GRID), channel="PHONE", onBehalfOf=resident))[
        "issue"
    ]
    assert filed["reporter"]["id"] == resident and filed["filedBy"]["id"] == grid
    assert filed["channel"] == "PHONE"
    mine = readable(api, filed["id"], RESIDENT)  # the person reported for is a party
    assert mine["reporter"]["id"] == resident and "CANCEL" in mine["allowedActions"]
    forbidden_to_read(api, filed["id"], OTHER_RESIDENT)


# --- node(id:) -----------------------------------------------------------------------------


def test_node_obeys_the_same_rules_as_issue(api: Api):
    iid = ok(report(api, RESIDENT, api.region_of(GRID), anonymous=True))["issue"]["id"]
    for phone in (None, RESIDENT, GRID, VILLAGE, DEPUTY, OTHER_RESIDENT, AGRONOMIST, LAWYER):
        by_issue, by_node = read(api, iid, phone), read(api, iid, phone, document=NODE)
        if "errors" in by_issue:
            assert code(by_node) == code(by_issue), (phone, by_issue, by_node)
            assert (by_node["data"] or {}).get("node") is None
        else:
            assert "errors" not in by_node, (phone, by_node)
            assert by_node["data"]["node"] == by_issue["data"]["issue"], phone
    assert read(api, iid, OTHER_RESIDENT, document=NODE) == {"data": {"node": None}}
    assert code(read(api, iid, None, document=NODE)) == "UNAUTHENTICATED"
    assert api.ok(NODE, {"id": iid}, as_=DEPUTY)["node"]["reporter"] is None


def test_node_and_issue_agree_on_a_missing_issue(api: Api):
    missing = to_global_id("Issue", 987654)
    by_issue = read(api, missing, RESIDENT)
    assert by_issue == {"data": {"issue": None}}
    by_node = read(api, missing, RESIDENT, document=NODE)
    assert by_node == {"data": {"node": None}}
