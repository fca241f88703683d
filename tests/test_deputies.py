"""Deputies: public profiles, registration, and QR codes decoded by a real decoder."""

from __future__ import annotations

import asyncio
import io
import itertools
import random
from dataclasses import replace

import httpx
import zxingcpp
from PIL import Image

from core.db import Database, create_engine
from core.ids import parse_id, to_global_id
from models.accounts import Role, RoleGrant
from resolvers.accounts import create_account
from server import create_app
from tests.conftest import (
    COUNTY,
    DEPUTY,
    OTHER_RESIDENT,
    PASSWORD,
    RESIDENT,
    TOWNSHIP,
    VILLAGE,
    Api,
    ServerThread,
)

PROFILE = """fragment P on Deputy { id name congressLevel termStart termEnd isViewer
  constituency { id name level } account { displayName phone }
  code { token link svgUrl pngUrl issuedAt } }"""
BY_ID = PROFILE + "query($id: ID!) { deputy(id: $id) { ...P } }"
LIST = (
    PROFILE
    + """query($f: DeputyFilter, $n: Int) { deputies(filter: $f, first: $n) {
  totalCount edges { node { ...P } } pageInfo { hasNextPage endCursor } } }"""
)
BY_CODE = "query($t: String!) { deputyByCode(token: $t) { id name } }"
ROTATE = """mutation($input: RotateDeputyCodeInput!) { rotateDeputyCode(input: $input) {
  deputy { id code { token pngUrl svgUrl link } } errors { code field message } } }"""
REGISTER = """mutation($input: RegisterDeputyInput!) { registerDeputy(input: $input) {
  deputy { id name congressLevel constituency { name } code { token } }
  errors { code field message } } }"""
_phones = itertools.count(random.randrange(1_000, 9_000) * 10_000)


def new_resident(api: Api) -> tuple[str, str]:
    """An account of the test's own, a resident of the demo resident's courtyard: its phone
    and its global ID."""
    phone = f"137{next(_phones):08d}"
    courtyard = parse_id(api.region_of(RESIDENT), "Region")

    async def create() -> int:
        db = Database(create_engine(api.settings.database_url))
        try:
            async with db.transaction() as session:
                account = await create_account(session, phone, "测试代表", PASSWORD)
                session.add(
                    RoleGrant(account_id=account.id, role=Role.RESIDENT, region_id=courtyard)
                )
            return account.id
        finally:
            await db.engine.dispose()

    return phone, to_global_id("Account", asyncio.run(create()))


def demo_deputy(api: Api, as_: str | None = DEPUTY) -> dict:
    township = api.region_of(TOWNSHIP)
    data = (
        api.ok(LIST, {"f": {"regionId": township}}, as_=as_)
        if as_
        else api.ok(LIST, {"f": {"regionId": township}})
    )
    (node,) = [e["node"] for e in data["deputies"]["edges"] if e["node"]["name"] == "曹新生"]
    return node


def decode(png: bytes) -> str:
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    return found.text


