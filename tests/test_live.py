"""Subscriptions over real websockets against the running app (one process)."""

from __future__ import annotations

from dataclasses import replace

from server import create_app
from tests.conftest import (
    COUNTY,
    DEPUTY,
    GRID,
    OTHER_RESIDENT,
    RESIDENT,
    TOWNSHIP,
    VILLAGE,
    Api,
    ServerThread,
)
from tests.issue_ops import ACCEPT, START, UPDATE, act, ok, report
from tests.live_client import (
    ISSUE_UPDATED,
    STATUS_CHANGED,
    LiveClient,
    StalledClient,
    report_probe,
)


def county_id(api: Api) -> str:
    return api.region_of(COUNTY)


def watch(api: Api, phone: str, region: str, after: str | None = None) -> LiveClient:
    """A dashboard on `region`. Watching from now (no `after`), it is returned once proven
    live and caught up: other servers of earlier tests write to the same database, and this
    server's hub may hear of their events only at its next poll; none of them may be taken
    for the test's own (that was the "repeat on resume" once seen under load)."""
    client = LiveClient(api.server.url)
    assert client.init(api.token(phone))["type"] == "connection_ack"
    client.subscribe("s1", STATUS_CHANGED, {"region": region, "after": after})
    if after is None:
        client.until_live(report_probe(api, RESIDENT, api.region_of(VILLAGE)), "s1")
    return client


def test_county_dashboard_sees_status_changes_but_not_progress_notes(api: Api):
    dashboard = watch(api, COUNTY, county_id(api))
    try:
        village = api.region_of(VILLAGE)
        issue = ok(report(api, RESIDENT, village))["issue"]
        ok(act(api, UPDATE, VILLAGE, issue["id"], note="已电话联系"))  # not a status change
        ok(act(api, ACCEPT, VILLAGE, issue["id"]))
        reported, accepted = dashboard.events("s1", 2)
        assert reported["kind"] == "REPORTED" and reported["toStatus"] == "SUBMITTED"
        assert reported["issue"]["number"] == issue["number"]
        assert accepted["kind"] == "ACCEPTED" and accepted["fromStatus"] == "SUBMITTED"
        assert accepted["issue"]["status"] == "ACCEPTED"
        from core.pagination import decode_cursor

        assert decode_cursor(accepted["cursor"]) > decode_cursor(reported["cursor"])
    finally:
        dashboard.close()


def test_resume_with_after_replays_exactly_what_was_missed(api: Api):
    county = county_id(api)
    village = api.region_of(VILLAGE)
    first = watch(api, COUNTY, county)
    issue = ok(report(api, RESIDENT, village))["issue"]
    (seen,) = first.events("s1", 1)
    first.close()  # the dashboard's network drops

    ok(act(api, ACCEPT, VILLAGE, issue["id"]))
    ok(act(api, START, VILLAGE, issue["id"]))
    other = ok(report(api, RESIDENT, village))["issue"]

    resumed = watch(api, COUNTY, county, after=seen["cursor"])
    try:
        missed = resumed.events("s1", 3)
        assert [(e["kind"], e["issue"]["id"]) for e in missed] == [
            ("ACCEPTED", issue["id"]),
            ("STARTED", issue["id"]),
            ("REPORTED", other["id"]),
        ]
        ok(act(api, ACCEPT, VILLAGE, other["id"]))  # then live, with no repeat in between
        (live,) = resumed.events("s1", 1)
        assert (live["kind"], live["issue"]["id"]) == ("ACCEPTED", other["id"])
    finally:
        resumed.close()


