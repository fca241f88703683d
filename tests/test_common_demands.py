"""`commonDemands`: similar open issues of one category in neighbouring places are one group;
other wording, another category, another township are not; only the region's officials ask,
and they see only what they may read. Locations (`reportIssue`'s `location`) and who sees them.
"""

from __future__ import annotations

from dataclasses import replace

from server import create_app
from tests.conftest import (
    COUNTY,
    DEPUTY,
    ELDER,
    OTHER_RESIDENT,
    RESIDENT,
    TOWNSHIP,
    VILLAGE,
    Api,
    ServerThread,
)
from tests.issue_ops import ok, report

DEMANDS = """query($region: ID!, $first: Int, $after: String) {
  commonDemands(regionId: $region, first: $first, after: $after) {
    totalCount considered truncated since pageInfo { hasNextPage endCursor }
    edges { cursor node {
      category size suggestedTitle keywords firstReportedAt lastReportedAt distanceSpanMeters
      regions { name } villages { name } townships { name }
      issues(first: 100) { edges { node { id title } } }
    } }
  }
}"""
LOCATION = "query($id: ID!) { issue(id: $id) { location { latitude longitude } } }"
PEAR = "500237101202"  # 梨园村, in 龙溪镇 with 天星村


def region_by_code(api: Api, code: str) -> str:
    data = api.ok(
        "query($s: String) { villages(search: $s, first: 50) { edges { node { id code } } } }",
        {"s": None},
        as_=COUNTY,
    )
    found = [e["node"]["id"] for e in data["villages"]["edges"] if e["node"]["code"] == code]
    assert found, code
    return found[0]


def township_of(api: Api, phone: str) -> str:
    return api.region_of(phone)


def demands(api: Api, phone: str, region: str, **variables) -> dict:
    return api.ok(DEMANDS, {"region": region, **variables}, as_=phone)["commonDemands"]


def group_of(found: dict, issue_id: str) -> dict | None:
    for edge in found["edges"]:
        if issue_id in {e["node"]["id"] for e in edge["node"]["issues"]["edges"]}:
            return edge["node"]
    return None


def ids(group: dict) -> set[str]:
    return {e["node"]["id"] for e in group["issues"]["edges"]}


def file(api: Api, phone: str, region: str, category: str, title: str, text: str, **kw) -> str:
    payload = report(
        api, phone, region, photos=0, category=category, title=title, description=text, **kw
    )
    return ok(payload)["issue"]["id"]


def test_similar_chinese_reports_in_one_township_are_one_demand(api: Api):
    courtyard = api.region_of(RESIDENT)
    courtyard2 = api.region_of(ELDER)
    pear = region_by_code(api, PEAR)
    far = api.region_of(OTHER_RESIDENT)  # 柳树坪, another township
    env = "ENVIRONMENT"
    a = file(api, RESIDENT, courtyard, env, "水塘发臭", "村头水塘发臭，死鱼漂了一层，蚊子很多。")
    b = file(api, ELDER, courtyard2, env, "水塘死鱼发臭", "水塘里死鱼漂了一层，臭味很大。")
    c = file(
        api,
        TOWNSHIP,
        pear,
        env,
        "水塘又发臭了",
        "梨园村水塘发臭，死鱼很多。",
        channel="PHONE",
        contactName="赵大姐",
    )
    other_words = file(api, RESIDENT, courtyard, env, "广场舞音响太吵", "晚上十点以后还在放音乐。")
    other_category = file(
        api, RESIDENT, courtyard, "AGRICULTURE", "水塘发臭", "村头水塘发臭，死鱼漂了一层。"
    )
    far_away = file(
        api, OTHER_RESIDENT, far, env, "水塘发臭", "村头水塘发臭，死鱼漂了一层，蚊子特别多。"
    )

    found = demands(api, TOWNSHIP, township_of(api, TOWNSHIP))
    group = group_of(found, a)
    assert group is not None, found
    assert {a, b, c} <= ids(group)
    assert not {other_words, other_category, far_away} & ids(group)
    assert group["category"] == "ENVIRONMENT" and group["size"] == len(ids(group))
    assert {"水塘", "发臭"} <= set(group["keywords"])
    assert group["suggestedTitle"] in {"水塘发臭", "水塘死鱼发臭", "水塘又发臭了"}
    assert {v["name"] for v in group["villages"]} >= {"天星村", "梨园村"}
    assert [t["name"] for t in group["townships"]] == ["龙溪镇"]
    assert {"老槐树院落", "竹林湾院落", "梨园村"} <= {r["name"] for r in group["regions"]}
    assert group["firstReportedAt"] <= group["lastReportedAt"]
    assert group["distanceSpanMeters"] is None  # none of them located
    sizes = [e["node"]["size"] for e in found["edges"]]
    assert sizes == sorted(sizes, reverse=True) and min(sizes) >= 2
    assert found["truncated"] is False and found["considered"] >= 6

    # The county sees the same group; the far-away report is not in it (another township).
    county = demands(api, COUNTY, api.region_of(COUNTY))
    assert {a, b, c} <= ids(group_of(county, a))  # type: ignore[arg-type]
    assert far_away not in ids(group_of(county, a))  # type: ignore[arg-type]

    # The village official sees the village's part: what they may read, in their region.
    village = demands(api, VILLAGE, api.region_of(VILLAGE))
    mine = group_of(village, a)
    assert mine is not None and {a, b} <= ids(mine) and c not in ids(mine)