def test_profiles_are_public_and_the_code_is_the_deputys(api: Api):
    mine = demo_deputy(api)
    assert mine["congressLevel"] == "TOWNSHIP" and mine["isViewer"] is True
    assert mine["constituency"] == {
        "id": api.region_of(TOWNSHIP),
        "name": "龙溪镇",
        "level": "TOWNSHIP",
    }
    assert mine["termStart"] == "2022-01-01" and mine["termEnd"] == "2027-12-31"
    assert mine["code"]["link"] == f"{api.server.url}/d/{mine['code']['token']}"
    # Anyone reads the profile, signed in or not; the code is for the deputy and the
    # officials of their congress's level who print it.
    anonymous = demo_deputy(api, as_=None)
    assert anonymous["name"] == "曹新生" and anonymous["code"] is None
    assert anonymous["account"]["phone"] is None
    for phone in (RESIDENT, OTHER_RESIDENT, VILLAGE):
        assert demo_deputy(api, as_=phone)["code"] is None, phone
    for phone in (TOWNSHIP, COUNTY):
        assert demo_deputy(api, as_=phone)["code"]["token"] == mine["code"]["token"], phone
    assert api.ok(BY_ID, {"id": mine["id"]})["deputy"]["name"] == "曹新生"
    assert api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": mine["id"]})["node"]
    missing = to_global_id("Deputy", 2_000_000_000)
    assert api.ok(BY_ID, {"id": missing}) == {"deputy": None}
    # A resident's own deputies: constituencies that contain their courtyard.
    courtyard = api.region_of(RESIDENT)
    names = [
        e["node"]["name"]
        for e in api.ok(LIST, {"f": {"representing": courtyard}})["deputies"]["edges"]
    ]
    assert "曹新生" in names
    elsewhere = api.region_of(OTHER_RESIDENT)
    assert "曹新生" not in [
        e["node"]["name"]
        for e in api.ok(LIST, {"f": {"representing": elsewhere}})["deputies"]["edges"]
    ]
    body = api.gql(LIST, {"n": 101})
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"


