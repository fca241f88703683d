"""Lifecycle rules that keep the record honest (from review): who speaks for the reporter,
what a new level takes over, what a note does not reset, where duplicates point."""

from __future__ import annotations

import asyncio
import base64
import struct
import zlib
from datetime import timedelta

from sqlalchemy import update

from core.db import Database, create_engine
from core.ids import parse_id, to_global_id
from models.base import utcnow
from models.issues import Issue
from tests.conftest import (
    AGRONOMIST,
    COUNTY,
    DEPUTY,
    GRID,
    OTHER_RESIDENT,
    RESIDENT,
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
    RESOLVE,
    START,
    UPDATE,
    act,
    ok,
    report,
)

READ = "query($id: ID!) { issue(id: $id) { status level rating dueAt duplicateOf { id } } }"


def codes(payload: dict) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


def test_the_handler_who_filed_for_someone_cannot_rate_or_cancel_for_them(api: Api):
    courtyard = api.region_of(GRID)
    walk_in = ok(report(api, GRID, courtyard, channel="WALK_IN", contactName="王大娘"))["issue"]
    ok(act(api, ACCEPT, GRID, walk_in["id"]))
    ok(act(api, RESOLVE, GRID, walk_in["id"], note="已修好", photos=1))
    rated = api.gql(RATE, {"input": {"id": walk_in["id"], "rating": 5}}, as_=GRID)
    assert rated["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    resident = api.ok("{ viewer { id } }", as_=RESIDENT)["viewer"]["id"]
    for_her = ok(report(api, GRID, courtyard, channel="PHONE", onBehalfOf=resident))["issue"]
    cancelled = api.gql(CANCEL, {"input": {"id": for_her["id"]}}, as_=GRID)
    assert cancelled["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert ok(act(api, CANCEL, RESIDENT, for_her["id"]))["issue"]["status"] == "CANCELLED"


def test_on_behalf_of_only_someone_in_the_filers_jurisdiction(api: Api):
    stranger = api.ok("{ viewer { id } }", as_=OTHER_RESIDENT)["viewer"]["id"]
    payload = report(api, GRID, api.region_of(GRID), channel="PHONE", onBehalfOf=stranger)
    assert codes(payload) == [("NOT_FOUND", "onBehalfOf")]


def test_escalation_takes_the_issue_away_from_the_old_assignee(api: Api):
    iid = ok(report(api, RESIDENT, api.region_of(GRID), category="AGRICULTURE"))["issue"]["id"]
    staff = api.ok("{ viewer { id } }", as_=AGRONOMIST)["viewer"]["id"]
    ok(act(api, ASSIGN, GRID, iid, assigneeId=staff))
    ok(act(api, START, AGRONOMIST, iid))
    ok(act(api, ESCALATE, GRID, iid, note="需要村里协调"))
    # The village handles it now; the agronomist works it only if assigned afresh.
    resolved = api.gql(RESOLVE, {"input": {"id": iid, "note": "x"}}, as_=AGRONOMIST)
    assert resolved["data"]["resolveIssue"]["errors"][0]["code"] == "NOT_FOUND"


def test_a_note_on_a_waiting_issue_does_not_move_its_deadline(api: Api):
    iid = ok(report(api, RESIDENT, api.region_of(GRID), category="HEATING"))["issue"]["id"]
    due = api.ok(READ, {"id": iid}, as_=RESIDENT)["issue"]["dueAt"]
    ok(act(api, UPDATE, RESIDENT, iid, note="有进展吗？"))
    ok(act(api, UPDATE, GRID, iid, note="明天去看"))
    assert api.ok(READ, {"id": iid}, as_=RESIDENT)["issue"]["dueAt"] == due


def test_duplicates_point_at_the_original_and_never_in_a_circle(api: Api):
    courtyard = api.region_of(GRID)
    a, b, c = (ok(report(api, RESIDENT, courtyard))["issue"]["id"] for _ in range(3))
    ok(act(api, DUPLICATE, GRID, a, duplicateOfId=b))
    ok(act(api, DUPLICATE, GRID, b, duplicateOfId=c))
    circle = act(api, DUPLICATE, GRID, c, duplicateOfId=a)  # a -> b -> c: c itself
    assert codes(circle) == [("VALIDATION", "duplicateOfId")]
    d = ok(report(api, RESIDENT, courtyard))["issue"]["id"]
    chained = ok(act(api, DUPLICATE, GRID, d, duplicateOfId=a))
    assert chained["issue"]["id"] == d
    assert api.ok(READ, {"id": d}, as_=GRID)["issue"]["duplicateOf"]["id"] == c


def test_duplicate_of_is_hidden_from_those_who_may_not_read_the_original(api: Api):
    mine = ok(report(api, RESIDENT, api.region_of(GRID)))["issue"]["id"]
    theirs = ok(report(api, OTHER_RESIDENT, api.region_of(OTHER_RESIDENT)))["issue"]["id"]
    ok(act(api, DUPLICATE, COUNTY, theirs, duplicateOfId=mine))  # the county sees both
    seen = api.ok(READ, {"id": theirs}, as_=OTHER_RESIDENT)["issue"]
    assert seen["status"] == "DUPLICATE" and seen["duplicateOf"] is None
    assert api.ok(READ, {"id": theirs}, as_=COUNTY)["issue"]["duplicateOf"]["id"] == mine


def test_the_reporter_reopening_is_an_appeal_one_level_up_and_clears_the_rating(api: Api):
    iid = ok(report(api, RESIDENT, api.region_of(GRID)))["issue"]["id"]
    ok(act(api, REJECT, GRID, iid, note="不归院落管"))
    appealed = ok(act(api, REOPEN, RESIDENT, iid, note="请村里看看"))
    assert (appealed["issue"]["status"], appealed["issue"]["level"]) == ("SUBMITTED", "VILLAGE")
    ok(act(api, ACCEPT, VILLAGE, iid))
    ok(act(api, RESOLVE, VILLAGE, iid, note="已处理", photos=1))
    assert ok(act(api, RATE, RESIDENT, iid, rating=5))["issue"]["rating"] == 5
    again = ok(act(api, REOPEN, VILLAGE, iid, note="复查发现问题"))  # a handler: same level
    assert again["issue"]["level"] == "VILLAGE" and again["issue"]["rating"] is None


def test_a_closed_issue_reopens_only_within_thirty_days(api: Api):
    iid = ok(report(api, RESIDENT, api.region_of(GRID)))["issue"]["id"]
    ok(act(api, ACCEPT, GRID, iid))
    ok(act(api, RESOLVE, GRID, iid, note="已处理", photos=1))
    ok(act(api, RATE, RESIDENT, iid, rating=4))

    async def age() -> None:
        db = Database(create_engine(api.settings.database_url))
        async with db.transaction() as session:
            await session.execute(
                update(Issue)
                .where(Issue.id == parse_id(iid, "Issue"))
                .values(closed_at=utcnow() - timedelta(days=31))
            )
        await db.engine.dispose()

    asyncio.run(age())
    late = act(api, REOPEN, RESIDENT, iid, note="又坏了")
    assert codes(late) == [("INVALID_TRANSITION", None)]
    assert (
        "REOPEN"
        not in api.ok(
            "query($id: ID!) { issue(id: $id) { allowedActions } }", {"id": iid}, as_=RESIDENT
        )["issue"]["allowedActions"]
    )


def test_odd_ids_cursors_and_images_are_clear_errors(api: Api):
    huge = base64.urlsafe_b64encode(b"k:99999999999999999999").decode()
    body = api.gql(
        "query($a: String) { issues(after: $a) { totalCount } }", {"a": huge}, as_=DEPUTY
    )
    assert body["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "after"}
    unknown = api.gql('{ node(id: "Zm9vOjE=") { id } }', as_=DEPUTY)
    assert unknown["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert api.ok(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": to_global_id("Issue", 2**31 - 1)},
        as_=DEPUTY,
    ) == {"node": None}

    bad_png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 5) + b"IHDR" + b"\x00" * 5
    bad_png += struct.pack(">I", zlib.crc32(b"IHDR" + b"\x00" * 5))
    variables = {
        "input": {
            "regionId": api.region_of(GRID),
            "category": "ROADS",
            "title": "坏图",
            "description": "坏图",
            "photos": [None],
        }
    }
    from tests.issue_ops import REPORT

    payload = api.gql(REPORT, variables, as_=RESIDENT, files={"input.photos.0": bad_png})
    assert codes(payload["data"]["reportIssue"]) == [("VALIDATION", "photos.0")]

    far = {"start": "2099-01-01T09:00:00+08:00", "end": "2099-01-01T10:00:00+08:00"}
    payload = report(
        api,
        RESIDENT,
        api.region_of(GRID),
        category="HOME_SERVICE",
        serviceAddress="3 号",
        serviceWindow=far,
    )
    assert codes(payload) == [("VALIDATION", "serviceWindow")]
