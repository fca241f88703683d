"""Messages through a deputy's QR code: a citizen without an account leaves one, the deputy
answers, turns another into an issue the township resolves, and the senders follow up."""

from __future__ import annotations

import asyncio
import io
import random
import uuid
from dataclasses import replace
from urllib.parse import urlsplit

import httpx
import zxingcpp
from PIL import Image
from sqlalchemy import select

from core.db import Database, create_engine
from core.identity import ANONYMOUS, Grant, Viewer
from core.ids import to_global_id
from models.accounts import Account, Role
from models.deputies import Deputy, DeputyMessage, MessageStatus
from models.events import LogEntry
from models.regions import Region
from resolvers.deputies import policy
from resolvers.deputies.live import MESSAGES, Inbox
from server import create_app
from tests.conftest import (
    DEPUTY,
    OTHER_RESIDENT,
    RESIDENT,
    TOWNSHIP,
    VILLAGE,
    Api,
    ServerThread,
)
from tests.issue_ops import ACCEPT, RESOLVE, act, ok
from tests.live_client import LiveClient
from tests.test_deputies import REGISTER, ROTATE, new_resident
from tests.test_graphiql import Browser, browser  # noqa: F401  (the Chromium fixture)

MESSAGE = """id body status senderName senderPhone createdAt firstRepliedAt followUpDue
  answered resolved replies { body at } history { kind note } issue { id status title }
  deputy { name }"""
LEAVE = f"""mutation($input: LeaveDeputyMessageInput!) {{ leaveDeputyMessage(input: $input) {{
  message {{ {MESSAGE} }} receipt errors {{ code field message }} }} }}"""
READ = f"""query($id: ID!, $r: String) {{ deputyMessage(id: $id, receipt: $r) {{ {MESSAGE} }} }}"""


def op(name: str, input_type: str) -> str:
    return (
        f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ message {{ {MESSAGE} }} "
        f"errors {{ code field message }} }} }}"
    )


MARK_READ = op("markDeputyMessageRead", "MarkDeputyMessageReadInput")
REPLY = op("replyToDeputyMessage", "ReplyToDeputyMessageInput")
TURN = op("turnDeputyMessageIntoIssue", "TurnDeputyMessageIntoIssueInput")
CLOSE = op("closeDeputyMessage", "CloseDeputyMessageInput")
FOLLOW_UP = op("answerDeputyFollowUp", "AnswerDeputyFollowUpInput")
INBOX = f"""query($id: ID!, $s: [MessageStatus!], $n: Int) {{ deputy(id: $id) {{
  inboxCounts {{ status count }}
  inbox(statuses: $s, first: $n) {{ totalCount edges {{ node {{ {MESSAGE} }} }} }} }} }}"""
CODE = "query($id: ID!) { deputy(id: $id) { id code { token link pngUrl } } }"
MY_DEPUTY = """{ deputies(filter: {congressLevels: [TOWNSHIP]}, first: 100) {
  edges { node { id isViewer } } } }"""


def own_deputy(api: Api) -> tuple[str, str]:
    """A deputy of the test's own, in the demo township: phone and deputy ID."""
    phone, account_id = new_resident(api)
    deputy = api.ok(
        REGISTER,
        {
            "input": {
                "accountId": account_id,
                "name": "留言代表",
                "congressLevel": "TOWNSHIP",
                "constituencyId": api.region_of(TOWNSHIP),
                "termStart": "2022-01-01",
                "termEnd": "2027-12-31",
            }
        },
        as_=TOWNSHIP,
    )["registerDeputy"]["deputy"]
    return phone, deputy["id"]


def scan(api: Api, deputy_phone: str, deputy_id: str) -> str:
    """The token a citizen's phone reads from the deputy's printed code (the PNG decoded)."""
    code = api.ok(CODE, {"id": deputy_id}, as_=deputy_phone)["deputy"]["code"]
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(httpx.get(code["pngUrl"]).content)))
    assert found.text == code["link"]
    return urlsplit(found.text).path.rsplit("/", 1)[1]