def test_issue_updated_delivers_the_whole_timeline_to_the_reporter(api: Api):
    issue = ok(report(api, RESIDENT, api.region_of(VILLAGE)))["issue"]
    client = LiveClient(api.server.url)
    try:
        client.init(api.token(RESIDENT))
        client.subscribe("mine", ISSUE_UPDATED, {"id": issue["id"]})
        ok(act(api, UPDATE, VILLAGE, issue["id"], note="明天上门查看"))
        ok(act(api, ACCEPT, VILLAGE, issue["id"]))
        updated, accepted = client.events("mine", 2)
        assert updated["kind"] == "UPDATED" and updated["note"] == "明天上门查看"
        assert updated["actor"]["displayName"] == "何勇"
        assert accepted["kind"] == "ACCEPTED"
    finally:
        client.close()


def test_subscriptions_are_authorised_at_start(api: Api):
    client = LiveClient(api.server.url)
    try:
        client.init(api.token(RESIDENT))
        client.subscribe("a", STATUS_CHANGED, {"region": county_id(api)})
        refused = client.next("a")
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"
        issue = ok(report(api, RESIDENT, api.region_of(VILLAGE)))["issue"]
        other = LiveClient(api.server.url)
        other.init(api.token(OTHER_RESIDENT))
        other.subscribe("b", ISSUE_UPDATED, {"id": issue["id"]})
        assert other.next("b")["payload"][0]["extensions"]["code"] == "NOT_FOUND"
        other.subscribe("c", STATUS_CHANGED, {"region": "bm90LWFuLWlk"})
        bad = other.next("c")
        assert bad["type"] == "error" and bad["payload"][0]["extensions"]["code"] == "VALIDATION"
        other.close()
    finally:
        client.close()


def test_events_outside_the_watched_region_are_not_delivered(api: Api):
    township = api.region_of(TOWNSHIP)
    deputy = watch(api, DEPUTY, township)
    try:
        other_village = api.region_of(OTHER_RESIDENT)  # a courtyard in the other township
        ok(report(api, OTHER_RESIDENT, other_village))
        mine = ok(report(api, RESIDENT, api.region_of(GRID)))["issue"]
        (event,) = deputy.events("s1", 1)
        assert event["issue"]["id"] == mine["id"]
    finally:
        deputy.close()


def test_bad_token_closes_with_4403_and_subscribe_before_init_with_4401(api: Api):
    client = LiveClient(api.server.url)
    client.send({"type": "connection_init", "payload": {"authorization": "Bearer nope"}})
    assert client.close_code() == 4403
    early = LiveClient(api.server.url)
    early.subscribe("x", STATUS_CHANGED, {"region": county_id(api)})
    assert early.close_code() == 4401


