"""`feedUpdated` over real websockets: new, edited, pinned, unpinned, hidden and deleted
posts reach whoever may read the village's feed (members and followers), what each sees of
a hidden post follows its rule, resuming replays what was missed, and others cannot subscribe."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from core.db import Database, create_engine
from models.events import LogEntry
from models.regions import Region, RegionLevel
from resolvers.posts.live import POSTS, FeedUpdates
from tests.conftest import GRID, OTHER_RESIDENT, RESIDENT, VILLAGE, Api
from tests.live_client import LiveClient
from tests.post_ops import DELETE, EDIT, FOLLOW, PIN, UNFOLLOW, create, op, village_id

FEED_UPDATED = (
    "subscription($v: ID!, $after: String) { feedUpdated(villageId: $v, after: $after) "
    "{ cursor kind postId post { id body hidden author { displayName } } } }"
)
HIDE = op("hidePost", "HidePostInput", "post { id } errors { code field message }")


def watch(api: Api, phone: str, village: str, after: str | None = None) -> LiveClient:
    client = LiveClient(api.server.url)
    assert client.init(api.token(phone))["type"] == "connection_ack"
    client.subscribe("f", FEED_UPDATED, {"v": village, "after": after})
    return client


def until_live(api: Api, village: str, *clients: LiveClient) -> None:
    """Proof that each subscription is live: a post of the village's own reaches it (the
    pokes before it are skipped), so nothing after can be missed; then every client has
    read up to the same last post."""

    def poke():
        pk = create(api, RESIDENT, village, body="试一下")["post"]["id"]
        return lambda event: event["postId"] == pk

    for client in clients:
        client.until_live(poke, "f")
    # Then one more, read by every client: each has now seen everything up to it.
    last = create(api, RESIDENT, village, body="再试一下")["post"]["id"]
    for client in clients:
        while client.events("f", 1)[0]["postId"] != last:
            pass


def test_members_and_followers_see_the_feed_change_live(api: Api):
    tianxing, liushu = village_id(api, "天星村"), village_id(api, "柳树村")
    author, neighbour = watch(api, RESIDENT, tianxing), watch(api, GRID, tianxing)
    api.ok(FOLLOW, {"input": {"id": tianxing}}, as_=OTHER_RESIDENT)
    follower = watch(api, OTHER_RESIDENT, tianxing)
    try:
        until_live(api, tianxing, author, neighbour, follower)
        create(api, OTHER_RESIDENT, liushu, body="柳树村的事")  # another village: not sent
        post = create(api, RESIDENT, tianxing, body="今晚院坝放电影")["post"]["id"]
        for client in (author, neighbour, follower):
            (event,) = client.events("f", 1)
            assert (event["kind"], event["postId"]) == ("POSTED", post)
            assert event["post"]["body"] == "今晚院坝放电影"
        api.ok(HIDE, {"input": {"id": post, "reason": "时间有误"}}, as_=VILLAGE)
        (seen_by_author,) = author.events("f", 1)
        assert seen_by_author["kind"] == "HIDDEN" and seen_by_author["post"]["hidden"] is True
        for client in (neighbour, follower):
            (event,) = client.events("f", 1)
            assert event == {**event, "kind": "HIDDEN", "postId": post, "post": None}
        api.ok(DELETE, {"input": {"id": post}}, as_=RESIDENT)
        for client in (author, neighbour, follower):
            (event,) = client.events("f", 1)
            assert (event["kind"], event["post"]) == ("DELETED", None)
    finally:
        for client in (author, neighbour, follower):
            client.close()
        api.ok(UNFOLLOW, {"input": {"id": tianxing}}, as_=OTHER_RESIDENT)


PINS = (
    "subscription($v: ID!) { feedUpdated(villageId: $v) "
    "{ kind postId post { body pinned editedAt revisions { body } } } }"
)


def test_edits_pins_and_unpins_reach_the_feed_live(api: Api):
    tianxing = village_id(api, "天星村")
    screens = []
    for phone in (RESIDENT, GRID):
        client = LiveClient(api.server.url)
        assert client.init(api.token(phone))["type"] == "connection_ack"
        client.subscribe("f", PINS, {"v": tianxing})
        screens.append(client)
    author, neighbour = screens
    try:
        until_live(api, tianxing, *screens)
        post = create(api, RESIDENT, tianxing, body="周六赶场")["post"]["id"]
        for client in screens:
            assert client.events("f", 1)[0]["kind"] == "POSTED"
        api.ok(EDIT, {"input": {"id": post, "body": "周日赶场"}}, as_=RESIDENT)
        for client in screens:
            (event,) = client.events("f", 1)
            assert (event["kind"], event["postId"]) == ("EDITED", post)
            assert event["post"]["body"] == "周日赶场" and event["post"]["editedAt"]
            assert [r["body"] for r in event["post"]["revisions"]] == ["周六赶场"]
        api.ok(PIN, {"input": {"id": post}}, as_=VILLAGE)
        for client in screens:
            (event,) = client.events("f", 1)
            assert (event["kind"], event["post"]["pinned"]) == ("PINNED", True)
        api.ok(PIN, {"input": {"id": post, "pinned": False}}, as_=VILLAGE)
        for client in screens:
            (event,) = client.events("f", 1)
            assert (event["kind"], event["post"]["pinned"]) == ("UNPINNED", False)
        # Unpinning a post that is not pinned changes nothing: no event (the next one is
        # the hide below).
        api.ok(PIN, {"input": {"id": post, "pinned": False}}, as_=VILLAGE)
        api.ok(HIDE, {"input": {"id": post, "reason": "重复"}}, as_=VILLAGE)
        for client in screens:
            assert client.events("f", 1)[0]["kind"] == "HIDDEN"
        # An edit of a hidden post shows only to whoever may still read it.
        api.ok(EDIT, {"input": {"id": post, "body": "改过了"}}, as_=RESIDENT)
        (mine,) = author.events("f", 1)
        assert (mine["kind"], mine["post"]["body"]) == ("EDITED", "改过了")
        (theirs,) = neighbour.events("f", 1)
        assert (theirs["kind"], theirs["postId"], theirs["post"]) == ("EDITED", post, None)
    finally:
        for client in screens:
            client.close()


def test_resuming_replays_what_was_missed_and_outsiders_cannot_subscribe(api: Api):
    tianxing = village_id(api, "天星村")
    first = watch(api, GRID, tianxing)
    try:
        until_live(api, tianxing, first)
        posts = [create(api, RESIDENT, tianxing, body=f"第 {n} 条")["post"]["id"] for n in range(3)]
        events = first.events("f", 3)
        assert [e["postId"] for e in events] == posts
    finally:
        first.close()
    again = watch(api, GRID, tianxing, after=events[0]["cursor"])
    try:
        assert [e["postId"] for e in again.events("f", 2)] == posts[1:]
    finally:
        again.close()
    outsider = watch(api, OTHER_RESIDENT, tianxing)
    try:
        message = outsider.next("f")
        assert message["type"] == "error" and message["payload"][0]["extensions"]["code"] == (
            "NOT_FOUND"
        )
    finally:
        outsider.close()


def test_feed_spec_matches_in_python_what_it_selects_in_sql(api: Api):
    async def check() -> None:
        db = Database(create_engine(api.settings.database_url))
        try:
            entries = list(await db.all(select(LogEntry).where(LogEntry.topic == POSTS.name)))
            subjects = await POSTS.load(db, entries)
            villages = [r for r in await db.all(select(Region)) if r.level is RegionLevel.VILLAGE]
            assert entries
            for village in villages:
                spec = FeedUpdates(village.path)
                in_sql = set(
                    await db.all(
                        select(LogEntry.id)
                        .select_from(POSTS.source())
                        .where(LogEntry.topic == POSTS.name, spec.where())
                    )
                )
                in_python = {e.id for e in entries if spec.matches(e, subjects[e.id])}
                assert in_sql == in_python, village.name
        finally:
            await db.engine.dispose()

    asyncio.run(check())
