"""Moderation of the feed: reports by readers, officials hiding with a reason, hidden
content gone for all but its author and officials, and every step in the log."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from strawberry.relay.utils import from_base64

from core.db import Database, create_engine
from core.ids import to_global_id
from models.posts import ModerationEntry
from tests.conftest import GRID, OTHER_RESIDENT, RESIDENT, VILLAGE, Api
from tests.post_ops import COMMENT, DELETE, LIKE, POST, create, errors_of, feed, op, village_id
from tests.test_post_search import found

REPORT_POST = op("reportPost", "ReportPostInput", "reportId errors { code field message }")
REPORT_COMMENT = op("reportComment", "ReportCommentInput", "reportId errors { code field message }")
HIDE = op(
    "hidePost", "HidePostInput", "post { id hidden hiddenReason } errors { code field message }"
)
HIDE_COMMENT = op(
    "hideComment",
    "HideCommentInput",
    "comment { id body hidden hiddenReason } errors { code field message }",
)
REPORTS = """query($v: ID!) { contentReports(villageId: $v, first: 50) { edges { node {
  id reason reporter { displayName } post { id } comment { id } } } } }"""
THREAD = """query($id: ID!) { post(id: $id) { comments { edges { node {
  id body hidden hiddenReason } } } } }"""


def log_of(api: Api, post_id: str) -> list[tuple[str, str | None]]:
    async def read() -> list[tuple[str, str | None]]:
        db = Database(create_engine(api.settings.database_url))
        try:
            pk = int(from_base64(post_id)[1])
            rows = await db.all(
                select(ModerationEntry)
                .where(ModerationEntry.post_id == pk)
                .order_by(ModerationEntry.id)
            )
            return [(r.kind.value, r.reason) for r in rows]
        finally:
            await db.engine.dispose()

    return asyncio.run(read())


def test_reports_reach_the_officials_and_only_them(api: Api):
    tianxing = village_id(api, "天星村")
    post = create(api, RESIDENT, tianxing, body="便宜卖化肥，假一赔十")["post"]["id"]
    comment = api.ok(COMMENT, {"input": {"postId": post, "body": "骗人的"}}, as_=GRID)
    comment_id = comment["commentOnPost"]["comment"]["id"]
    reported = api.ok(REPORT_POST, {"input": {"id": post, "reason": "疑似虚假广告"}}, as_=GRID)
    assert reported["reportPost"]["reportId"]
    api.ok(REPORT_COMMENT, {"input": {"id": comment_id, "reason": "人身攻击"}}, as_=RESIDENT)
    blank = api.gql(REPORT_POST, {"input": {"id": post, "reason": " "}}, as_=GRID)
    assert errors_of(blank["data"]["reportPost"]) == [("VALIDATION", "reason")]
    outsider = api.gql(REPORT_POST, {"input": {"id": post, "reason": "x"}}, as_=OTHER_RESIDENT)
    assert errors_of(outsider["data"]["reportPost"]) == [("NOT_FOUND", "id")]
    listed = api.ok(REPORTS, {"v": tianxing}, as_=VILLAGE)["contentReports"]["edges"]
    mine = [e["node"] for e in listed if e["node"]["post"] and e["node"]["post"]["id"] == post]
    assert [(r["reason"], r["comment"] and r["comment"]["id"]) for r in mine] == [
        ("人身攻击", comment_id),
        ("疑似虚假广告", None),
    ]
    assert api.ok(REPORTS, {"v": tianxing}, as_=RESIDENT) == {"contentReports": None}
    node = api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": mine[0]["id"]}, as_=RESIDENT)
    assert node == {"node": None}


def test_a_hidden_post_is_gone_for_all_but_its_author_and_officials(api: Api):
    tianxing = village_id(api, "天星村")
    post = create(api, RESIDENT, tianxing, kind="MOMENT", body="低保 名额内定了 骂人的话")
    post_id = post["post"]["id"]
    refused = api.gql(HIDE, {"input": {"id": post_id, "reason": "不实信息"}}, as_=GRID)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    no_reason = api.gql(HIDE, {"input": {"id": post_id}}, as_=VILLAGE)["data"]["hidePost"]
    assert errors_of(no_reason) == [("VALIDATION", "reason")]
    hidden = api.ok(HIDE, {"input": {"id": post_id, "reason": "不实信息"}}, as_=VILLAGE)
    assert hidden["hidePost"]["post"] == {"id": post_id, "hidden": True, "hiddenReason": "不实信息"}

    def in_feed(phone: str) -> bool:
        posts = feed(api, phone, tianxing, first=100)
        return post_id in {e["node"]["id"] for e in posts["edges"]}

    assert not in_feed(GRID) and api.ok(POST, {"id": post_id}, as_=GRID) == {"post": None}
    assert in_feed(RESIDENT) and in_feed(VILLAGE)  # the author and the officials
    assert post_id not in {h["id"] for h in found(api, GRID, "低保", kinds=["MOMENT"])}
    assert post_id in {h["id"] for h in found(api, RESIDENT, "低保", kinds=["MOMENT"])}
    # Nobody comments on or likes a hidden post: its author is told why.
    comment = api.gql(COMMENT, {"input": {"postId": post_id, "body": "?"}}, as_=RESIDENT)
    assert errors_of(comment["data"]["commentOnPost"]) == [("INVALID_TRANSITION", "postId")]
    like = api.gql(LIKE, {"input": {"id": post_id}}, as_=GRID)
    assert errors_of(like["data"]["likePost"]) == [("NOT_FOUND", "id")]
    # Shown again, then deleted by an official: the log keeps every step.
    api.ok(HIDE, {"input": {"id": post_id, "hidden": False}}, as_=VILLAGE)
    assert in_feed(GRID)
    api.ok(DELETE, {"input": {"id": post_id, "reason": "重复发布"}}, as_=VILLAGE)
    assert log_of(api, post_id) == [("HIDE", "不实信息"), ("UNHIDE", None), ("DELETE", "重复发布")]


def test_a_hidden_comment_keeps_its_place_without_its_text(api: Api):
    tianxing = village_id(api, "天星村")
    post_id = create(api, RESIDENT, tianxing, body="新修的路")["post"]["id"]
    said = api.ok(COMMENT, {"input": {"postId": post_id, "body": "骂人的话"}}, as_=GRID)
    comment_id = said["commentOnPost"]["comment"]["id"]
    refused = api.gql(HIDE_COMMENT, {"input": {"id": comment_id, "reason": "x"}}, as_=RESIDENT)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    hidden = api.ok(
        HIDE_COMMENT, {"input": {"id": comment_id, "reason": "不文明用语"}}, as_=VILLAGE
    )
    assert hidden["hideComment"]["comment"]["hidden"] is True

    def thread(phone: str) -> list[dict]:
        data = api.ok(THREAD, {"id": post_id}, as_=phone)["post"]["comments"]["edges"]
        return [e["node"] for e in data]

    assert thread(RESIDENT) == [
        {"id": comment_id, "body": None, "hidden": True, "hiddenReason": None}
    ]
    for phone in (GRID, VILLAGE):  # its author and the officials still read it
        assert thread(phone)[0]["body"] == "骂人的话"
        assert thread(phone)[0]["hiddenReason"] == "不文明用语"
    missing = api.gql(
        HIDE_COMMENT,
        {"input": {"id": to_global_id("PostComment", 2_000_000_000), "reason": "x"}},
        as_=VILLAGE,
    )
    assert errors_of(missing["data"]["hideComment"]) == [("NOT_FOUND", "id")]