def test_the_demo_heating_burst_is_one_common_demand(api: Api):
    found = demands(api, COUNTY, api.region_of(COUNTY), first=100)
    titles = {"暖气片不热", "梨园村暖气不热", "暖气不热，屋里冷"}  # the demo's burst
    groups = [
        e["node"]
        for e in found["edges"]
        if titles & {i["node"]["title"] for i in e["node"]["issues"]["edges"]}
    ]
    assert len(groups) == 1, groups  # one demand, whatever else tests reported since
    (demo,) = groups
    assert demo["category"] == "HEATING" and demo["size"] >= 5
    assert titles <= {i["node"]["title"] for i in demo["issues"]["edges"]}
    assert {v["name"] for v in demo["villages"]} >= {"天星村", "梨园村"}
    assert [t["name"] for t in demo["townships"]] == ["龙溪镇"]  # not 南大里乡's report


def test_located_reports_across_townships_are_neighbours(api: Api):
    here, there = api.region_of(RESIDENT), api.region_of(OTHER_RESIDENT)
    # 445 m apart, across the line between 龙溪镇 and 南大里乡.
    k = file(
        api,
        RESIDENT,
        here,
        "WATER",
        "水管爆了",
        "路边的自来水管爆了，水流了一地。",
        location={"latitude": 30.0, "longitude": 108.0},
    )
    l_ = file(
        api,
        OTHER_RESIDENT,
        there,
        "WATER",
        "自来水管爆裂",
        "自来水管爆裂，水流得满路都是。",
        location={"latitude": 30.004, "longitude": 108.0},
    )
    group = group_of(demands(api, COUNTY, api.region_of(COUNTY)), k)
    assert group is not None and l_ in ids(group)
    assert 400 < group["distanceSpanMeters"] < 500
    assert len(group["townships"]) == 2


def test_locations_are_checked_and_anonymous_ones_shown_only_to_handlers(api: Api):
    here = api.region_of(RESIDENT)
    bad = report(api, RESIDENT, here, photos=0, location={"latitude": 91.0, "longitude": -181.0})
    assert sorted((e["code"], e["field"]) for e in bad["errors"]) == [
        ("VALIDATION", "location.latitude"),
        ("VALIDATION", "location.longitude"),
    ]
    point = {"latitude": 29.5, "longitude": 106.5}
    named = ok(report(api, RESIDENT, here, photos=0, location=point))["issue"]["id"]
    hidden = ok(report(api, RESIDENT, here, photos=0, location=point, anonymous=True))
    hidden_id = hidden["issue"]["id"]
    assert api.ok(LOCATION, {"id": named}, as_=DEPUTY)["issue"]["location"] == point
    assert api.ok(LOCATION, {"id": hidden_id}, as_=DEPUTY)["issue"]["location"] is None
    assert api.ok(LOCATION, {"id": hidden_id}, as_=RESIDENT)["issue"]["location"] == point
    assert api.ok(LOCATION, {"id": hidden_id}, as_=VILLAGE)["issue"]["location"] == point


def test_only_the_regions_officials_ask(api: Api):
    township = township_of(api, TOWNSHIP)
    for phone in (RESIDENT, DEPUTY, VILLAGE):  # VILLAGE: an official, not of the township
        body = api.gql(DEMANDS, {"region": township}, as_=phone)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (phone, body)
    body = api.gql(DEMANDS, {"region": township})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = api.gql(DEMANDS, {"region": township, "first": 101}, as_=TOWNSHIP)
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"


def test_pages_and_the_cap_on_issues_considered(api: Api):
    courtyard = api.region_of(RESIDENT)
    for n in range(3):
        for text in ("路灯杆倾斜快倒了", "路灯杆倾斜，快要倒了"):
            file(api, RESIDENT, courtyard, "OTHER", f"路灯杆倾斜{n}", text + "。" * (n + 1))
    county = api.region_of(COUNTY)
    whole = demands(api, COUNTY, county, first=100)
    first = demands(api, COUNTY, county, first=1)
    assert first["pageInfo"]["hasNextPage"] and first["totalCount"] == whole["totalCount"]
    second = demands(api, COUNTY, county, first=1, after=first["pageInfo"]["endCursor"])
    assert second["edges"][0]["node"]["size"] <= first["edges"][0]["node"]["size"]
    assert [e["node"]["size"] for e in whole["edges"]][:2] == [
        first["edges"][0]["node"]["size"],
        second["edges"][0]["node"]["size"],
    ]

    # A server that compares at most 3 open issues says the cut fell.
    settings = replace(api.settings, common_demand_max_issues=3, demo_data=False)
    with ServerThread(create_app(settings)) as server:
        small = api.on(server.url)
        try:
            cut = demands(small, COUNTY, county)
        finally:
            small.http.close()
    assert cut["truncated"] is True and cut["considered"] == 3
    assert all(e["node"]["size"] <= 3 for e in cut["edges"])