def test_a_scanned_code_decodes_to_the_message_box_and_rotation_retires_it(api: Api):
    phone, account_id = new_resident(api)
    township = api.region_of(TOWNSHIP)
    created = api.ok(
        REGISTER,
        {
            "input": {
                "accountId": account_id,
                "name": "扫码测试",
                "congressLevel": "TOWNSHIP",
                "constituencyId": township,
                "termStart": "2022-01-01",
                "termEnd": "2027-12-31",
            }
        },
        as_=TOWNSHIP,
    )["registerDeputy"]["deputy"]
    code = api.ok(BY_ID, {"id": created["id"]}, as_=phone)["deputy"]["code"]
    # The images are public: fetched as a print shop or an <img> would, with no header.
    png = httpx.get(code["pngUrl"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert decode(png.content) == code["link"]
    svg = httpx.get(code["svgUrl"])
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content
    assert api.ok(BY_CODE, {"t": code["token"]})["deputyByCode"] == {
        "id": created["id"],
        "name": "扫码测试",
    }

    # Only the deputy (or an administrator) replaces it; an unknown deputy is NOT_FOUND.
    refused = api.gql(ROTATE, {"input": {"id": created["id"]}}, as_=TOWNSHIP)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = api.gql(ROTATE, {"input": {"id": to_global_id("Deputy", 2_000_000_000)}}, as_=phone)
    assert [(e["code"], e["field"]) for e in body["data"]["rotateDeputyCode"]["errors"]] == [
        ("NOT_FOUND", "id")
    ]
    new = api.ok(ROTATE, {"input": {"id": created["id"]}}, as_=phone)["rotateDeputyCode"]
    new_code = new["deputy"]["code"]
    assert new_code["token"] != code["token"]
    assert decode(httpx.get(new_code["pngUrl"]).content) == new_code["link"]

    # The old code: its images are gone (410) and a scan is told it was replaced.
    old = httpx.get(code["pngUrl"], headers={"accept-language": "en"})
    assert old.status_code == 410
    assert old.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert "replaced" in old.json()["errors"][0]["message"]
    scanned = api.gql(BY_CODE, {"t": code["token"]}, lang="en")
    error = scanned["errors"][0]
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "token"}
    assert "replaced" in error["message"]
    zh = api.gql(BY_CODE, {"t": code["token"]})["errors"][0]["message"]
    assert "已更换" in zh
    # A token that never was: 404, and worded as no code at all.
    unknown = api.gql(BY_CODE, {"t": "x" * 24}, lang="en")["errors"][0]
    assert unknown["extensions"]["code"] == "NOT_FOUND" and "replaced" not in unknown["message"]
    assert httpx.get(f"{api.server.url}/d/{'x' * 24}/qr.svg").status_code == 404
    assert api.gql(BY_CODE, {"t": "y" * 500})["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_the_code_links_to_public_base_url_when_set(api: Api):
    settings = replace(api.settings, demo_data=False, public_base_url="https://gov.example/api")
    with ServerThread(create_app(settings)) as server:
        other = api.on(server.url)
        code = demo_deputy(other)["code"]
        assert code["link"] == f"https://gov.example/api/d/{code['token']}"
        assert code["pngUrl"] == f"{code['link']}/qr.png"
        # The image is served here and encodes the public link, not this server's address.
        image = httpx.get(f"{server.url}/d/{code['token']}/qr.png")
        assert decode(image.content) == code["link"]


def test_registering_a_deputy(api: Api):
    phone, account_id = new_resident(api)
    township = api.region_of(TOWNSHIP)
    seat = {
        "accountId": account_id,
        "name": "王代表",
        "congressLevel": "TOWNSHIP",
        "constituencyId": township,
        "termStart": "2022-01-01",
        "termEnd": "2026-12-31",
    }

    def errors(fields: dict, as_: str) -> list:
        body = api.gql(REGISTER, {"input": {**seat, **fields}}, as_=as_)
        if "errors" in body:
            return [body["errors"][0]["extensions"]["code"]]
        return [(e["code"], e["field"]) for e in body["data"]["registerDeputy"]["errors"]]

    # Bad input, at the field at fault, and nothing written.
    assert errors({"termEnd": "2021-01-01"}, TOWNSHIP) == [("VALIDATION", "termEnd")]
    assert errors({"name": " "}, TOWNSHIP) == [("VALIDATION", "name")]
    assert errors({"constituencyId": api.region_of(COUNTY)}, COUNTY) == [
        ("VALIDATION", "constituencyId")
    ]
    assert errors({"accountId": to_global_id("Account", 2_000_000_000)}, TOWNSHIP) == [
        ("NOT_FOUND", "accountId")
    ]
    # A village official is below a township congress; a resident is no official at all.
    assert errors({}, VILLAGE) == ["FORBIDDEN"]
    assert errors({}, RESIDENT) == ["FORBIDDEN"]
    assert api.ok("{ viewer { roles { role } } }", as_=phone)["viewer"]["roles"] == [
        {"role": "RESIDENT"}
    ]
    deputy = api.ok(REGISTER, {"input": seat}, as_=TOWNSHIP)["registerDeputy"]["deputy"]
    assert deputy["name"] == "王代表" and deputy["constituency"]["name"] == "龙溪镇"
    assert deputy["code"]["token"]
    roles = api.ok("{ viewer { roles { role } } }", as_=phone)["viewer"]["roles"]
    assert {"role": "DEPUTY"} in roles
    # One seat per congress.
    assert errors({}, TOWNSHIP) == [("VALIDATION", "accountId")]
    # Without a sign-in: UNAUTHENTICATED.
    body = api.gql(REGISTER, {"input": seat})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_deputy_page_statement_count_does_not_grow_with_page_size(api: Api, count_statements):
    township = api.region_of(TOWNSHIP)
    for n in range(4):
        _, account_id = new_resident(api)
        api.ok(
            REGISTER,
            {
                "input": {
                    "accountId": account_id,
                    "name": f"代表{n}",
                    "congressLevel": "TOWNSHIP",
                    "constituencyId": township,
                    "termStart": "2022-01-01",
                    "termEnd": "2026-12-31",
                }
            },
            as_=TOWNSHIP,
        )
    token = api.token(TOWNSHIP)

    def statements(n: int) -> int:
        with count_statements() as counter:
            data = api.ok(LIST, {"f": {"regionId": township}, "n": n}, token=token)
        assert len(data["deputies"]["edges"]) == n
        return counter.count

    small, large = statements(1), statements(5)
    assert small == large, f"{small} statements for 1 deputy but {large} for 5"
    assert large <= 8, large
