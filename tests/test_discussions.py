"""Discussions and polls through the real app: who starts, comments and votes, one ballot
per account changeable until the close, results live or after the close, closing with an
outcome, every bad ballot a coded error, and the tally moving live on a second screen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.ids import to_global_id
from tests.conftest import GRID, OTHER_RESIDENT, RESIDENT, TOWNSHIP, VILLAGE, Api
from tests.live_client import LiveClient
from tests.post_ops import FOLLOW, UNFOLLOW, errors_of, op, village_id

FIELDS = """discussion { id kind title open closedAt outcome voters multipleChoice resultsLive
  ballotCount viewerChoices viewerMayVote options { id label votes }
  comments { totalCount edges { node { body author { displayName } } } } }
  errors { code field message }"""
START = op("startDiscussion", "StartDiscussionInput", FIELDS)
COMMENT = op("commentOnDiscussion", "CommentOnDiscussionInput", FIELDS)
VOTE = op("castBallot", "CastBallotInput", FIELDS)
CLOSE = op("closeDiscussion", "CloseDiscussionInput", FIELDS)
UPDATED = (
    "subscription($id: ID!, $after: String) { discussionUpdated(id: $id, after: $after) "
    "{ cursor kind discussion { ballotCount options { label votes } } } }"
)


def later(hours: float = 24) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def poll(api: Api, village: str, voters: str = "RESIDENTS", **terms) -> dict:
    data = api.ok(
        START,
        {
            "input": {
                "villageId": village,
                "kind": "POLL",
                "title": "院墙刷成什么颜色？",
                "poll": {
                    "options": ["白色", "米黄色", "浅灰色"],
                    "closesAt": later(),
                    "voters": voters,
                    **terms,
                },
            }
        },
        as_=VILLAGE,
    )
    return data["startDiscussion"]["discussion"]


def vote(api: Api, phone: str, poll_id: str, *options: str) -> dict:
    return api.gql(
        VOTE, {"input": {"discussionId": poll_id, "optionIds": list(options)}}, as_=phone
    )


def test_a_poll_counts_one_changeable_ballot_per_resident(api: Api):
    tianxing = village_id(api, "天星村")
    p = poll(api, tianxing)
    white, cream, grey = (o["id"] for o in p["options"])
    assert p["open"] and p["viewerMayVote"] and p["ballotCount"] == 0
    after = vote(api, RESIDENT, p["id"], white)["data"]["castBallot"]["discussion"]
    assert after["viewerChoices"] == [white]
    vote(api, GRID, p["id"], cream)
    changed = vote(api, RESIDENT, p["id"], cream)["data"]["castBallot"]["discussion"]
    assert [o["votes"] for o in changed["options"]] == [0, 2, 0] and changed["ballotCount"] == 2
    # Bad ballots: two choices in a single-choice poll, the same twice, none, a stranger's.
    for options, expected in (
        ((white, cream), [("VALIDATION", "optionIds")]),
        ((grey, grey), [("VALIDATION", "optionIds")]),
        ((), [("VALIDATION", "optionIds")]),
        ((to_global_id("PollOption", 2_000_000_000),), [("VALIDATION", "optionIds.0")]),
    ):
        payload = vote(api, RESIDENT, p["id"], *options)["data"]["castBallot"]
        assert errors_of(payload) == expected, options
    # A digital villager reads and comments, but this poll is for residents.
    api.ok(FOLLOW, {"input": {"id": tianxing}}, as_=OTHER_RESIDENT)
    try:
        said = api.ok(
            COMMENT, {"input": {"discussionId": p["id"], "body": "米黄色好看"}}, as_=OTHER_RESIDENT
        )
        assert said["commentOnDiscussion"]["discussion"]["comments"]["totalCount"] == 1
        refused = vote(api, OTHER_RESIDENT, p["id"], white)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        members = poll(api, tianxing, voters="MEMBERS", multipleChoice=True)
        both = [o["id"] for o in members["options"][:2]]
        counted = vote(api, OTHER_RESIDENT, members["id"], *both)["data"]["castBallot"]
        assert counted["errors"] == []
        assert sorted(counted["discussion"]["viewerChoices"]) == sorted(both)
    finally:
        api.ok(UNFOLLOW, {"input": {"id": tianxing}}, as_=OTHER_RESIDENT)
    # Closed with its outcome: no more ballots or comments.
    closed = api.ok(CLOSE, {"input": {"id": p["id"], "outcome": "刷米黄色"}}, as_=VILLAGE)
    closed = closed["closeDiscussion"]["discussion"]
    assert closed["open"] is False and closed["outcome"] == "刷米黄色"
    late = vote(api, GRID, p["id"], white)["data"]["castBallot"]
    assert errors_of(late) == [("INVALID_TRANSITION", "discussionId")]
    late_comment = api.gql(COMMENT, {"input": {"discussionId": p["id"], "body": "晚了"}}, as_=GRID)
    assert errors_of(late_comment["data"]["commentOnDiscussion"]) == [
        ("INVALID_TRANSITION", "discussionId")
    ]
    again = api.gql(CLOSE, {"input": {"id": p["id"]}}, as_=VILLAGE)["data"]["closeDiscussion"]
    assert errors_of(again) == [("INVALID_TRANSITION", "id")]


def test_bad_polls_and_who_may_start_what(api: Api):
    tianxing = village_id(api, "天星村")
    base = {"villageId": tianxing, "kind": "POLL", "title": "投票"}
    for terms, expected in (
        ({"options": ["只有一个"], "closesAt": later()}, [("VALIDATION", "poll.options")]),
        ({"options": ["甲", "甲"], "closesAt": later()}, [("VALIDATION", "poll.options")]),
        ({"options": ["甲", "乙"], "closesAt": later(-1)}, [("VALIDATION", "poll.closesAt")]),
        ({"options": ["甲", " "], "closesAt": later()}, [("VALIDATION", "poll.options.1")]),
    ):
        payload = api.gql(
            START, {"input": {**base, "poll": {"voters": "RESIDENTS", **terms}}}, as_=VILLAGE
        )["data"]["startDiscussion"]
        assert errors_of(payload) == expected, terms
    no_poll = api.gql(START, {"input": base}, as_=VILLAGE)["data"]["startDiscussion"]
    assert errors_of(no_poll) == [("VALIDATION", "poll")]
    refused = api.gql(
        START,
        {
            "input": {
                **base,
                "poll": {"options": ["甲", "乙"], "closesAt": later(), "voters": "MEMBERS"},
            }
        },
        as_=RESIDENT,
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    topic = api.ok(
        START,
        {"input": {"villageId": tianxing, "kind": "TOPIC", "title": "修路的事大家说说"}},
        as_=RESIDENT,
    )["startDiscussion"]["discussion"]
    assert topic["kind"] == "TOPIC" and topic["options"] == [] and topic["open"]
    outsider = api.gql(
        START, {"input": {"villageId": tianxing, "kind": "TOPIC", "title": "x"}}, as_=OTHER_RESIDENT
    )["data"]["startDiscussion"]
    assert errors_of(outsider) == [("NOT_FOUND", "villageId")]
    seen = api.ok("query($id: ID!) { discussion(id: $id) { id } }", {"id": topic["id"]}, as_=GRID)
    assert seen == {"discussion": {"id": topic["id"]}}
    hidden = api.ok(
        "query($id: ID!) { discussion(id: $id) { id } }", {"id": topic["id"]}, as_=OTHER_RESIDENT
    )
    assert hidden == {"discussion": None}
    listed = api.ok(
        "query($v: ID!) { discussions(villageId: $v, kinds: [TOPIC]) { edges { node { id } } } }",
        {"v": tianxing},
        as_=TOWNSHIP,
    )["discussions"]["edges"]
    assert listed[0]["node"]["id"] == topic["id"]


def test_results_wait_for_the_close_when_the_author_says_so(api: Api):
    tianxing = village_id(api, "天星村")
    p = poll(api, tianxing, resultsLive=False)
    vote(api, RESIDENT, p["id"], p["options"][0]["id"])
    during = vote(api, GRID, p["id"], p["options"][0]["id"])["data"]["castBallot"]["discussion"]
    assert during["ballotCount"] is None and {o["votes"] for o in during["options"]} == {None}
    done = api.ok(CLOSE, {"input": {"id": p["id"]}}, as_=VILLAGE)["closeDiscussion"]["discussion"]
    assert done["ballotCount"] == 2 and [o["votes"] for o in done["options"]] == [2, 0, 0]


def test_the_tally_moves_live_on_a_second_screen(api: Api):
    tianxing = village_id(api, "天星村")
    p = poll(api, tianxing)
    white = p["options"][0]["id"]
    screen = LiveClient(api.server.url)
    try:
        assert screen.init(api.token(VILLAGE))["type"] == "connection_ack"
        screen.subscribe("d", UPDATED, {"id": p["id"], "after": None})
        voters = iter([RESIDENT, GRID, VILLAGE])

        def poke():
            vote(api, next(voters), p["id"], white)
            return lambda event: event["kind"] == "VOTED"

        first = screen.until_live(poke, "d")["d"]["payload"]["data"]["discussionUpdated"]
        assert first["discussion"]["options"][0]["votes"] >= 1
        vote(api, VILLAGE, p["id"], white)  # a new ballot, or a changed one: an event
        (event,) = screen.events("d", 1)
        assert event["kind"] == "VOTED" and event["discussion"]["ballotCount"] >= 2
        api.ok(CLOSE, {"input": {"id": p["id"], "outcome": "白色"}}, as_=VILLAGE)
        (closed,) = screen.events("d", 1)
        assert closed["kind"] == "CLOSED"
    finally:
        screen.close()
    outsider = LiveClient(api.server.url)
    try:
        outsider.init(api.token(OTHER_RESIDENT))
        outsider.subscribe("d", UPDATED, {"id": p["id"], "after": None})
        message = outsider.next("d")
        assert message["payload"][0]["extensions"]["code"] == "NOT_FOUND"
    finally:
        outsider.close()


def test_an_outsider_cannot_tell_an_existing_discussion_from_a_missing_one(api: Api):
    tianxing = village_id(api, "天星村")
    p = poll(api, tianxing)

    def answers(pk: str, option: str) -> list:
        out: list = [
            api.gql(
                "query($id: ID!) { discussion(id: $id) { id } }", {"id": pk}, as_=OTHER_RESIDENT
            ),
            api.gql("query($id: ID!) { node(id: $id) { id } }", {"id": pk}, as_=OTHER_RESIDENT),
        ]
        for document, fields in (
            (COMMENT, {"discussionId": pk, "body": "x"}),
            (VOTE, {"discussionId": pk, "optionIds": [option]}),
            (CLOSE, {"id": pk}),
        ):
            out.append(api.gql(document, {"input": fields}, as_=OTHER_RESIDENT))
        return out

    existing = answers(p["id"], p["options"][0]["id"])
    missing = answers(to_global_id("Discussion", 2_000_000_000), p["options"][0]["id"])
    assert existing == missing and existing[0] == {"data": {"discussion": None}}


PAGE = """query($v: ID!, $n: Int!) { discussions(villageId: $v, first: $n) { edges { node {
  id kind title open author { displayName } village { name } ballotCount viewerChoices
  viewerMayVote options { label votes } comments(first: 3) { edges { node { body
  author { displayName } } } }
} } } }"""


def test_a_page_of_discussions_costs_the_same_statements_whatever_its_size(
    api: Api, count_statements
):
    tianxing = village_id(api, "天星村")
    for n in range(6):
        p = poll(api, tianxing)
        vote(api, RESIDENT, p["id"], p["options"][n % 3]["id"])
        api.ok(COMMENT, {"input": {"discussionId": p["id"], "body": f"意见 {n}"}}, as_=GRID)
    token = api.token(VILLAGE)

    def statements(n: int) -> int:
        with count_statements() as counter:
            data = api.ok(PAGE, {"v": tianxing, "n": n}, token=token)
        assert len(data["discussions"]["edges"]) == n
        return counter.count

    small, large = statements(2), statements(6)
    assert small == large, f"{small} statements for 2 discussions but {large} for 6"
    print(f"discussions page: {large} SQL statements for 2 and for 6")


def test_discussion_spec_matches_in_python_what_it_selects_in_sql(api: Api):
    import asyncio

    from sqlalchemy import select

    from core.db import Database, create_engine
    from models.events import LogEntry
    from resolvers.discussions.live import DISCUSSIONS, DiscussionUpdates

    async def check() -> None:
        db = Database(create_engine(api.settings.database_url))
        try:
            entries = list(await db.all(select(LogEntry).where(LogEntry.topic == DISCUSSIONS.name)))
            subjects = await DISCUSSIONS.load(db, entries)
            assert entries
            for pk in sorted({e.subject_id for e in entries})[:10]:
                spec = DiscussionUpdates(pk)
                in_sql = set(
                    await db.all(
                        select(LogEntry.id)
                        .select_from(DISCUSSIONS.source())
                        .where(LogEntry.topic == DISCUSSIONS.name, spec.where())
                    )
                )
                assert in_sql == {e.id for e in entries if spec.matches(e, subjects[e.id])}
        finally:
            await db.engine.dispose()

    asyncio.run(check())
