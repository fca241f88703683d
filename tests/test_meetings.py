"""Decision meetings (议事会) through the real app: a meeting reaches quorum and records its
decision; who may attend, record attendance, vote and run it; every refusal a coded error
with nothing written; attendance, motions, tallies, minutes and the decision arriving live;
and a page of meetings costing the same statements whatever its size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.ids import to_global_id
from tests.conftest import ELDER, GRID, OTHER_RESIDENT, RESIDENT, TOWNSHIP, VILLAGE, Api
from tests.live_client import LiveClient
from tests.post_ops import FOLLOW, UNFOLLOW, errors_of, op, village_id

MEETING_FIELDS = """id kind title open outcome
  meeting { startsAt place onlineUrl quorum expected agenda attendeeCount quorumReached
    viewerAttending viewerMayCheckIn viewerRuns minutes
    minutesHistory { body author { displayName } }
    attendance { edges { node { attendee { displayName } recordedBy { displayName }
      selfCheckedIn } } }
    motions { id title open result votesFor votesAgainst abstentions ballotCount viewerChoice } }"""
ERRORS = "errors { code field message }"
DISCUSSION = f"discussion {{ {MEETING_FIELDS} }} {ERRORS}"
MOTION = (
    f"motion {{ id title open result votesFor votesAgainst abstentions ballotCount }} {DISCUSSION}"
)
START = op("startDiscussion", "StartDiscussionInput", DISCUSSION)
CHECK_IN = op(
    "checkInToMeeting",
    "CheckInToMeetingInput",
    f"attendance {{ attendee {{ displayName }} selfCheckedIn }} {DISCUSSION}",
)
OPEN_MOTION = op("openMotion", "OpenMotionInput", MOTION)
VOTE = op("voteOnMotion", "VoteOnMotionInput", MOTION)
CLOSE_MOTION = op("closeMotion", "CloseMotionInput", MOTION)
MINUTES = op("editMeetingMinutes", "EditMeetingMinutesInput", DISCUSSION)
CLOSE = op("closeDiscussion", "CloseDiscussionInput", DISCUSSION)
BALLOT = op("castBallot", "CastBallotInput", DISCUSSION)
TOTAL = "query($v: ID!) { discussions(villageId: $v, kinds: [MEETING]) { totalCount } }"


def soon(hours: float = 1) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def terms(**changes) -> dict:
    return {
        "startsAt": soon(),
        "place": "村委会议室",
        "agenda": ["院墙翻新", "路灯时间"],
        "attendees": "RESIDENTS",
        "quorum": 3,
        **changes,
    }


def convene(api: Api, village: str, **changes) -> dict:
    data = api.ok(
        START,
        {
            "input": {
                "villageId": village,
                "kind": "MEETING",
                "title": "十一月村民议事会",
                "meeting": terms(**changes),
            }
        },
        as_=VILLAGE,
    )
    return data["startDiscussion"]["discussion"]


def account_id(api: Api, phone: str) -> str:
    return api.ok("{ viewer { id } }", as_=phone)["viewer"]["id"]


def check_in(api: Api, phone: str, meeting: str, attendee: str | None = None) -> dict:
    fields = {"discussionId": meeting, "attendeeId": attendee}
    return api.gql(CHECK_IN, {"input": fields}, as_=phone)


def vote(api: Api, phone: str, motion: str, choice: str) -> dict:
    return api.gql(VOTE, {"input": {"motionId": motion, "choice": choice}}, as_=phone)


def motion_of(api: Api, meeting: str, title: str = "院墙刷米黄色") -> dict:
    data = api.ok(OPEN_MOTION, {"input": {"discussionId": meeting, "title": title}}, as_=VILLAGE)
    return data["openMotion"]["motion"]


def test_a_meeting_reaches_quorum_and_records_its_decision(api: Api):
    tianxing = village_id(api, "天星村")
    m = convene(api, tianxing)
    meeting = m["meeting"]
    assert m["kind"] == "MEETING" and m["open"]
    assert meeting["agenda"] == ["院墙翻新", "路灯时间"] and meeting["place"] == "村委会议室"
    assert meeting["quorum"] == 3 and meeting["expected"] == "RESIDENTS"
    assert meeting["attendeeCount"] == 0 and not meeting["quorumReached"]
    assert meeting["viewerRuns"] and meeting["viewerMayCheckIn"]

    here = check_in(api, RESIDENT, m["id"])["data"]["checkInToMeeting"]
    assert here["errors"] == [] and here["attendance"]["selfCheckedIn"]
    assert here["discussion"]["meeting"]["viewerAttending"]
    motion = motion_of(api, m["id"])
    assert motion["open"] and motion["result"] is None
    # Before the quorum: no vote.
    early = vote(api, RESIDENT, motion["id"], "FOR")["data"]["voteOnMotion"]
    assert errors_of(early) == [("INVALID_TRANSITION", "motionId")]
    assert "3" in early["errors"][0]["message"]

    check_in(api, GRID, m["id"])
    # The official records an elder present in person.
    elder = account_id(api, ELDER)
    recorded = api.ok(
        CHECK_IN, {"input": {"discussionId": m["id"], "attendeeId": elder}}, as_=VILLAGE
    )["checkInToMeeting"]
    assert recorded["attendance"]["selfCheckedIn"] is False
    state = recorded["discussion"]["meeting"]
    assert state["attendeeCount"] == 3 and state["quorumReached"]
    people = [e["node"] for e in state["attendance"]["edges"]]
    assert people[-1]["recordedBy"]["displayName"] != people[-1]["attendee"]["displayName"]
    assert all(p["selfCheckedIn"] for p in people[:2])

    vote(api, RESIDENT, motion["id"], "FOR")
    vote(api, GRID, motion["id"], "AGAINST")
    changed = vote(api, GRID, motion["id"], "FOR")["data"]["voteOnMotion"]["motion"]
    assert (changed["votesFor"], changed["votesAgainst"], changed["ballotCount"]) == (2, 0, 2)
    abstained = vote(api, ELDER, motion["id"], "ABSTAIN")["data"]["voteOnMotion"]["motion"]
    assert (abstained["abstentions"], abstained["ballotCount"]) == (1, 3)
    mine = api.ok(
        "query($id: ID!) { discussion(id: $id) { meeting { motions { viewerChoice } } } }",
        {"id": m["id"]},
        as_=GRID,
    )
    assert mine["discussion"]["meeting"]["motions"][0]["viewerChoice"] == "FOR"

    # A second motion, voted down.
    lights = motion_of(api, m["id"], "路灯十点关")
    vote(api, RESIDENT, lights["id"], "AGAINST")
    vote(api, GRID, lights["id"], "FOR")

    # Minutes, edited: every version stays.
    api.ok(MINUTES, {"input": {"discussionId": m["id"], "minutes": "到会三人。"}}, as_=VILLAGE)
    edited = api.ok(
        MINUTES,
        {"input": {"discussionId": m["id"], "minutes": "到会三人，议题两项。"}},
        as_=VILLAGE,
    )["editMeetingMinutes"]["discussion"]["meeting"]
    assert edited["minutes"] == "到会三人，议题两项。"
    assert [v["body"] for v in edited["minutesHistory"]] == ["到会三人。", "到会三人，议题两项。"]

    # Not closed while motions are open, nor without a decision.
    early_close = api.gql(CLOSE, {"input": {"id": m["id"], "outcome": "x"}}, as_=VILLAGE)
    assert errors_of(early_close["data"]["closeDiscussion"]) == [("INVALID_TRANSITION", "id")]
    passed = api.ok(CLOSE_MOTION, {"input": {"motionId": motion["id"]}}, as_=VILLAGE)
    assert passed["closeMotion"]["motion"]["result"] == "PASSED"
    failed = api.ok(CLOSE_MOTION, {"input": {"motionId": lights["id"]}}, as_=VILLAGE)
    assert failed["closeMotion"]["motion"]["result"] == "FAILED"  # a tie fails
    late = vote(api, RESIDENT, motion["id"], "AGAINST")["data"]["voteOnMotion"]
    assert errors_of(late) == [("INVALID_TRANSITION", "motionId")]
    again = api.gql(CLOSE_MOTION, {"input": {"motionId": motion["id"]}}, as_=VILLAGE)
    assert errors_of(again["data"]["closeMotion"]) == [("INVALID_TRANSITION", "motionId")]
    no_decision = api.gql(CLOSE, {"input": {"id": m["id"]}}, as_=VILLAGE)["data"]
    assert errors_of(no_decision["closeDiscussion"]) == [("VALIDATION", "outcome")]

    decided = api.ok(
        CLOSE, {"input": {"id": m["id"], "outcome": "院墙刷米黄色；路灯维持十一点。"}}, as_=VILLAGE
    )["closeDiscussion"]["discussion"]
    assert decided["open"] is False and decided["outcome"] == "院墙刷米黄色；路灯维持十一点。"
    assert [x["result"] for x in decided["meeting"]["motions"]] == ["PASSED", "FAILED"]
    assert decided["meeting"]["viewerMayCheckIn"] is False

    # Closed: no attending, motions or minutes any more.
    attend = check_in(api, OTHER_RESIDENT, m["id"])  # not even readable: NOT_FOUND
    assert errors_of(attend["data"]["checkInToMeeting"]) == [("NOT_FOUND", "discussionId")]
    for document, name, fields in (
        (CHECK_IN, "checkInToMeeting", {"discussionId": m["id"]}),
        (OPEN_MOTION, "openMotion", {"discussionId": m["id"], "title": "再议"}),
        (MINUTES, "editMeetingMinutes", {"discussionId": m["id"], "minutes": "补记"}),
    ):
        refused = api.gql(document, {"input": fields}, as_=VILLAGE)["data"][name]
        assert errors_of(refused) == [("INVALID_TRANSITION", "discussionId")], name
    after = api.ok(
        "query($id: ID!) { discussion(id: $id) { meeting { attendeeCount minutes } } }",
        {"id": m["id"]},
        as_=RESIDENT,
    )["discussion"]["meeting"]
    assert after == {"attendeeCount": 3, "minutes": "到会三人，议题两项。"}


def test_bad_meetings_are_coded_errors_and_write_nothing(api: Api):
    tianxing = village_id(api, "天星村")
    before = api.ok(TOTAL, {"v": tianxing}, as_=VILLAGE)["discussions"]["totalCount"]
    base = {"villageId": tianxing, "kind": "MEETING", "title": "议事会"}
    for meeting, expected in (
        (terms(startsAt=None), [("VALIDATION", "meeting.startsAt")]),
        (terms(agenda=None), [("VALIDATION", "meeting.agenda")]),
        (terms(agenda=[]), [("VALIDATION", "meeting.agenda")]),
        (terms(agenda=["甲", " "]), [("VALIDATION", "meeting.agenda.1")]),
        (terms(agenda=[f"第{n}项" for n in range(31)]), [("VALIDATION", "meeting.agenda")]),
        (terms(place=None), [("VALIDATION", "meeting.place")]),
        (terms(place=None, onlineUrl="ftp://x"), [("VALIDATION", "meeting.onlineUrl")]),
        (terms(quorum=0), [("VALIDATION", "meeting.quorum")]),
        (
            terms(startsAt=None, agenda=[], quorum=-1),
            [
                ("VALIDATION", "meeting.agenda"),
                ("VALIDATION", "meeting.quorum"),
                ("VALIDATION", "meeting.startsAt"),
            ],
        ),
    ):
        payload = api.gql(START, {"input": {**base, "meeting": meeting}}, as_=VILLAGE)
        assert errors_of(payload["data"]["startDiscussion"]) == expected, meeting
    missing = api.gql(START, {"input": base}, as_=VILLAGE)["data"]["startDiscussion"]
    assert errors_of(missing) == [("VALIDATION", "meeting")]
    topic = {**base, "kind": "TOPIC", "meeting": terms()}
    wrong_kind = api.gql(START, {"input": topic}, as_=VILLAGE)["data"]["startDiscussion"]
    assert errors_of(wrong_kind) == [("VALIDATION", "meeting")]
    # Residents do not convene meetings.
    refused = api.gql(START, {"input": {**base, "meeting": terms()}}, as_=RESIDENT)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    after = api.ok(TOTAL, {"v": tianxing}, as_=VILLAGE)["discussions"]["totalCount"]
    assert after == before
    online = convene(api, tianxing, place=None, onlineUrl="https://meet.example/tx")
    assert online["meeting"]["onlineUrl"] == "https://meet.example/tx"
    assert online["meeting"]["place"] is None


def test_who_may_attend_vote_and_run_a_meeting(api: Api):
    tianxing = village_id(api, "天星村")
    m = convene(api, tianxing, quorum=1)
    motion = motion_of(api, m["id"])
    # Voting without attending: an expected attendee must check in first.
    absent = vote(api, VILLAGE, motion["id"], "FOR")["data"]["voteOnMotion"]
    assert errors_of(absent) == [("INVALID_TRANSITION", "motionId")]
    # A township official reads and runs it, but is not a resident: no attending, no vote.
    assert check_in(api, TOWNSHIP, m["id"])["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert vote(api, TOWNSHIP, motion["id"], "FOR")["errors"][0]["extensions"]["code"] == (
        "FORBIDDEN"
    )
    # Residents attend but do not run it.
    assert errors_of(check_in(api, RESIDENT, m["id"])["data"]["checkInToMeeting"]) == []
    twice = check_in(api, RESIDENT, m["id"])["data"]["checkInToMeeting"]
    assert errors_of(twice) == [("CONFLICT", "discussionId")]
    recorded_twice = check_in(api, VILLAGE, m["id"], account_id(api, RESIDENT))
    assert errors_of(recorded_twice["data"]["checkInToMeeting"]) == [("CONFLICT", "attendeeId")]
    for document, fields in (
        (CHECK_IN, {"discussionId": m["id"], "attendeeId": account_id(api, GRID)}),
        (OPEN_MOTION, {"discussionId": m["id"], "title": "我提一个"}),
        (CLOSE_MOTION, {"motionId": motion["id"]}),
        (MINUTES, {"discussionId": m["id"], "minutes": "我来记"}),
        (CLOSE, {"id": m["id"], "outcome": "散会"}),
    ):
        refused = api.gql(document, {"input": fields}, as_=RESIDENT)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", document
    # A digital villager who follows the village reads it, but is no resident.
    outsider = account_id(api, OTHER_RESIDENT)
    api.ok(FOLLOW, {"input": {"id": tianxing}}, as_=OTHER_RESIDENT)
    try:
        follower = check_in(api, OTHER_RESIDENT, m["id"])
        assert follower["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert follower["errors"][0]["message"]
        not_entitled = check_in(api, VILLAGE, m["id"], outsider)["data"]["checkInToMeeting"]
        assert errors_of(not_entitled) == [("VALIDATION", "attendeeId")]
        nobody = check_in(api, VILLAGE, m["id"], to_global_id("Account", 2_000_000_000))
        assert nobody["data"]["checkInToMeeting"]["errors"] == not_entitled["errors"]
        no_vote = vote(api, OTHER_RESIDENT, motion["id"], "FOR")
        assert no_vote["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        # A meeting of all the village's members: followers attend and vote.
        open_to_all = convene(api, tianxing, attendees="MEMBERS", quorum=1)
        question = motion_of(api, open_to_all["id"])
        check_in(api, VILLAGE, open_to_all["id"], outsider)
        counted = vote(api, OTHER_RESIDENT, question["id"], "FOR")["data"]["voteOnMotion"]
        assert counted["errors"] == [] and counted["motion"]["votesFor"] == 1
    finally:
        api.ok(UNFOLLOW, {"input": {"id": tianxing}}, as_=OTHER_RESIDENT)
    # An outsider cannot tell the meeting or its motion from missing ones.
    hidden = vote(api, OTHER_RESIDENT, motion["id"], "FOR")["data"]["voteOnMotion"]
    missing = vote(api, OTHER_RESIDENT, to_global_id("Motion", 2_000_000_000), "FOR")
    assert hidden == missing["data"]["voteOnMotion"]
    assert errors_of(hidden) == [("NOT_FOUND", "motionId")]
    # Meetings and polls are not each other.
    poll_ballot = api.gql(
        BALLOT, {"input": {"discussionId": m["id"], "optionIds": []}}, as_=RESIDENT
    )["data"]["castBallot"]
    assert errors_of(poll_ballot) == [("VALIDATION", "discussionId")]
    topic = api.ok(
        START,
        {"input": {"villageId": tianxing, "kind": "TOPIC", "title": "随便聊聊"}},
        as_=RESIDENT,
    )["startDiscussion"]["discussion"]
    assert topic["meeting"] is None
    not_meeting = check_in(api, RESIDENT, topic["id"])["data"]["checkInToMeeting"]
    assert errors_of(not_meeting) == [("VALIDATION", "discussionId")]


UPDATED = """subscription($id: ID!, $after: String) { discussionUpdated(id: $id, after: $after) {
  cursor kind motion { title open result votesFor votesAgainst }
  discussion { open outcome meeting { attendeeCount quorumReached minutes } } } }"""


def test_a_meeting_unfolds_live_on_a_second_screen(api: Api):
    tianxing = village_id(api, "天星村")
    m = convene(api, tianxing, quorum=1)
    screen = LiveClient(api.server.url)
    try:
        assert screen.init(api.token(GRID))["type"] == "connection_ack"
        screen.subscribe("m", UPDATED, {"id": m["id"], "after": None})
        people = iter([RESIDENT, ELDER, GRID, VILLAGE])

        def poke():
            check_in(api, next(people), m["id"])
            return lambda event: event["kind"] == "ATTENDED"

        first = screen.until_live(poke, "m")["m"]["payload"]["data"]["discussionUpdated"]
        present = first["discussion"]["meeting"]["attendeeCount"]
        assert present >= 1 and first["discussion"]["meeting"]["quorumReached"]
        motion = motion_of(api, m["id"], "修村道")
        (opened,) = screen.events("m", 1)
        assert opened["kind"] == "MOTION_OPENED" and opened["motion"]["title"] == "修村道"
        vote(api, RESIDENT, motion["id"], "FOR")  # the first to check in
        (voted,) = screen.events("m", 1)
        assert voted["kind"] == "MOTION_VOTED" and voted["motion"]["votesFor"] == 1
        api.ok(CLOSE_MOTION, {"input": {"motionId": motion["id"]}}, as_=VILLAGE)
        (closed,) = screen.events("m", 1)
        assert closed["kind"] == "MOTION_CLOSED" and closed["motion"]["result"] == "PASSED"
        api.ok(MINUTES, {"input": {"discussionId": m["id"], "minutes": "通过修村道"}}, as_=VILLAGE)
        (minutes,) = screen.events("m", 1)
        assert minutes["kind"] == "MINUTES_EDITED" and minutes["motion"] is None
        assert minutes["discussion"]["meeting"]["minutes"] == "通过修村道"
        api.ok(CLOSE, {"input": {"id": m["id"], "outcome": "修村道"}}, as_=VILLAGE)
        (decided,) = screen.events("m", 1)
        assert decided["kind"] == "CLOSED" and decided["discussion"]["outcome"] == "修村道"
        # Resuming from the first event replays the rest, in order.
        replay = LiveClient(api.server.url)
        try:
            replay.init(api.token(RESIDENT))
            replay.subscribe("r", UPDATED, {"id": m["id"], "after": opened["cursor"]})
            kinds = [e["kind"] for e in replay.events("r", 4)]
            assert kinds == ["MOTION_VOTED", "MOTION_CLOSED", "MINUTES_EDITED", "CLOSED"]
        finally:
            replay.close()
    finally:
        screen.close()
    outsider = LiveClient(api.server.url)
    try:
        outsider.init(api.token(OTHER_RESIDENT))
        outsider.subscribe("m", UPDATED, {"id": m["id"], "after": None})
        message = outsider.next("m")
        assert message["payload"][0]["extensions"]["code"] == "NOT_FOUND"
    finally:
        outsider.close()


PAGE = """query($v: ID!, $n: Int!) { discussions(villageId: $v, kinds: [MEETING], first: $n) {
  edges { node { id title open outcome author { displayName }
    meeting { startsAt place quorum expected agenda attendeeCount quorumReached viewerAttending
      viewerMayCheckIn minutes minutesHistory { body at author { displayName } }
      attendance(first: 5) { edges { node { at attendee { displayName }
        recordedBy { displayName } } } }
      motions { title open result votesFor votesAgainst abstentions ballotCount viewerChoice
        openedBy { displayName } } } } } } }"""


def test_a_page_of_meetings_costs_the_same_statements_whatever_its_size(api: Api, count_statements):
    tianxing = village_id(api, "天星村")
    for n in range(6):
        m = convene(api, tianxing, quorum=1)
        check_in(api, RESIDENT, m["id"])
        check_in(api, VILLAGE, m["id"], account_id(api, GRID))
        motion = motion_of(api, m["id"], f"议题 {n}")
        vote(api, RESIDENT, motion["id"], "FOR")
        api.ok(MINUTES, {"input": {"discussionId": m["id"], "minutes": f"纪要 {n}"}}, as_=VILLAGE)
    token = api.token(RESIDENT)

    def statements(n: int) -> int:
        with count_statements() as counter:
            data = api.ok(PAGE, {"v": tianxing, "n": n}, token=token)
        edges = data["discussions"]["edges"]
        assert len(edges) == n and all(e["node"]["meeting"]["motions"] for e in edges)
        return counter.count

    small, large = statements(2), statements(6)
    assert small == large, f"{small} statements for 2 meetings but {large} for 6"
    print(f"meetings page: {large} SQL statements for 2 and for 6")


def test_the_demo_village_has_a_past_meeting_with_minutes_and_its_decision(api: Api):
    tianxing = village_id(api, "天星村")
    edges = api.ok(
        "query($v: ID!) { discussions(villageId: $v, kinds: [MEETING], first: 100) { edges {"
        f" node {{ {MEETING_FIELDS} }} }} }} }}",
        {"v": tianxing},
        as_=RESIDENT,
    )["discussions"]["edges"]
    (past,) = [e["node"] for e in edges if e["node"]["title"].startswith("十月村民议事会")]
    meeting = past["meeting"]
    assert past["open"] is False and "村道硬化" in past["outcome"]
    assert meeting["quorumReached"] and meeting["attendeeCount"] == 4
    assert meeting["viewerAttending"] and len(meeting["minutesHistory"]) == 2
    assert meeting["minutes"] == meeting["minutesHistory"][-1]["body"]
    results = [(x["result"], x["votesFor"], x["ballotCount"]) for x in meeting["motions"]]
    assert results == [("PASSED", 3, 4), ("FAILED", 1, 4)]


def test_concurrent_check_ins_of_one_account_write_one_row(api: Api):
    from concurrent.futures import ThreadPoolExecutor

    tianxing = village_id(api, "天星村")
    m = convene(api, tianxing)
    token = api.token(RESIDENT)
    variables = {"input": {"discussionId": m["id"]}}
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: api.gql(CHECK_IN, variables, token=token), range(6)))
    payloads = [a["data"]["checkInToMeeting"] for a in answers]
    won = [p for p in payloads if p and p["errors"] == []]
    lost = [errors_of(p) for p in payloads if p and p["errors"]]
    assert len(won) == 1, answers
    # Every loser is told why: the row was there (PostgreSQL locks the meeting), or on
    # SQLite a writer that could not wait for the lock rolled back (core.db.is_contention).
    assert len(lost) == 5, answers
    assert all(e in ([("CONFLICT", "discussionId")], [("CONFLICT", None)]) for e in lost), answers
    count = api.ok(
        "query($id: ID!) { discussion(id: $id) { meeting { attendeeCount } } }",
        {"id": m["id"]},
        as_=VILLAGE,
    )
    assert count["discussion"]["meeting"]["attendeeCount"] == 1


def test_an_outsider_cannot_tell_a_meeting_from_a_missing_one(api: Api):
    tianxing = village_id(api, "天星村")
    m = convene(api, tianxing)
    motion = motion_of(api, m["id"])

    def answers(meeting: str, motion_id: str) -> list:
        out = []
        for document, fields in (
            (CHECK_IN, {"discussionId": meeting}),
            (OPEN_MOTION, {"discussionId": meeting, "title": "x"}),
            (MINUTES, {"discussionId": meeting, "minutes": "x"}),
            (VOTE, {"motionId": motion_id, "choice": "FOR"}),
            (CLOSE_MOTION, {"motionId": motion_id}),
            (CLOSE, {"id": meeting, "outcome": "x"}),
        ):
            out.append(api.gql(document, {"input": fields}, as_=OTHER_RESIDENT))
        return out

    existing = answers(m["id"], motion["id"])
    missing = answers(
        to_global_id("Discussion", 2_000_000_000), to_global_id("Motion", 2_000_000_000)
    )
    assert existing == missing
    assert all(next(iter(a["data"].values()))["errors"][0]["code"] == "NOT_FOUND" for a in existing)
