"""Village profiles: read by anyone, edited by the village's officials, phones as the
contract says, every bad input a coded error at its field, nothing half-written."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from tests.conftest import (
    COUNTY,
    GRID,
    OTHER_RESIDENT,
    RESIDENT,
    TOWNSHIP,
    VILLAGE,
    Api,
    jpeg,
)
from tests.issue_ops import ACCEPT, RESOLVE, act, ok, report

PROFILE = """
  id name level
  profile {
    population households areaKm2 introduction updatedAt canEdit
    coverPhoto { url contentType width height }
    committee { name post officeHours publicPhone account { displayName phone } }
    courtyards { region { name } gridHeads { displayName phone } }
    figures { issuesThisMonth }
  }
"""
VILLAGE_Q = f"query($id: ID!) {{ village(id: $id) {{ {PROFILE} }} }}"
UPDATE = (
    "mutation($input: UpdateVillageProfileInput!) { updateVillageProfile(input: $input) "
    f"{{ village {{ {PROFILE} }} errors {{ code field message }} }} }}"
)


def village_id(api: Api, name: str) -> str:
    data = api.ok(
        "query($s: String!) { villages(search: $s) { edges { node { id } } } }", {"s": name}
    )
    (edge,) = data["villages"]["edges"]
    return edge["node"]["id"]


def errors_of(payload: dict) -> list[tuple[str, str | None]]:
    return sorted((e["code"], e["field"]) for e in payload["errors"])


def test_anyone_reads_a_village_profile_and_phones_follow_the_contract(api: Api):
    tianxing = village_id(api, "天星村")
    anonymous = api.ok(VILLAGE_Q, {"id": tianxing})["village"]
    profile = anonymous["profile"]
    assert anonymous["name"] == "天星村" and profile["population"] == 1268
    assert profile["households"] == 412 and profile["areaKm2"] == 8.6
    assert "老槐树" in profile["introduction"] and profile["canEdit"] is False
    assert profile["coverPhoto"]["url"].startswith("http")
    assert httpx.get(profile["coverPhoto"]["url"]).status_code == 200
    secretary = profile["committee"][0]
    assert (secretary["name"], secretary["publicPhone"]) == ("何勇", "023-57001201")
    # The published office line is for everyone; the account's own phone is not.
    assert secretary["account"] == {"displayName": "何勇", "phone": None}
    courtyards = {c["region"]["name"]: c["gridHeads"] for c in profile["courtyards"]}
    assert courtyards["老槐树院落"] == [{"displayName": "刘秀英", "phone": None}]
    assert courtyards["竹林湾院落"] == []
    # A resident of another township sees what the public sees.
    assert api.ok(VILLAGE_Q, {"id": tianxing}, as_=OTHER_RESIDENT)["village"] == anonymous
    # The village official covers the grid head and himself: phones shown, and he may edit.
    official = api.ok(VILLAGE_Q, {"id": tianxing}, as_=VILLAGE)["village"]["profile"]
    assert official["canEdit"] is True
    assert official["committee"][0]["account"]["phone"] == VILLAGE
    assert official["courtyards"][0]["gridHeads"][0]["phone"] == "13800000004"


def test_village_answers_null_for_other_regions_and_villages_carry_profiles(api: Api):
    township = api.region_of(TOWNSHIP)
    assert api.ok(VILLAGE_Q, {"id": township}) == {"village": None}
    region = api.ok(
        "query($id: ID!) { region(id: $id) { profile { population } } }", {"id": township}
    )
    assert region == {"region": {"profile": None}}
    listed = api.ok("{ villages(first: 10) { edges { node { name profile { population } } } } }")
    by_name = {e["node"]["name"]: e["node"]["profile"] for e in listed["villages"]["edges"]}
    assert by_name["天星村"] == {"population": 1268}
    assert by_name["石门村"] == {"population": None}  # no profile written: all null


def test_issues_this_month_counts_new_reports(api: Api):
    tianxing = village_id(api, "天星村")

    def count() -> int:
        data = api.ok(VILLAGE_Q, {"id": tianxing})
        return data["village"]["profile"]["figures"]["issuesThisMonth"]

    before = count()
    report(api, RESIDENT, api.region_of(RESIDENT), photos=0)
    assert count() == before + 1


def test_on_time_share_this_month_is_the_dashboards_on_time_rate(api: Api):
    tianxing = village_id(api, "天星村")
    month = datetime.now(ZoneInfo("Asia/Shanghai")).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    board_q = (
        "query($r: ID!, $from: DateTime) { dashboard(regionId: $r, from: $from) "
        "{ reported { count } onTime { closedOnTime closed overdueOpen rate } } }"
    )

    def figures() -> tuple[dict, dict]:
        village = api.ok(
            VILLAGE_Q.replace("issuesThisMonth", "issuesThisMonth onTimeShareThisMonth"),
            {"id": tianxing},
            as_=OTHER_RESIDENT,
        )
        board = api.ok(board_q, {"r": tianxing, "from": month.isoformat()}, as_=COUNTY)
        return village["village"]["profile"]["figures"], board["dashboard"]

    def share(board: dict) -> float | None:
        on = board["onTime"]
        counted = on["closed"] + on["overdueOpen"]
        return on["closedOnTime"] / counted if counted else None

    before, board = figures()
    assert before["issuesThisMonth"] == board["reported"]["count"]
    assert before["onTimeShareThisMonth"] == share(board) == board["onTime"]["rate"]
    # A report resolved by its deadline counts once, on time.
    iid = report(api, RESIDENT, api.region_of(RESIDENT), photos=0)["issue"]["id"]
    ok(act(api, ACCEPT, GRID, iid))
    ok(act(api, RESOLVE, GRID, iid, note="已修好", photos=1))
    after, board_after = figures()
    on = board["onTime"]
    want = (on["closedOnTime"] + 1) / (on["closed"] + on["overdueOpen"] + 1)
    assert after["issuesThisMonth"] == before["issuesThisMonth"] + 1
    assert after["onTimeShareThisMonth"] == want == share(board_after)


def test_officials_edit_a_profile_partially_and_replace_the_committee(api: Api):
    liyuan = village_id(api, "梨园村")
    resident = api.ok("{ viewer { id } }", as_=RESIDENT)["viewer"]["id"]  # not of 梨园村
    first = api.ok(
        UPDATE,
        {
            "input": {
                "id": liyuan,
                "population": 640,
                "households": 198,
                "areaKm2": 3.25,
                "introduction": "梨园村以梨树种植闻名，春季梨花节吸引游客。",
                "committee": [
                    {
                        "name": "赵德明",
                        "post": "村委会主任",
                        "officeHours": "周一至周五上午",
                        "publicPhone": "023-57001301",
                    },
                    {"name": "孙丽", "post": "文书"},
                ],
            }
        },
        as_=TOWNSHIP,
    )["updateVillageProfile"]["village"]["profile"]
    assert (first["population"], first["households"], first["areaKm2"]) == (640, 198, 3.25)
    assert [m["name"] for m in first["committee"]] == ["赵德明", "孙丽"]
    assert first["committee"][0]["account"] is None and first["updatedAt"]
    # Only what is sent changes; null clears.
    second = api.ok(
        UPDATE,
        {
            "input": {
                "id": liyuan,
                "households": None,
                "committee": [{"name": "孙丽", "post": "主任"}],
            }
        },
        as_=TOWNSHIP,
    )["updateVillageProfile"]["village"]["profile"]
    assert (second["population"], second["households"]) == (640, None)
    assert second["introduction"].startswith("梨园村")
    assert [(m["name"], m["post"]) for m in second["committee"]] == [("孙丽", "主任")]
    # A cover photo, re-encoded and served; then removed.
    with_cover = api.gql(
        UPDATE,
        {"input": {"id": liyuan, "coverPhoto": None}},
        as_=TOWNSHIP,
        files={"input.coverPhoto": jpeg(80, 60)},
    )["data"]["updateVillageProfile"]
    assert with_cover["errors"] == []
    cover = with_cover["village"]["profile"]["coverPhoto"]
    assert (cover["width"], cover["height"]) == (80, 60)
    assert httpx.get(cover["url"]).status_code == 200
    removed = api.ok(UPDATE, {"input": {"id": liyuan, "removeCoverPhoto": True}}, as_=TOWNSHIP)
    assert removed["updateVillageProfile"]["village"]["profile"]["coverPhoto"] is None
    # The resident's account holds no role in 梨园村: the township official may see it,
    # so he is told why; the village official of 天星村 may not link 冯景凯 (another township).
    payload = api.gql(
        UPDATE,
        {
            "input": {
                "id": liyuan,
                "committee": [{"name": "崔玉环", "post": "委员", "accountId": resident}],
            }
        },
        as_=TOWNSHIP,
    )["data"]["updateVillageProfile"]
    assert errors_of(payload) == [("VALIDATION", "committee.0.accountId")]


def test_bad_input_is_refused_at_its_field_and_nothing_is_written(api: Api):
    liyuan = village_id(api, "梨园村")
    before = api.ok(VILLAGE_Q, {"id": liyuan})["village"]
    payload = api.gql(
        UPDATE,
        {
            "input": {
                "id": liyuan,
                "population": -1,
                "areaKm2": 1e9,
                "introduction": "长" * 2001,
                "committee": [
                    {"name": " ", "post": "主任", "publicPhone": "not a phone"},
                    {"name": "孙丽", "post": "x" * 51},
                ],
            }
        },
        as_=TOWNSHIP,
    )["data"]["updateVillageProfile"]
    assert payload["village"] is None
    assert errors_of(payload) == [
        ("VALIDATION", "areaKm2"),
        ("VALIDATION", "committee.0.name"),
        ("VALIDATION", "committee.0.publicPhone"),
        ("VALIDATION", "committee.1.post"),
        ("VALIDATION", "introduction"),
        ("VALIDATION", "population"),
    ]
    assert all(e["message"] for e in payload["errors"])
    english = api.gql(UPDATE, {"input": {"id": liyuan, "population": -1}}, as_=TOWNSHIP, lang="en")
    assert (
        english["data"]["updateVillageProfile"]["errors"][0]["message"]
        == "Must be between 0 and 10000000."
    )
    too_many = api.gql(
        UPDATE,
        {"input": {"id": liyuan, "committee": [{"name": "甲", "post": "委员"}] * 31}},
        as_=TOWNSHIP,
    )["data"]["updateVillageProfile"]
    assert errors_of(too_many) == [("VALIDATION", "committee")]
    photo = api.gql(
        UPDATE,
        {"input": {"id": liyuan, "population": 1, "coverPhoto": None}},
        as_=TOWNSHIP,
        files={"input.coverPhoto": b"not an image"},
    )["data"]["updateVillageProfile"]
    assert errors_of(photo) == [("VALIDATION", "coverPhoto")]
    assert api.ok(VILLAGE_Q, {"id": liyuan})["village"] == before


def test_who_may_edit_a_profile(api: Api):
    tianxing, liushu = village_id(api, "天星村"), village_id(api, "柳树村")
    township = api.region_of(TOWNSHIP)

    def attempt(phone: str | None, village: str) -> dict:
        return api.gql(UPDATE, {"input": {"id": village, "population": 1268}}, as_=phone)

    # Its village official may (the same figure again: the demo stays as it was).
    assert attempt(VILLAGE, tianxing)["data"]["updateVillageProfile"]["errors"] == []
    for phone, village in ((RESIDENT, tianxing), (VILLAGE, liushu), (TOWNSHIP, liushu)):
        body = attempt(phone, village)
        assert body["data"] is None, body
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    anonymous = attempt(None, tianxing)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # A region that is no village looks like one that does not exist.
    for missing in (township, "UmVnaW9uOjIwMDAwMDAwMDA="):
        payload = attempt(VILLAGE, missing)["data"]["updateVillageProfile"]
        assert errors_of(payload) == [("NOT_FOUND", "id")]
    # An account the editor may not look up is NOT_FOUND, like one that does not exist.
    other = api.ok("{ viewer { id } }", as_=OTHER_RESIDENT)["viewer"]["id"]
    for account in (other, "QWNjb3VudDoyMDAwMDAwMDAw"):
        payload = api.gql(
            UPDATE,
            {
                "input": {
                    "id": tianxing,
                    "committee": [{"name": "某", "post": "委员", "accountId": account}],
                }
            },
            as_=VILLAGE,
        )["data"]["updateVillageProfile"]
        assert errors_of(payload) == [("NOT_FOUND", "committee.0.accountId")]


PAGE = f"query($n: Int!) {{ villages(first: $n) {{ edges {{ node {{ {PROFILE} }} }} }} }}"


def test_a_page_of_village_profiles_costs_the_same_statements_whatever_its_size(
    api: Api, count_statements
):
    token = api.token(VILLAGE)

    def statements(n: int) -> int:
        with count_statements() as counter:
            data = api.ok(PAGE, {"n": n}, token=token)
        assert len(data["villages"]["edges"]) == n
        return counter.count

    small, large = statements(1), statements(4)
    assert small == large, f"{small} statements for 1 village but {large} for 4"
    print(f"villages page with profiles: {large} SQL statements for 1 and for 4 villages")
