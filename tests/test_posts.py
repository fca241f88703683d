"""The village feed through the real app: who reads and publishes what, the feed's order
and pages, comments, likes, pins, edits and deletions, every bad input a coded error at its
field with nothing written, and unreadable posts answered like missing ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from core.ids import to_global_id
from tests.conftest import (
    DEPUTY,
    GRID,
    OTHER_RESIDENT,
    RESIDENT,
    TOWNSHIP,
    VILLAGE,
    Api,
    jpeg,
)
from tests.post_ops import (
    COMMENT,
    CREATE,
    DELETE,
    EDIT,
    FEED,
    FOLLOW,
    LIKE,
    PIN,
    POST,
    UNFOLLOW,
    UNLIKE,
    create,
    errors_of,
    feed,
    village_id,
)


def media_files(api: Api) -> int:
    root = api.settings.media_dir
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def all_posts(api: Api, phone: str, village: str, page: int = 4, **variables) -> list[dict]:
    """Every post of the feed, page by page."""
    out: list[dict] = []
    after = None
    while True:
        got = feed(api, phone, village, first=page, after=after, **variables)
        assert got is not None
        out += [e["node"] for e in got["edges"]]
        assert got["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not got["pageInfo"]["hasNextPage"]:
            return out
        after = got["pageInfo"]["endCursor"]


def test_the_feed_is_pinned_first_then_newest_first_without_gaps(api: Api):
    tianxing = village_id(api, "天星村")
    mine = [create(api, RESIDENT, tianxing, body=f"第 {n} 条")["post"]["id"] for n in range(3)]
    whole = all_posts(api, RESIDENT, tianxing, page=3)
    once = all_posts(api, RESIDENT, tianxing, page=100)
    assert [p["id"] for p in whole] == [p["id"] for p in once]  # pages: no gap, no repeat
    pinned = [p["pinned"] for p in whole]
    assert pinned == sorted(pinned, reverse=True) and pinned[0] is True  # the demo's notice
    rest = [p for p in whole if not p["pinned"]]
    assert [p["createdAt"] for p in rest][:3] == sorted(
        [p["createdAt"] for p in rest][:3], reverse=True
    )
    assert [p["id"] for p in rest[:3]] == mine[::-1]
    kinds = {p["kind"] for p in whole}
    assert kinds >= {"ANNOUNCEMENT", "POLICY", "AFFAIRS", "ACTIVITY", "HONOR", "MARKET", "MOMENT"}
    only = all_posts(api, RESIDENT, tianxing, kinds=["POLICY", "AFFAIRS"])
    assert only and {p["kind"] for p in only} == {"POLICY", "AFFAIRS"}
    market = next(p for p in whole if p["kind"] == "MARKET" and p["editedAt"])
    assert market["market"]["priceCents"] == 250 and market["revisions"][0]["body"]
    body = api.gql(FEED, {"v": tianxing, "first": 101}, as_=RESIDENT)
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"


def test_who_reads_a_feed_and_what_followers_may_do(api: Api):
    tianxing = village_id(api, "天星村")
    post = create(api, RESIDENT, tianxing, body="卖鸡蛋")["post"]["id"]
    anonymous = api.gql(FEED, {"v": tianxing})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert feed(api, DEPUTY, tianxing) is not None  # a deputy of the township oversees it
    assert feed(api, GRID, tianxing) is not None
    # 冯景凯 lives in another township: the feed is not his until he follows the village.
    assert feed(api, OTHER_RESIDENT, tianxing) is None
    assert api.ok(POST, {"id": post}, as_=OTHER_RESIDENT) == {"post": None}
    refused = api.gql(COMMENT, {"input": {"postId": post, "body": "加油"}}, as_=OTHER_RESIDENT)
    assert errors_of(refused["data"]["commentOnPost"]) == [("NOT_FOUND", "postId")]
    api.ok(FOLLOW, {"input": {"id": tianxing}}, as_=OTHER_RESIDENT)
    api.ok(FOLLOW, {"input": {"id": tianxing}}, as_=OTHER_RESIDENT)  # twice is once
    try:
        followed = api.ok("{ followedVillages { name } }", as_=OTHER_RESIDENT)
        assert followed == {"followedVillages": [{"name": "天星村"}]}
        assert feed(api, OTHER_RESIDENT, tianxing) is not None
        seen = api.ok(POST, {"id": post}, as_=OTHER_RESIDENT)["post"]
        assert seen["allowedActions"] == ["COMMENT", "LIKE", "REPORT"]
        comment = api.ok(
            COMMENT, {"input": {"postId": post, "body": "家乡的鸡蛋最好吃"}}, as_=OTHER_RESIDENT
        )["commentOnPost"]
        assert comment["comment"]["author"]["displayName"] == "冯景凯"
        liked = api.ok(LIKE, {"input": {"id": post}}, as_=OTHER_RESIDENT)["likePost"]["post"]
        assert (liked["likeCount"], liked["viewerLikes"]) == (1, True)
        # ... but a digital villager does not publish in the village.
        moment = api.gql(
            CREATE,
            {"input": {"villageId": tianxing, "kind": "MOMENT", "body": "回老家了"}},
            as_=OTHER_RESIDENT,
        )
        assert moment["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    finally:
        api.ok(UNFOLLOW, {"input": {"id": tianxing}}, as_=OTHER_RESIDENT)
    assert feed(api, OTHER_RESIDENT, tianxing) is None
    assert api.ok("{ followedVillages { name } }", as_=OTHER_RESIDENT) == {"followedVillages": []}


def test_who_may_publish_each_kind(api: Api):
    tianxing = village_id(api, "天星村")
    titled = {"title": "标题", "body": "内容"}
    allowed = [
        (RESIDENT, "MOMENT", {}),
        (RESIDENT, "MARKET", {"market": {"priceCents": 300, "unit": "斤"}}),
        (GRID, "ACTIVITY", titled),
        (VILLAGE, "ANNOUNCEMENT", titled),
        (VILLAGE, "POLICY", titled),
        (TOWNSHIP, "AFFAIRS", {**titled, "affairsKind": "FINANCE"}),
        (VILLAGE, "HONOR", {**titled, "honorees": ["张家", "李家"]}),
    ]
    for phone, kind, fields in allowed:
        payload = create(api, phone, tianxing, kind=kind, **fields)
        assert payload["errors"] == [], (phone, kind, payload)
        assert payload["post"]["kind"] == kind
    refused = [
        (RESIDENT, "ANNOUNCEMENT", titled),
        (RESIDENT, "ACTIVITY", titled),
        (GRID, "POLICY", titled),
        (DEPUTY, "MOMENT", {}),  # reads the feed, lives elsewhere
    ]
    for phone, kind, fields in refused:
        variables = {"input": {"villageId": tianxing, "kind": kind, "body": "x", **fields}}
        body = api.gql(CREATE, variables, as_=phone)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (phone, kind, body)
        assert body["data"] is None


def test_bad_posts_are_refused_at_their_field_and_nothing_is_written(api: Api):
    tianxing = village_id(api, "天星村")
    before, files = len(all_posts(api, VILLAGE, tianxing, page=100)), media_files(api)
    cases = [
        ({"body": "   "}, [("VALIDATION", "body")]),  # an empty post
        ({"body": "长" * 5001}, [("VALIDATION", "body")]),
        (
            {"kind": "MARKET", "market": {"priceCents": -1, "unit": "斤"}},
            [("VALIDATION", "market.priceCents")],
        ),
        (
            {
                "kind": "MARKET",
                "market": {
                    "priceCents": 100,
                    "unit": " ",
                    "quantity": 0,
                    "availableUntil": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
                },
            },
            [
                ("VALIDATION", "market.availableUntil"),
                ("VALIDATION", "market.quantity"),
                ("VALIDATION", "market.unit"),
            ],
        ),
        ({"kind": "MARKET"}, [("VALIDATION", "market")]),
        ({"kind": "AFFAIRS", "title": "公开"}, [("VALIDATION", "affairsKind")]),
        ({"affairsKind": "PARTY"}, [("VALIDATION", "affairsKind")]),
        ({"kind": "HONOR", "title": "光荣榜"}, [("VALIDATION", "honorees")]),
        ({"kind": "ANNOUNCEMENT"}, [("VALIDATION", "title")]),
        ({"villageId": "bad"}, [("VALIDATION", "villageId")]),
        ({"villageId": to_global_id("Region", 2_000_000_000)}, [("NOT_FOUND", "villageId")]),
    ]
    for fields, expected in cases:
        payload = create(api, VILLAGE, tianxing, **fields)
        assert errors_of(payload) == expected, (fields, payload["errors"])
        assert payload["post"] is None and all(e["message"] for e in payload["errors"])
    photo = api.gql(
        CREATE,
        {"input": {"villageId": tianxing, "kind": "MOMENT", "photos": [None, None]}},
        as_=RESIDENT,
        files={"input.photos.0": jpeg(), "input.photos.1": b"not an image"},
    )["data"]["createPost"]
    assert errors_of(photo) == [("VALIDATION", "photos.1")]
    too_many = create(api, RESIDENT, tianxing, photos=10)
    assert errors_of(too_many) == [("VALIDATION", "photos")]
    english = api.gql(
        CREATE,
        {"input": {"villageId": tianxing, "kind": "MOMENT", "body": ""}},
        as_=RESIDENT,
        lang="en",
    )["data"]["createPost"]
    assert english["errors"][0]["message"] == "Write something or add a photo."
    assert len(all_posts(api, VILLAGE, tianxing, page=100)) == before
    assert media_files(api) == files


def test_photos_make_a_post_and_are_served_to_its_readers(api: Api):
    tianxing = village_id(api, "天星村")
    post = create(api, RESIDENT, tianxing, body=None, photos=2)["post"]
    assert post["body"] == "" and len(post["photos"]) == 2
    assert httpx.get(post["photos"][0]["url"]).status_code == 200


def test_comments_with_one_level_of_replies(api: Api):
    tianxing = village_id(api, "天星村")
    post = create(api, RESIDENT, tianxing, body="谁家有小鸡苗？")["post"]["id"]
    first = api.ok(COMMENT, {"input": {"postId": post, "body": "我家有"}}, as_=GRID)
    top = first["commentOnPost"]["comment"]["id"]
    reply = api.ok(
        COMMENT, {"input": {"postId": post, "body": "多少钱一只？", "replyTo": top}}, as_=RESIDENT
    )["commentOnPost"]["comment"]["id"]
    # A reply to a reply joins the same thread: one level.
    api.ok(COMMENT, {"input": {"postId": post, "body": "五块", "replyTo": reply}}, as_=GRID)
    for n in range(3):
        api.ok(COMMENT, {"input": {"postId": post, "body": f"评论 {n}"}}, as_=VILLAGE)
    data = api.ok(
        """query($id: ID!, $after: String) { post(id: $id) { commentCount
          comments(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
            edges { node { id body author { displayName } replies { body } } } } } }""",
        {"id": post},
        as_=RESIDENT,
    )["post"]
    assert data["commentCount"] == 6 and data["comments"]["totalCount"] == 4
    threads = data["comments"]["edges"]
    assert [e["node"]["body"] for e in threads] == ["我家有", "评论 0"]
    assert [r["body"] for r in threads[0]["node"]["replies"]] == ["多少钱一只？", "五块"]
    rest = api.ok(
        "query($id: ID!, $after: String) { post(id: $id) { comments(first: 2, after: $after) "
        "{ pageInfo { hasNextPage hasPreviousPage } edges { node { body } } } } }",
        {"id": post, "after": data["comments"]["pageInfo"]["endCursor"]},
        as_=RESIDENT,
    )["post"]["comments"]
    assert [e["node"]["body"] for e in rest["edges"]] == ["评论 1", "评论 2"]
    assert rest["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True}
    # Bad comments: blank, too long, a reply to another post's comment.
    other = create(api, RESIDENT, tianxing)["post"]["id"]
    for fields, expected in (
        ({"body": " "}, [("VALIDATION", "body")]),
        ({"body": "长" * 501}, [("VALIDATION", "body")]),
        ({"body": "好", "replyTo": top, "postId": other}, [("NOT_FOUND", "replyTo")]),
        ({"body": "好", "postId": to_global_id("Post", 2_000_000_000)}, [("NOT_FOUND", "postId")]),
    ):
        payload = api.gql(COMMENT, {"input": {"postId": post, **fields}}, as_=RESIDENT)
        assert errors_of(payload["data"]["commentOnPost"]) == expected, fields
    count = api.ok(POST, {"id": post}, as_=RESIDENT)["post"]["commentCount"]
    assert count == 6


def test_likes_pins_edits_and_deletions(api: Api):
    tianxing = village_id(api, "天星村")
    post = create(api, RESIDENT, tianxing, body="原来的话")["post"]["id"]
    for _ in range(2):
        liked = api.ok(LIKE, {"input": {"id": post}}, as_=GRID)["likePost"]["post"]
    assert (liked["likeCount"], liked["viewerLikes"]) == (1, True)
    unliked = api.ok(UNLIKE, {"input": {"id": post}}, as_=GRID)["unlikePost"]["post"]
    assert (unliked["likeCount"], unliked["viewerLikes"]) == (0, False)
    # Pinning: the village's officials only; a pinned post tops the feed.
    refused = api.gql(PIN, {"input": {"id": post}}, as_=RESIDENT)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    api.ok(PIN, {"input": {"id": post}}, as_=VILLAGE)
    top = feed(api, RESIDENT, tianxing, first=1)["edges"][0]["node"]
    assert top["id"] == post and top["pinned"] and top["pinnedAt"]
    api.ok(PIN, {"input": {"id": post, "pinned": False}}, as_=VILLAGE)
    assert feed(api, RESIDENT, tianxing, first=1)["edges"][0]["node"]["id"] != post
    # Editing: the author, and the edit shows.
    refused = api.gql(EDIT, {"input": {"id": post, "body": "改了"}}, as_=VILLAGE)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    edited = api.ok(EDIT, {"input": {"id": post, "body": "改过的话"}}, as_=RESIDENT)
    edited = edited["editPost"]["post"]
    assert edited["body"] == "改过的话" and edited["editedAt"]
    assert [r["body"] for r in edited["revisions"]] == ["原来的话"]
    blank = api.gql(EDIT, {"input": {"id": post, "body": ""}}, as_=RESIDENT)["data"]["editPost"]
    assert errors_of(blank) == [("VALIDATION", "body")]
    # Deleting: the author or an official; gone for everyone, answered as missing after.
    refused = api.gql(DELETE, {"input": {"id": post}}, as_=GRID)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    gone = api.ok(DELETE, {"input": {"id": post}}, as_=RESIDENT)["deletePost"]
    assert gone["deletedPostId"] == post
    assert api.ok(POST, {"id": post}, as_=RESIDENT) == {"post": None}
    assert post not in {p["id"] for p in all_posts(api, VILLAGE, tianxing, page=100)}
    again = api.gql(LIKE, {"input": {"id": post}}, as_=RESIDENT)["data"]["likePost"]
    assert errors_of(again) == [("NOT_FOUND", "id")]
    other = create(api, RESIDENT, tianxing)["post"]["id"]
    assert api.ok(DELETE, {"input": {"id": other}}, as_=VILLAGE)["deletePost"]["errors"] == []


def test_an_outsider_cannot_tell_an_existing_post_from_a_missing_one(api: Api):
    tianxing = village_id(api, "天星村")
    post = create(api, RESIDENT, tianxing)["post"]["id"]
    comment = api.ok(COMMENT, {"input": {"postId": post, "body": "嗯"}}, as_=GRID)
    comment_id = comment["commentOnPost"]["comment"]["id"]

    def answers(post_id: str, comment_id: str) -> list:
        out: list = [
            api.gql(POST, {"id": post_id}, as_=OTHER_RESIDENT),
            api.gql(
                "query($id: ID!) { node(id: $id) { id } }", {"id": post_id}, as_=OTHER_RESIDENT
            ),
            api.gql(
                "query($id: ID!) { node(id: $id) { id } }", {"id": comment_id}, as_=OTHER_RESIDENT
            ),
        ]
        for document, fields in (
            (EDIT, {"id": post_id, "body": "x"}),
            (DELETE, {"id": post_id}),
            (LIKE, {"id": post_id}),
            (UNLIKE, {"id": post_id}),
            (PIN, {"id": post_id}),
            (COMMENT, {"postId": post_id, "body": "x"}),
        ):
            out.append(api.gql(document, {"input": fields}, as_=OTHER_RESIDENT))
        return out

    existing = answers(post, comment_id)
    missing = answers(
        to_global_id("Post", 2_000_000_000), to_global_id("PostComment", 2_000_000_000)
    )
    assert existing == missing
    assert existing[0] == {"data": {"post": None}}
    for body in existing[3:]:
        (payload,) = body["data"].values()
        assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]


def test_posts_this_week_counts_the_feed(api: Api):
    tianxing = village_id(api, "天星村")
    query = "query($id: ID!) { village(id: $id) { profile { figures { postsThisWeek } } } }"

    def count() -> int:
        return api.ok(query, {"id": tianxing})["village"]["profile"]["figures"]["postsThisWeek"]

    before = count()
    post = create(api, RESIDENT, tianxing)["post"]["id"]
    assert count() == before + 1
    api.ok(DELETE, {"input": {"id": post}}, as_=RESIDENT)
    assert count() == before


PAGE = """query($v: ID!, $n: Int!) { feed(villageId: $v, first: $n) { edges { node {
  id kind title body pinned village { name } author { displayName phone roles { role } }
  photos { url } market { priceCents } revisions { body } likeCount viewerLikes commentCount
  allowedActions
  comments(first: 3) { totalCount edges { node { body author { displayName }
    replies { body author { displayName } } } } }
} } } }"""


def test_a_feed_page_costs_the_same_statements_whatever_its_size(api: Api, count_statements):
    tianxing = village_id(api, "天星村")
    for n in range(8):
        post = create(api, RESIDENT, tianxing, photos=1)["post"]["id"]
        top = api.ok(COMMENT, {"input": {"postId": post, "body": f"评 {n}"}}, as_=GRID)
        top_id = top["commentOnPost"]["comment"]["id"]
        api.ok(COMMENT, {"input": {"postId": post, "body": "回", "replyTo": top_id}}, as_=VILLAGE)
        api.ok(LIKE, {"input": {"id": post}}, as_=VILLAGE)
    token = api.token(VILLAGE)

    def statements(n: int) -> int:
        with count_statements() as counter:
            data = api.ok(PAGE, {"v": tianxing, "n": n}, token=token)
        assert len(data["feed"]["edges"]) == n
        return counter.count

    small, large = statements(2), statements(8)
    assert small == large, f"{small} statements for 2 posts but {large} for 8"
    print(f"feed page: {large} SQL statements for 2 and for 8 posts")