def leave(api: Api, token: str, body: str = "村口路灯坏了一个月", *, as_=None, source=None, **more):
    headers = {"x-forwarded-for": source} if source else {}
    response = api.http.post(
        "/graphql",
        json={"query": LEAVE, "variables": {"input": {"token": token, "body": body, **more}}},
        headers={
            **headers,
            **({"authorization": f"Bearer {api.token(as_)}"} if as_ else {}),
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["leaveDeputyMessage"]


def errors(payload: dict) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


def test_a_citizen_scans_leaves_a_message_and_the_deputy_answers(api: Api):
    deputy_id = next(
        e["node"]["id"]
        for e in api.ok(MY_DEPUTY, as_=DEPUTY)["deputies"]["edges"]
        if e["node"]["isViewer"]
    )
    token = scan(api, DEPUTY, deputy_id)
    # Who the code belongs to, without an account.
    assert api.ok("query($t: String!) { deputyByCode(token: $t) { name } }", {"t": token}) == {
        "deputyByCode": {"name": "曹新生"}
    }
    left = leave(api, token, "冬天暖气不热，老人受冻", name="张大妈", phone="13912345678")
    assert left["errors"] == [] and left["receipt"]
    message = left["message"]
    assert message["status"] == "NEW" and message["deputy"] == {"name": "曹新生"}
    assert message["history"] == [{"kind": "RECEIVED", "note": None}]
    # The deputy sees it, with the name and phone given.
    inbox = api.ok(INBOX, {"id": deputy_id, "s": ["NEW"], "n": 100}, as_=DEPUTY)["deputy"]
    mine = [e["node"] for e in inbox["inbox"]["edges"] if e["node"]["id"] == message["id"]]
    assert mine and mine[0]["senderName"] == "张大妈" and mine[0]["senderPhone"] == "13912345678"
    api.ok(MARK_READ, {"input": {"id": message["id"]}}, as_=DEPUTY)
    replied = api.ok(
        REPLY, {"input": {"id": message["id"], "body": "已联系供热站，两小时内上门"}}, as_=DEPUTY
    )["replyToDeputyMessage"]["message"]
    assert replied["status"] == "REPLIED" and replied["firstRepliedAt"]
    # The sender, with the receipt, sees the reply and is asked the follow-up.
    seen = api.ok(READ, {"id": message["id"], "r": left["receipt"]})["deputyMessage"]
    assert seen["replies"] == [
        {"body": "已联系供热站，两小时内上门", "at": seen["replies"][0]["at"]}
    ]
    assert seen["followUpDue"] is True
    assert api.ok(READ, {"id": message["id"]}) == {"deputyMessage": None}  # no receipt
    assert api.ok(READ, {"id": message["id"], "r": "wrong"}) == {"deputyMessage": None}
    by_receipt = {"id": message["id"], "receipt": left["receipt"]}
    answered = api.ok(
        FOLLOW_UP,
        {"input": {**by_receipt, "answered": True, "resolved": True}},
    )["answerDeputyFollowUp"]["message"]
    assert (answered["answered"], answered["resolved"], answered["followUpDue"]) == (
        True,
        True,
        False,
    )
    again = api.gql(
        FOLLOW_UP,
        {"input": {**by_receipt, "answered": False, "resolved": False}},
    )["data"]["answerDeputyFollowUp"]
    assert errors(again) == [("INVALID_TRANSITION", None)]
    # The deputy does not answer for the sender.
    body = api.gql(
        FOLLOW_UP, {"input": {"id": message["id"], "answered": True, "resolved": True}}, as_=DEPUTY
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_message_turned_into_an_issue_follows_the_lifecycle(api: Api):
    deputy_phone, deputy_id = own_deputy(api)
    token = scan(api, deputy_phone, deputy_id)
    left = leave(api, token, "村道塌方，车过不去", as_=RESIDENT)
    message_id = left["message"]["id"]
    village = api.region_of(VILLAGE)
    turn = {
        "id": message_id,
        "regionId": village,
        "category": "ROADS",
        "title": "村道塌方",
    }
    # Outside the constituency, or not a village or courtyard: VALIDATION at regionId.
    for region in (api.region_of(OTHER_RESIDENT), api.region_of(TOWNSHIP)):
        bad = api.gql(TURN, {"input": {**turn, "regionId": region}}, as_=deputy_phone)
        assert errors(bad["data"]["turnDeputyMessageIntoIssue"]) == [("VALIDATION", "regionId")]
    # Someone else's inbox: as if the message did not exist.
    for phone in (DEPUTY, TOWNSHIP):
        other = api.gql(TURN, {"input": turn}, as_=phone)["data"]["turnDeputyMessageIntoIssue"]
        assert errors(other) == [("NOT_FOUND", "id")], phone
    turned = api.ok(TURN, {"input": turn}, as_=deputy_phone)["turnDeputyMessageIntoIssue"]
    issue = turned["message"]["issue"]
    assert turned["message"]["status"] == "TURNED_INTO_ISSUE"
    assert issue["status"] == "SUBMITTED" and issue["title"] == "村道塌方"
    # The sender is its reporter; the township takes it through the normal lifecycle.
    data = api.ok(
        "query($id: ID!) { issue(id: $id) { reporter { displayName } channel description "
        "filedBy { displayName } } }",
        {"id": issue["id"]},
        as_=RESIDENT,
    )["issue"]
    assert data["channel"] == "QR_CODE" and data["description"] == "村道塌方，车过不去"
    assert data["filedBy"] == {"displayName": "测试代表"}
    ok(act(api, ACCEPT, TOWNSHIP, issue["id"]))
    ok(act(api, RESOLVE, TOWNSHIP, issue["id"], note="已抢修通车", photos=1))
    seen = api.ok(READ, {"id": message_id}, as_=RESIDENT)["deputyMessage"]
    assert seen["issue"]["status"] == "RESOLVED" and seen["followUpDue"] is True
    api.ok(
        FOLLOW_UP,
        {"input": {"id": message_id, "answered": True, "resolved": True}},
        as_=RESIDENT,
    )
    # A message turned into an issue is not turned again; closing still works.
    again = api.gql(TURN, {"input": turn}, as_=deputy_phone)["data"]["turnDeputyMessageIntoIssue"]
    assert errors(again) == [("INVALID_TRANSITION", None)]
    closed = api.ok(CLOSE, {"input": {"id": message_id}}, as_=deputy_phone)
    assert closed["closeDeputyMessage"]["message"]["status"] == "CLOSED"
    sent = api.ok("{ sentDeputyMessages(first: 100) { edges { node { id } } } }", as_=RESIDENT)
    assert message_id in [e["node"]["id"] for e in sent["sentDeputyMessages"]["edges"]]


def test_bad_messages_get_coded_errors_and_write_nothing(api: Api):
    deputy_phone, deputy_id = own_deputy(api)
    token = scan(api, deputy_phone, deputy_id)
    limit = api.settings.deputy_message_max_chars
    assert errors(leave(api, token, "")) == [("VALIDATION", "body")]
    assert errors(leave(api, token, "   ")) == [("VALIDATION", "body")]
    assert errors(leave(api, token, "长" * (limit + 1))) == [("VALIDATION", "body")]
    assert errors(leave(api, token, "好", phone="12")) == [("VALIDATION", "phone")]
    assert errors(leave(api, "no-such-token")) == [("NOT_FOUND", "token")]
    assert leave(api, token, "长" * limit)["errors"] == []  # the limit itself is fine
    api.ok(ROTATE, {"input": {"id": deputy_id}}, as_=deputy_phone)
    rotated = leave(api, token)
    assert errors(rotated) == [("NOT_FOUND", "token")]
    assert "已更换" in rotated["errors"][0]["message"]
    counts = api.ok(INBOX, {"id": deputy_id}, as_=deputy_phone)["deputy"]["inboxCounts"]
    assert counts == [{"status": "NEW", "count": 1}]  # only the one good message
    # The inbox is the deputy's alone.
    for phone in (RESIDENT, TOWNSHIP, DEPUTY):
        body = api.gql(INBOX, {"id": deputy_id}, as_=phone)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", phone
        assert body["data"]["deputy"]["inboxCounts"] is None
    reply = api.gql(
        REPLY, {"input": {"id": to_global_id("DeputyMessage", 1), "body": ""}}, as_=deputy_phone
    )
    assert errors(reply["data"]["replyToDeputyMessage"]) == [("VALIDATION", "body")]


def test_messages_are_throttled_per_source(api: Api):
    settings = replace(api.settings, demo_data=False, deputy_messages_per_hour=2)
    with ServerThread(create_app(settings)) as server:
        other = api.on(server.url)
        deputy_phone, deputy_id = own_deputy(other)
        token = scan(other, deputy_phone, deputy_id)
        source = f"198.51.100.{random.randrange(1, 250)}"
        assert leave(other, token, "一", source=source)["errors"] == []
        assert leave(other, token, "二", source=source)["errors"] == []
        refused = leave(other, token, "三", source=source)
        assert errors(refused) == [("RATE_LIMITED", None)]
        assert (
            leave(other, token, "四", source=f"203.0.113.{random.randrange(1, 250)}")["errors"]
            == []
        )
        counts = other.ok(INBOX, {"id": deputy_id}, as_=deputy_phone)["deputy"]["inboxCounts"]
        assert counts == [{"status": "NEW", "count": 3}]


def test_an_outsider_cannot_tell_an_existing_message_from_a_missing_one(api: Api):
    deputy_phone, deputy_id = own_deputy(api)
    token = scan(api, deputy_phone, deputy_id)
    message_id = leave(api, token, as_=RESIDENT)["message"]["id"]

    def answers(pk: str) -> list:
        out = [
            api.gql(READ, {"id": pk}, as_=OTHER_RESIDENT),
            api.gql("query($id: ID!) { node(id: $id) { id } }", {"id": pk}, as_=OTHER_RESIDENT),
        ]
        for document, extra in (
            (MARK_READ, {}),
            (REPLY, {"body": "回复"}),
            (CLOSE, {}),
            (TURN, {"regionId": api.region_of(VILLAGE), "category": "ROADS", "title": "x"}),
            (FOLLOW_UP, {"answered": True, "resolved": True}),
        ):
            out.append(api.gql(document, {"input": {"id": pk, **extra}}, as_=OTHER_RESIDENT))
        return out

    existing = answers(message_id)
    assert existing == answers(to_global_id("DeputyMessage", 2_000_000_000))
    assert existing[0] == {"data": {"deputyMessage": None}}
    for body in existing[2:]:
        (payload,) = body["data"].values()
        assert errors(payload) == [("NOT_FOUND", "id")]


def test_inbox_statement_count_does_not_grow_with_page_size(api: Api, count_statements):
    deputy_phone, deputy_id = own_deputy(api)
    token = scan(api, deputy_phone, deputy_id)
    for n in range(6):
        left = leave(api, token, f"留言{n}", as_=RESIDENT)
        api.ok(REPLY, {"input": {"id": left["message"]["id"], "body": "收到"}}, as_=deputy_phone)
    auth = api.token(deputy_phone)

    def statements(n: int) -> int:
        with count_statements() as counter:
            data = api.ok(INBOX, {"id": deputy_id, "n": n}, token=auth)
        assert len(data["deputy"]["inbox"]["edges"]) == n
        return counter.count

    small, large = statements(2), statements(6)
    assert small == large, f"{small} statements for 2 messages but {large} for 6"
    assert large <= 10, large


def test_can_read_message_and_visible_messages_agree(api: Api):
    async def check() -> None:
        db = Database(create_engine(api.settings.database_url))
        try:
            rng = random.Random(10)
            tag = uuid.uuid4().hex[:12]
            accounts = list(await db.all(select(Account)))
            regions = list(await db.all(select(Region)))
            deputies = list(await db.all(select(Deputy)))
            rows = []
            async with db.transaction() as session:
                for _ in range(60):
                    deputy = rng.choice(deputies)
                    row = DeputyMessage(
                        deputy_id=deputy.id,
                        deputy_account_id=rng.choice([deputy.account_id, rng.choice(accounts).id]),
                        region_path=deputy.region_path,
                        sender_id=rng.choice([None, rng.choice(accounts).id]),
                        receipt_hash=uuid.uuid4().hex + uuid.uuid4().hex,
                        body=tag,
                        status=rng.choice(list(MessageStatus)),
                    )
                    session.add(row)
                    rows.append(row)
            viewers: list[Viewer] = [ANONYMOUS]
            for _ in range(40):
                grants = [
                    Grant(rng.choice(list(Role)), r.id, r.path, r.level)
                    for r in rng.sample(regions, rng.randint(0, 2))
                ]
                viewers.append(Viewer(account=rng.choice(accounts), grants=grants))
            kinds = set()
            for viewer in viewers:
                in_sql = set(
                    await db.all(
                        select(DeputyMessage.id).where(
                            policy.visible_messages(viewer), DeputyMessage.body == tag
                        )
                    )
                )
                in_python = {r.id for r in rows if policy.can_read_message(viewer, r)}
                assert in_sql == in_python, (viewer.id, viewer.grants)
                kinds.add(bool(in_python))
            assert kinds == {True, False}
        finally:
            await db.engine.dispose()

    asyncio.run(check())


INBOX_UPDATED = """subscription($d: ID!, $after: String) { deputyInboxUpdated(deputyId: $d,
  after: $after) { id cursor kind note message { id body status } } }"""


def test_the_deputys_open_app_sees_messages_arrive(api: Api):
    deputy_phone, deputy_id = own_deputy(api)
    token = scan(api, deputy_phone, deputy_id)
    client = LiveClient(api.server.url)
    try:
        client.init(api.token(deputy_phone))
        client.subscribe("inbox", INBOX_UPDATED, {"d": deputy_id})

        def poke():
            body = f"来信{uuid.uuid4().hex[:6]}"
            leave(api, token, body)
            return lambda data: data["message"]["body"] == body

        arrived = client.until_live(poke, "inbox")["inbox"]["payload"]["data"]
        first = arrived["deputyInboxUpdated"]
        assert first["kind"] == "RECEIVED" and first["message"]["status"] == "NEW"
        api.ok(REPLY, {"input": {"id": first["message"]["id"], "body": "收到"}}, as_=deputy_phone)
        (replied,) = client.events("inbox", 1)
        assert replied["kind"] == "REPLIED" and replied["note"] == "收到"
        assert replied["message"]["status"] == "REPLIED"
    finally:
        client.close()
    # Resuming after the message's arrival replays the reply, and nothing before it.
    again = LiveClient(api.server.url)
    try:
        again.init(api.token(deputy_phone))
        again.subscribe("inbox", INBOX_UPDATED, {"d": deputy_id, "after": first["cursor"]})
        (replayed,) = again.events("inbox", 1)
        assert replayed == replied
        assert again.nothing_for(0.3)
    finally:
        again.close()
    # Nobody else watches it: FORBIDDEN to others, NOT_FOUND for a deputy that is not there.
    for phone, deputy, code in (
        (DEPUTY, deputy_id, "FORBIDDEN"),
        (TOWNSHIP, deputy_id, "FORBIDDEN"),
        (deputy_phone, to_global_id("Deputy", 2_000_000_000), "NOT_FOUND"),
    ):
        other = LiveClient(api.server.url)
        try:
            other.init(api.token(phone))
            other.subscribe("s", INBOX_UPDATED, {"d": deputy})
            message = other.next("s")
            assert message["type"] == "error", message
            assert message["payload"][0]["extensions"]["code"] == code, (phone, message)
        finally:
            other.close()


def test_inbox_spec_matches_in_python_what_it_selects_in_sql(api: Api):
    async def check() -> None:
        db = Database(create_engine(api.settings.database_url))
        try:
            entries = list(await db.all(select(LogEntry).where(LogEntry.topic == MESSAGES.name)))
            subjects = await MESSAGES.load(db, entries)
            deputy_ids = sorted({s.message.deputy_id for s in subjects.values()})
            assert len(deputy_ids) > 1
            for deputy in [*deputy_ids, 2_000_000_000]:
                spec = Inbox(deputy)
                in_sql = set(
                    await db.all(
                        select(LogEntry.id)
                        .select_from(MESSAGES.source())
                        .where(LogEntry.topic == MESSAGES.name, spec.where())
                    )
                )
                in_python = {e.id for e in entries if spec.matches(e, subjects[e.id])}
                assert in_sql == in_python, deputy
        finally:
            await db.engine.dispose()

    asyncio.run(check())


def test_a_citizens_phone_opens_the_scanned_link_and_leaves_a_message(
    api: Api,
    browser: Browser,  # noqa: F811  (the fixture imported above)
    tmp_path,
):
    """Tried as a new user would: the decoded link opened in a real browser, the message typed
    and sent without an account, the deputy's reply read back and the follow-up answered."""
    deputy_phone, deputy_id = own_deputy(api)
    token = scan(api, deputy_phone, deputy_id)
    link = f"{api.server.url}/d/{token}"
    browser.open_page()
    browser.call("Page.navigate", url=link)
    browser.wait_for("document.getElementById('title')?.textContent.includes('留言代表')", "page")
    browser.evaluate(
        "document.getElementById('body').value = '小区门口积水严重，老人出行不便';"
        "document.getElementById('name').value = '李阿姨';"
        "document.querySelector('#leave button').click(); true"
    )
    receipt = browser.wait_for("document.getElementById('receipt')?.textContent", "the receipt")
    fragment = browser.evaluate("location.hash.slice(1)")
    message_id = dict(part.split("=", 1) for part in fragment.split("&"))["m"]
    message_id = message_id.replace("%3D", "=")
    seen = api.ok(READ, {"id": message_id}, as_=deputy_phone)["deputyMessage"]
    assert seen["body"] == "小区门口积水严重，老人出行不便" and seen["senderName"] == "李阿姨"
    api.ok(REPLY, {"input": {"id": message_id, "body": "已请社区排水"}}, as_=deputy_phone)
    # Later the citizen opens the saved link again: the reply, and the follow-up question.
    browser.call("Page.navigate", url=f"{link}#{fragment}")
    browser.call("Page.reload")
    browser.wait_for(
        "[...document.querySelectorAll('.reply')]"
        ".some(p => p.textContent.includes('已请社区排水'))",
        "the deputy's reply",
    )
    browser.wait_for("document.getElementById('follow-up')?.hidden === false", "the follow-up")
    browser.evaluate("document.querySelector('#follow-up button').click(); true")
    browser.wait_for("document.getElementById('follow-up').hidden", "the follow-up sent")
    done = api.ok(READ, {"id": message_id, "r": receipt})["deputyMessage"]
    assert (done["answered"], done["resolved"], done["followUpDue"]) == (True, True, False)
    browser.screenshot(tmp_path / "deputy-box.png")
    # A replaced code's link says so.
    api.ok(ROTATE, {"input": {"id": deputy_id}}, as_=deputy_phone)
    old = httpx.get(link)
    assert old.status_code == 410 and "已更换" in old.text
    assert httpx.get(f"{api.server.url}/d/{'z' * 24}").status_code == 404
