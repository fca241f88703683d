"""Every bad input to the issue mutations gets a clear, coded error and writes nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from core.ids import to_global_id
from tests.conftest import COUNTY, ELDER, GRID, RESIDENT, TOWNSHIP, VILLAGE, Api, jpeg
from tests.issue_ops import (
    ACCEPT,
    ASSIGN,
    DUPLICATE,
    ESCALATE,
    RATE,
    REPORT,
    RESOLVE,
    act,
    ok,
    report,
)

ISSUE_STATE = """query($id: ID!) { issue(id: $id) {
  status level rating title description assignee { id }
  photos { contentType } timeline(first: 100) { totalCount } } }"""


# --- helpers ----------------------------------------------------------------------------


def issue_count(api: Api, phone: str = RESIDENT) -> int:
    return api.ok("{ issues { totalCount } }", as_=phone)["issues"]["totalCount"]


def media_files(api: Api) -> int:
    root = api.settings.media_dir
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def submit(
    api: Api,
    *,
    phone: str = RESIDENT,
    files: list[bytes] | None = None,
    lang: str | None = None,
    **fields,
) -> dict:
    """reportIssue with these input fields (defaults: a ROADS issue in the grid's courtyard)
    and `files` as the photo uploads; returns the payload."""
    variables = {
        "input": {
            "regionId": api.region_of(GRID),
            "category": "ROADS",
            "title": "村道有坑",
            "description": "村口的路面有一个大坑。",
            **fields,
        }
    }
    uploads = None
    if files:
        variables["input"]["photos"] = [None] * len(files)
        uploads = {f"input.photos.{i}": data for i, data in enumerate(files)}
    body = api.gql(REPORT, variables, as_=phone, files=uploads, lang=lang)
    assert "errors" not in body, body
    return body["data"]["reportIssue"]


def errors_of(payload: dict) -> list[tuple[str, str | None]]:
    return sorted((e["code"], e["field"]) for e in payload["errors"])


def refused(api: Api, expected: list[tuple[str, str | None]], **kwargs) -> dict:
    """Report with `kwargs` (see `submit`); it must fail with exactly `expected` errors
    and create no issue and store no photo."""
    phone = kwargs.get("phone", RESIDENT)
    before, media_before = issue_count(api, phone), media_files(api)
    payload = submit(api, **kwargs)
    assert errors_of(payload) == sorted(expected), payload["errors"]
    assert payload["issue"] is None and payload["event"] is None
    assert all(e["message"] for e in payload["errors"])
    assert issue_count(api, phone) == before
    assert media_files(api) == media_before
    return payload


def state(api: Api, issue_id: str, phone: str = RESIDENT) -> dict:
    return api.ok(ISSUE_STATE, {"id": issue_id}, as_=phone)["issue"]


def account_id(api: Api, phone: str) -> str:
    return api.ok("{ viewer { id } }", as_=phone)["viewer"]["id"]


def errors_only(payload: dict, expected: list[tuple[str, str | None]]) -> None:
    assert errors_of(payload) == sorted(expected), payload["errors"]
    assert payload["issue"] is None and payload["event"] is None


# --- reportIssue: text --------------------------------------------------------------------


def test_blank_title_and_description(api: Api):
    refused(api, [("VALIDATION", "title")], title="   ")
    refused(api, [("VALIDATION", "title")], title="")
    refused(api, [("VALIDATION", "description")], description="\n\t ")
    # Every problem is reported at once.
    refused(api, [("VALIDATION", "title"), ("VALIDATION", "description")], title="", description="")


def test_too_long_title_and_description(api: Api):
    payload = refused(api, [("VALIDATION", "title")], title="路" * 101, lang="en")
    assert payload["errors"][0]["message"] == "Must be at most 100 characters."
    refused(api, [("VALIDATION", "description")], description="坑" * 5001)


def test_chinese_title_of_exactly_100_characters_round_trips(api: Api):
    head = "村道🚧坑洼 Road 路面 ñandú Ελλάδα 한국어 ١٢٣ 𠀋𡈽 "
    title = head + "路" * (100 - len(head))
    assert len(title) == 100
    description = (
        "路面塌陷😢，雨天积水💧。Water pools after rain; 老人孩子 can't pass. 𠮷野家\n第二行"
    )
    created = ok(submit(api, title=title, description=description))["issue"]
    assert created["title"] == title and created["description"] == description
    read = state(api, created["id"])
    assert read["title"] == title and read["description"] == description
    listed = api.ok(
        "query($s: String!) { issues(filter: {search: $s}) { edges { node { id title } } } }",
        {"s": "𠀋𡈽"},
        as_=RESIDENT,
    )["issues"]["edges"]
    assert {"id": created["id"], "title": title} in [e["node"] for e in listed]
    # One character more is refused.
    refused(api, [("VALIDATION", "title")], title=title + "路")


def test_nul_character_is_refused(api: Api):
    refused(api, [("VALIDATION", "title")], title="村道\x00有坑")
    payload = refused(api, [("VALIDATION", "description")], description="坑\x00", lang="en")
    assert payload["errors"][0]["message"] == ("Contains a control character that is not allowed.")


# --- reportIssue: region ----------------------------------------------------------------


def test_malformed_region_id(api: Api):
    for bad in ("not-an-id", "", "UmVnaW9uOmFiYw==", account_id(api, RESIDENT)):
        refused(api, [("VALIDATION", "regionId")], regionId=bad)


def test_region_that_does_not_exist(api: Api):
    refused(api, [("NOT_FOUND", "regionId")], regionId=to_global_id("Region", 987654))


def test_region_id_beyond_the_integer_range(api: Api):
    payload = refused(
        api,
        [("NOT_FOUND", "regionId")],
        regionId=to_global_id("Region", 10**20),
    )
    assert payload["errors"][0]["field"] == "regionId"


def test_township_and_county_are_not_reporting_regions(api: Api):
    township = api.region_of(TOWNSHIP)
    payload = refused(api, [("VALIDATION", "regionId")], regionId=township, lang="en")
    assert payload["errors"][0]["message"] == "Issues are reported in a village or courtyard."
    refused(api, [("VALIDATION", "regionId")], regionId=api.region_of(COUNTY))


# --- reportIssue: home service ----------------------------------------------------------


def _at(days: int, hour: int) -> str:
    day = datetime.now(timezone(timedelta(hours=8))) + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()


WINDOW = {"start": _at(3, 9), "end": _at(3, 11)}  # in three days, 09:00-11:00 +08:00


def test_home_service_needs_window_and_address(api: Api):
    home = {"category": "HOME_SERVICE", "title": "上门理发"}
    refused(api, [("VALIDATION", "serviceAddress"), ("VALIDATION", "serviceWindow")], **home)
    refused(api, [("VALIDATION", "serviceAddress")], serviceWindow=WINDOW, **home)
    refused(api, [("VALIDATION", "serviceWindow")], serviceAddress="老槐树院落 3 号", **home)
    refused(
        api,
        [("VALIDATION", "serviceAddress")],
        serviceWindow=WINDOW,
        serviceAddress="  ",
        **home,
    )
    # With both it goes through.
    made = ok(submit(api, serviceWindow=WINDOW, serviceAddress="老槐树院落 3 号", **home))
    assert made["issue"]["category"] == "HOME_SERVICE"


def test_service_window_must_end_after_it_starts(api: Api):
    home = {"category": "HOME_SERVICE", "serviceAddress": "老槐树院落 3 号"}
    backwards = {"start": WINDOW["end"], "end": WINDOW["start"]}
    refused(api, [("VALIDATION", "serviceWindow.end")], serviceWindow=backwards, **home)
    empty = {"start": WINDOW["start"], "end": WINDOW["start"]}
    refused(api, [("VALIDATION", "serviceWindow.end")], serviceWindow=empty, **home)
    past = {"start": _at(-3, 9), "end": _at(-3, 11)}
    refused(api, [("VALIDATION", "serviceWindow.end")], serviceWindow=past, **home)


def test_service_window_times_need_an_offset(api: Api):
    home = {"category": "HOME_SERVICE", "serviceAddress": "老槐树院落 3 号"}
    naive = {"start": WINDOW["start"][:19], "end": WINDOW["end"]}
    payload = refused(
        api, [("VALIDATION", "serviceWindow.start")], serviceWindow=naive, lang="en", **home
    )
    assert "offset" in payload["errors"][0]["message"]


# --- reportIssue: photos ----------------------------------------------------------------


def test_too_many_photos(api: Api):
    payload = refused(api, [("VALIDATION", "photos")], files=[jpeg()] * 10, lang="en")
    assert payload["errors"][0]["message"] == "At most 9 photos."
    # Nine is the limit, not a cut.
    made = ok(submit(api, files=[jpeg()] * 9))
    assert len(made["issue"]["photos"]) == 9


def test_non_image_upload(api: Api):
    refused(api, [("VALIDATION", "photos.0")], files=[b"not an image"])
    # Each bad upload at its own index; the good ones are not stored either.
    refused(
        api,
        [("VALIDATION", "photos.1"), ("VALIDATION", "photos.3")],
        files=[jpeg(), b"GIF89a nope", jpeg(colour="red"), jpeg()[:200]],
    )


def test_upload_over_the_size_limit(api: Api):
    limit = api.settings.max_upload_bytes
    assert limit == 10 * 1024 * 1024
    big = jpeg() + b"\0" * (limit + 1)
    refused(api, [("VALIDATION", "photos.0")], files=[big])


# --- reportIssue: retries and language --------------------------------------------------


def test_client_request_id_makes_a_retry_return_the_first_issue(api: Api):
    request_id = f"retry-{uuid.uuid4()}"
    before = issue_count(api)
    first = ok(report(api, RESIDENT, api.region_of(GRID), clientRequestId=request_id))
    again = ok(report(api, RESIDENT, api.region_of(GRID), clientRequestId=request_id))
    assert again["issue"]["id"] == first["issue"]["id"]
    assert again["issue"]["number"] == first["issue"]["number"]
    assert again["event"]["id"] == first["event"]["id"]
    assert issue_count(api) == before + 1
    assert state(api, first["issue"]["id"])["timeline"]["totalCount"] == 1
    # The id is the filer's own: someone else using the same one files their own issue.
    other = ok(report(api, ELDER, api.region_of(VILLAGE), clientRequestId=request_id))
    assert other["issue"]["id"] != first["issue"]["id"]
    # A too-long request id is refused, not truncated.
    refused(api, [("VALIDATION", "clientRequestId")], clientRequestId="x" * 65)


def test_messages_follow_accept_language(api: Api):
    english = refused(api, [("VALIDATION", "title")], title=" ", lang="en")
    assert english["errors"][0]["message"] == "Must not be blank."
    chinese = refused(api, [("VALIDATION", "title")], title=" ")
    assert chinese["errors"][0]["message"] == "不能为空。"
    preferred = refused(api, [("VALIDATION", "title")], title=" ", lang="zh-CN,en;q=0.8")
    assert preferred["errors"][0]["message"] == "不能为空。"
    regional = refused(api, [("VALIDATION", "title")], title=" ", lang="en-US,en;q=0.9")
    assert regional["errors"][0]["message"] == "Must not be blank."
    # GraphQL errors too.
    anonymous_en = api.gql("{ issues { totalCount } }", lang="en")
    assert anonymous_en["errors"][0]["message"] == "Sign in first."
    anonymous_zh = api.gql("{ issues { totalCount } }")
    assert anonymous_zh["errors"][0]["message"] == "请先登录。"


# --- bad transitions ----------------------------------------------------------------------


def accepted_issue(api: Api) -> str:
    iid = ok(report(api, RESIDENT, api.region_of(VILLAGE)))["issue"]["id"]
    ok(act(api, ACCEPT, VILLAGE, iid))
    return iid


def test_resolve_needs_photos_and_a_note(api: Api):
    iid = accepted_issue(api)
    before = state(api, iid)
    media_before = media_files(api)
    errors_only(act(api, RESOLVE, VILLAGE, iid, note="已修好"), [("VALIDATION", "photos")])
    errors_only(act(api, RESOLVE, VILLAGE, iid, photos=1), [("VALIDATION", "note")])
    errors_only(
        act(api, RESOLVE, VILLAGE, iid, note="  ", photos=1),
        [("VALIDATION", "note")],
    )
    errors_only(
        act(api, RESOLVE, VILLAGE, iid),
        [("VALIDATION", "note"), ("VALIDATION", "photos")],
    )
    after = state(api, iid)
    assert after["status"] == "ACCEPTED"
    assert after["timeline"]["totalCount"] == before["timeline"]["totalCount"] == 2
    assert len(after["photos"]) == len(before["photos"]) == 1
    assert media_files(api) == media_before


def test_accepting_an_accepted_issue_is_an_invalid_transition(api: Api):
    iid = accepted_issue(api)
    before = state(api, iid)
    payload = act(api, ACCEPT, VILLAGE, iid, note="再受理一次")
    errors_only(payload, [("INVALID_TRANSITION", None)])
    assert state(api, iid)["timeline"] == before["timeline"]
    assert state(api, iid)["status"] == "ACCEPTED"


def test_rating_an_issue_that_is_not_resolved(api: Api):
    iid = ok(report(api, RESIDENT, api.region_of(VILLAGE)))["issue"]["id"]
    errors_only(act(api, RATE, RESIDENT, iid, rating=5), [("INVALID_TRANSITION", None)])
    ok(act(api, ACCEPT, VILLAGE, iid))
    errors_only(act(api, RATE, RESIDENT, iid, rating=1), [("INVALID_TRANSITION", None)])
    after = state(api, iid)
    assert after["status"] == "ACCEPTED" and after["rating"] is None
    assert after["level"] == "VILLAGE"


def test_rating_out_of_range(api: Api):
    iid = accepted_issue(api)
    ok(act(api, RESOLVE, VILLAGE, iid, note="已修好", photos=1))
    before = state(api, iid)
    for rating in (0, 6, -1):
        payload = act(api, RATE, RESIDENT, iid, rating=rating)
        errors_only(payload, [("VALIDATION", "rating")])
    after = state(api, iid)
    assert after["status"] == "RESOLVED" and after["rating"] is None
    assert after["level"] == "VILLAGE"
    assert after["timeline"] == before["timeline"]


def test_escalating_at_county_level(api: Api):
    iid = ok(report(api, RESIDENT, api.region_of(VILLAGE)))["issue"]["id"]
    ok(act(api, ESCALATE, VILLAGE, iid))
    top = ok(act(api, ESCALATE, TOWNSHIP, iid))
    assert top["issue"]["level"] == "COUNTY"
    before = state(api, iid)
    errors_only(act(api, ESCALATE, COUNTY, iid, note="再往上"), [("INVALID_TRANSITION", None)])
    after = state(api, iid)
    assert after["level"] == "COUNTY" and after["status"] == "SUBMITTED"
    assert after["timeline"] == before["timeline"]


def test_mark_duplicate_of_itself_or_of_nothing(api: Api):
    iid = ok(report(api, RESIDENT, api.region_of(VILLAGE)))["issue"]["id"]
    before = state(api, iid)
    errors_only(
        act(api, DUPLICATE, VILLAGE, iid, duplicateOfId=iid), [("VALIDATION", "duplicateOfId")]
    )
    errors_only(
        act(api, DUPLICATE, VILLAGE, iid, duplicateOfId=to_global_id("Issue", 987654)),
        [("NOT_FOUND", "duplicateOfId")],
    )
    errors_only(
        act(api, DUPLICATE, VILLAGE, iid, duplicateOfId="garbage"),
        [("VALIDATION", "duplicateOfId")],
    )
    assert state(api, iid) == before


def test_assign_to_someone_who_is_not_staff(api: Api):
    iid = ok(report(api, RESIDENT, api.region_of(VILLAGE)))["issue"]["id"]
    before = state(api, iid)
    for phone in (RESIDENT, GRID, VILLAGE):
        payload = act(api, ASSIGN, VILLAGE, iid, assigneeId=account_id(api, phone))
        errors_only(payload, [("VALIDATION", "assigneeId")])
    errors_only(
        act(api, ASSIGN, VILLAGE, iid, assigneeId="not-an-id"), [("VALIDATION", "assigneeId")]
    )
    after = state(api, iid)
    assert after == before
    assert after["status"] == "SUBMITTED" and after["assignee"] is None


# --- lists and query limits -------------------------------------------------------------


def test_page_size_above_100_is_an_error(api: Api):
    body = api.gql("{ issues(first: 101) { totalCount } }", as_=RESIDENT)
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert body["data"] is None
    negative = api.gql("{ issues(first: -1) { totalCount } }", as_=RESIDENT)
    assert negative["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert api.ok("{ issues(first: 100) { edges { cursor } } }", as_=RESIDENT)["issues"]["edges"]


def test_garbage_cursor_is_an_error(api: Api):
    for cursor in ("garbage", "!!!", "eDox", "azpub3RhbnVtYmVy"):  # "x:1", "k:notanumber"
        body = api.gql(
            "query($a: String!) { issues(first: 5, after: $a) { totalCount } }",
            {"a": cursor},
            as_=RESIDENT,
        )
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION", (cursor, body)
        assert body["data"] is None
    # A real cursor works.
    first = api.ok("{ issues(first: 1) { pageInfo { endCursor } } }", as_=RESIDENT)
    cursor = first["issues"]["pageInfo"]["endCursor"]
    api.ok(
        "query($a: String!) { issues(first: 5, after: $a) { totalCount } }",
        {"a": cursor},
        as_=RESIDENT,
    )


def nested_parents(levels: int) -> str:
    inner = "id name"
    for _ in range(levels):
        inner = f"parent {{ {inner} }}"
    return f"query($id: ID!) {{ region(id: $id) {{ {inner} }} }}"


def test_deep_queries_are_rejected(api: Api):
    courtyard = api.region_of(GRID)
    shallow = api.ok(nested_parents(3), {"id": courtyard})
    assert shallow["region"]["parent"]["parent"]["parent"]["name"] == "青山县"
    for document in (
        nested_parents(15),
        "{ issues { edges { node { region { children { edges { node { children { edges "
        "{ node { children { edges { node { name } } } } } } } } } } } } } }",
    ):
        body = api.gql(document, {"id": courtyard}, as_=RESIDENT)
        assert body.get("data") is None, body
        assert body["errors"] and "depth" in body["errors"][0]["message"], body
        assert body["errors"][0].get("extensions", {}).get("code") != "INTERNAL"


def test_too_many_aliases_are_rejected(api: Api):
    def aliased(n: int) -> str:
        return "{ " + " ".join(f"a{i}: viewer {{ id }}" for i in range(n)) + " }"

    fine = api.ok(aliased(20), as_=RESIDENT)
    assert len(fine) == 20
    body = api.gql(aliased(21), as_=RESIDENT)
    assert body.get("data") is None, body
    assert body["errors"] and "alias" in body["errors"][0]["message"].lower(), body
    assert body["errors"][0].get("extensions", {}).get("code") != "INTERNAL"