def test_logout_ends_the_stream_with_a_clear_error(api: Api):
    login = api.ok('mutation { login(phone: "13800000001", password: "demo-password") { token } }')
    token = login["login"]["token"]
    client = LiveClient(api.server.url)
    client.init(token)
    client.subscribe("s", STATUS_CHANGED, {"region": county_id(api)})
    client.until_live(report_probe(api, RESIDENT, api.region_of(VILLAGE)), "s")
    assert api.ok("mutation { logout }", token=token) == {"logout": True}
    ended = client.next("s")
    assert ended["type"] == "error"
    assert ended["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert client.close_code() == 4403


def test_queries_and_mutations_also_run_over_the_socket(api: Api):
    client = LiveClient(api.server.url)
    try:
        client.init(api.token(RESIDENT))
        client.subscribe("q", "{ viewer { displayName } }", {})
        result = client.next("q")
        assert result["payload"]["data"] == {"viewer": {"displayName": "崔玉环"}}
        assert client.next("q")["type"] == "complete"
    finally:
        client.close()


def test_a_client_that_stops_reading_is_cut_off_and_others_are_not(api: Api):
    settings = replace(api.settings, live_outbox_messages=5, demo_data=False)
    with ServerThread(create_app(settings)) as server:
        fast = Api(server, settings)
        long_text = "村道塌方情况说明" * 600  # ~14 KB of UTF-8 in every message
        issue = ok(report(fast, RESIDENT, fast.region_of(VILLAGE), description=long_text))
        issue = issue["issue"]
        copies = " ".join(f"c{i}: issue {{ description }}" for i in range(19))  # ~270 KB
        stalled = StalledClient(
            server.port,
            fast.token(RESIDENT),
            f"subscription($id: ID!) {{ issueUpdated(id: $id) {{ kind {copies} }} }}",
            {"id": issue["id"]},
        )
        healthy = LiveClient(server.url)
        healthy.init(fast.token(VILLAGE))
        healthy.subscribe("h", ISSUE_UPDATED, {"id": issue["id"]})
        note = "进展" * 1000
        for _ in range(60):  # the stalled client reads none of these (~16 MB)
            ok(act(fast, UPDATE, VILLAGE, issue["id"], note=note))
        assert len(healthy.events("h", 60)) == 60
        assert stalled.close_code(timeout=20) == 4413
        metrics = fast.http.get("/metrics").text
        assert "grassroots_slow_clients_dropped_total" in metrics
        healthy.close()
        fast.http.close()


def test_a_second_dashboard_resuming_into_a_running_group_gets_its_own_replay(api: Api):
    county = county_id(api)
    village = api.region_of(VILLAGE)
    first = watch(api, COUNTY, county)  # stays connected: its group keeps running
    try:
        issue = ok(report(api, RESIDENT, village))["issue"]
        (reported,) = first.events("s1", 1)
        ok(act(api, ACCEPT, VILLAGE, issue["id"]))
        (accepted,) = first.events("s1", 1)

        second = watch(api, COUNTY, county, after=reported["cursor"])
        try:
            (replayed,) = second.events("s1", 1)
            assert replayed["cursor"] == accepted["cursor"]
            ok(act(api, START, VILLAGE, issue["id"]))
            assert second.events("s1", 1)[0]["kind"] == "STARTED"
            assert first.events("s1", 1)[0]["kind"] == "STARTED"
            # No repeat on either: the next event of each is the next change.
            other = ok(report(api, RESIDENT, village))["issue"]
            for dashboard in (first, second):
                (after,) = dashboard.events("s1", 1)
                assert (after["kind"], after["issue"]["id"]) == ("REPORTED", other["id"])
        finally:
            second.close()
        broken = watch(api, COUNTY, county, after="not-a-cursor")
        refused = broken.next("s1")
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "VALIDATION"
        broken.close()
    finally:
        first.close()


def strict_server(api: Api) -> ServerThread:
    settings = replace(
        api.settings,
        demo_data=False,
        allowed_origins=("https://dashboard.example",),
        connection_init_timeout_seconds=0.5,
        max_subscriptions_per_connection=2,
        token_ttl_hours=5 / 3600,  # five seconds
    )
    return ServerThread(create_app(settings))


def test_origins_init_timeout_subscription_limit_and_token_expiry(api: Api):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with strict_server(api) as server:
        url = server.url.replace("http://", "ws://") + "/graphql"
        try:
            connect(url, subprotocols=["graphql-transport-ws"], origin="https://evil.example")
            raise AssertionError("a foreign origin was let in")
        except InvalidStatus as refused:
            assert refused.response.status_code == 403
        with connect(
            url, subprotocols=["graphql-transport-ws"], origin="https://dashboard.example"
        ):
            pass

        silent = LiveClient(server.url)
        assert silent.close_code() == 4408  # no connection_init within 0.5 s

        fast = Api(server, server.app.state.settings)
        token = fast.token(COUNTY)  # a five-second token, taken before the 0.5 s init clock
        region = county_id(fast)
        client = LiveClient(server.url)
        client.init(token)
        for sub_id in ("a", "b", "c"):
            client.subscribe(sub_id, STATUS_CHANGED, {"region": region})
        refused = client.next("c")
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
        ended = {client.next(timeout=10)["id"], client.next(timeout=10)["id"]}
        assert ended == {"a", "b"}  # each stream ends with an error when the token expires
        assert client.close_code() == 4403
        fast.http.close()


def test_a_changed_role_ends_the_stream(api: Api):
    """Jurisdiction follows the database, not the moment the socket connected."""
    import asyncio

    from sqlalchemy import delete, insert, select

    from core.db import Database, create_engine
    from core.ids import parse_id
    from models.accounts import Account, Role, RoleGrant

    settings = replace(api.settings, demo_data=False, session_check_seconds=0.3)
    with ServerThread(create_app(settings)) as server:
        fast = Api(server, settings)
        client = LiveClient(server.url)
        client.init(fast.token(TOWNSHIP))
        township = fast.region_of(TOWNSHIP)
        client.subscribe("t", STATUS_CHANGED, {"region": township})
        client.until_live(report_probe(fast, RESIDENT, fast.region_of(VILLAGE)), "t")

        async def move_official(give_back: bool) -> None:
            db = Database(create_engine(settings.database_url))
            region = parse_id(township, "Region")
            async with db.transaction() as session:
                account = await session.scalar(select(Account.id).where(Account.phone == TOWNSHIP))
                if give_back:
                    await session.execute(
                        insert(RoleGrant).values(
                            account_id=account, role=Role.TOWNSHIP_OFFICIAL, region_id=region
                        )
                    )
                else:
                    await session.execute(
                        delete(RoleGrant).where(
                            RoleGrant.account_id == account, RoleGrant.region_id == region
                        )
                    )
            await db.engine.dispose()

        asyncio.run(move_official(give_back=False))
        try:
            ended = client.next("t")
            assert ended["type"] == "error"
            assert ended["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            assert client.close_code() == 4403
        finally:
            asyncio.run(move_official(give_back=True))
        fast.http.close()


def test_subscriptions_over_http_get_a_clear_error(api: Api):
    body = api.gql(
        "subscription($r: ID!) { issueStatusChanged(regionId: $r) { id } }",
        {"r": county_id(api)},
        as_=COUNTY,
    )
    assert body["data"] is None
    assert "websocket" in body["errors"][0]["message"]


def test_a_fragment_at_the_root_is_served_and_keeps_the_connection(api: Api):
    client = watch(api, COUNTY, county_id(api))  # s1: a plain dashboard on the same socket
    try:
        client.subscribe(
            "frag",
            "subscription($r: ID!, $after: String) { ...F } "
            "fragment F on Subscription { issueStatusChanged(regionId: $r, after: $after) "
            "{ kind cursor } }",
            {"r": county_id(api)},
        )
        client.until_live(report_probe(api, RESIDENT, api.region_of(VILLAGE)), "s1", "frag")
        ok(report(api, RESIDENT, api.region_of(VILLAGE)))
        kinds = {client.next()["id"], client.next()["id"]}
        assert kinds == {"s1", "frag"}
    finally:
        client.close()


def test_the_legacy_graphql_ws_protocol_only_when_configured(api: Api):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    url = api.server.url.replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=["graphql-ws"]) as refused:  # accepted, then closed
        try:
            refused.recv(timeout=10)
            raise AssertionError("the legacy protocol is off by default")
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 4406

    settings = replace(api.settings, demo_data=False, legacy_graphql_ws=True)
    with ServerThread(create_app(settings)) as server:
        fast = Api(server, settings)
        client = LiveClient(server.url, protocol="graphql-ws")
        assert client.init(fast.token(COUNTY))["type"] == "connection_ack"
        client.send(
            {
                "id": "1",
                "type": "start",
                "payload": {"query": STATUS_CHANGED, "variables": {"region": county_id(fast)}},
            }
        )
        client.until_live(report_probe(fast, RESIDENT, fast.region_of(VILLAGE)), "1")
        ok(report(fast, RESIDENT, fast.region_of(VILLAGE)))
        data = client.next("1")
        assert data["type"] == "data"
        assert data["payload"]["data"]["issueStatusChanged"]["kind"] == "REPORTED"
        client.send({"id": "1", "type": "stop"})
        client.send({"type": "connection_terminate"})
        assert client.close_code() == 1000
        fast.http.close()
