"""Error masking through the app: with PRODUCTION=1 a bug in a resolver reaches clients as
"Unexpected error." with code INTERNAL, over HTTP and over websockets, and never its own
text; coded errors (what the API means to say) pass through either way.

The bug is planted by monkeypatching a function of resolvers/ to raise for one issue only
(its title carries a marker), so the rest of the app, live probes included, keeps working.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from core.db import Database, create_engine, is_contention
from models.regions import Region
from resolvers.issues import live, mutations, policy
from server import create_app
from tests.conftest import GRID, RESIDENT, VILLAGE, Api, ServerThread
from tests.issue_ops import ACCEPT, ok, report
from tests.live_client import LiveClient, report_probe

SECRET = "secret internals"
MASKED = {"message": "Unexpected error.", "extensions": {"code": "INTERNAL"}}
CONTACT = "query($id: ID!) { issue(id: $id) { id title contactName } }"
WATCH = (
    "subscription($region: ID!) { issueStatusChanged(regionId: $region) "
    "{ id cursor kind issue { id title contactName } } }"
)


@pytest.fixture
def production(api: Api) -> Iterator[Api]:
    """A second server on the same database, as PRODUCTION=1 runs it."""
    settings = replace(api.settings, production=True, demo_data=False)
    with ServerThread(create_app(settings)) as server:
        client = Api(server, settings)
        yield client
        client.http.close()


@pytest.fixture
def buggy(monkeypatch) -> str:
    """Plant a bug: `Issue.contactName` raises for issues whose title has the marker."""
    marker = f"bug-{uuid.uuid4().hex[:8]}"
    real = policy.can_see_contact

    def can_see_contact(viewer, issue) -> bool:
        if marker in issue.title:
            raise RuntimeError(f"{SECRET}: {marker}")
        return real(viewer, issue)

    monkeypatch.setattr(policy, "can_see_contact", can_see_contact)
    return marker


def buggy_issue(api: Api, marker: str) -> dict:
    return ok(report(api, RESIDENT, api.region_of(GRID), title=f"村道有坑 {marker}"))["issue"]


def masked(errors: list[dict], path: list) -> None:
    assert len(errors) == 1, errors
    error = errors[0]
    assert {k: error[k] for k in ("message", "extensions")} == MASKED, error
    assert error["path"] == path, error


def no_secret(body) -> None:
    text = json.dumps(body, ensure_ascii=False)
    assert SECRET not in text and "RuntimeError" not in text and "Traceback" not in text, text


def socket(api: Api, phone: str) -> LiveClient:
    client = LiveClient(api.server.url)
    assert client.init(api.token(phone))["type"] == "connection_ack"
    return client


# --- production: bugs are masked ---------------------------------------------------------


def test_a_bug_is_masked_over_http(production: Api, buggy: str):
    issue = buggy_issue(production, buggy)
    body = production.gql(CONTACT, {"id": issue["id"]}, as_=GRID)
    no_secret(body)
    masked(body["errors"], ["issue", "contactName"])
    # The rest of the answer is there: only the broken field is null.
    assert body["data"]["issue"] == {
        "id": issue["id"],
        "title": issue["title"],
        "contactName": None,
    }


def test_a_bug_is_masked_in_a_query_over_the_socket(production: Api, buggy: str):
    issue = buggy_issue(production, buggy)
    client = socket(production, GRID)
    try:
        client.subscribe("q", CONTACT, {"id": issue["id"]})
        result = client.next("q")
        no_secret(result)
        assert result["type"] == "next", result
        masked(result["payload"]["errors"], ["issue", "contactName"])
        assert result["payload"]["data"]["issue"]["contactName"] is None
        assert client.next("q")["type"] == "complete"
    finally:
        client.close()


def test_a_bug_is_masked_in_a_subscription_event(production: Api, buggy: str):
    client = socket(production, VILLAGE)
    try:
        client.subscribe("s", WATCH, {"region": production.region_of(VILLAGE)})
        client.until_live(report_probe(production, RESIDENT, production.region_of(GRID)), "s")
        issue = buggy_issue(production, buggy)
        event = client.next("s")
        no_secret(event)
        assert event["type"] == "next", event
        payload = event["payload"]
        assert payload["data"]["issueStatusChanged"]["issue"]["id"] == issue["id"]
        assert payload["data"]["issueStatusChanged"]["issue"]["contactName"] is None
        masked(payload["errors"], ["issueStatusChanged", "issue", "contactName"])
    finally:
        client.close()


def test_a_bug_starting_a_subscription_is_masked(production: Api, monkeypatch):
    async def status_changes(ctx, region_id, after):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(live, "status_changes", status_changes)
    client = socket(production, VILLAGE)
    try:
        client.subscribe("s", WATCH, {"region": production.region_of(VILLAGE)})
        refused = client.next("s")
        no_secret(refused)
        assert refused["type"] == "error", refused
        masked(refused["payload"], ["issueStatusChanged"])
    finally:
        client.close()


def test_coded_errors_pass_through_in_production(production: Api):
    issue = ok(report(production, RESIDENT, production.region_of(GRID)))["issue"]
    variables = {"input": {"id": issue["id"]}}
    body = production.gql(ACCEPT, variables, as_=RESIDENT)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    assert body["errors"][0]["message"] == "您无权执行此操作。"
    client = socket(production, RESIDENT)
    try:
        client.subscribe("m", ACCEPT, variables)
        result = client.next("m")
        assert result["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN", result
        assert result["payload"]["errors"][0]["message"] == "您无权执行此操作。"
    finally:
        client.close()


# --- development: nothing to mask ------------------------------------------------------


def test_development_shows_the_bug_and_coded_errors_alike(api: Api, buggy: str):
    assert api.settings.production is False
    issue = buggy_issue(api, buggy)
    body = api.gql(CONTACT, {"id": issue["id"]}, as_=GRID)
    assert body["errors"][0]["message"] == f"{SECRET}: {buggy}"  # for the developer
    assert body["errors"][0].get("extensions", {}).get("code") != "INTERNAL"
    refused = api.gql(ACCEPT, {"input": {"id": issue["id"]}}, as_=RESIDENT)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", refused
    assert refused["errors"][0]["message"] == "您无权执行此操作。"


# --- contention: a coded CONFLICT, never masked ----------------------------------------


async def _contention(url: str) -> DBAPIError:
    """A real one from the test's database: a second writer refused a lock at once (SQLite's
    "database is locked"; PostgreSQL's lock_not_available under NOWAIT)."""
    engine = create_engine(url)
    sqlite = url.startswith("sqlite")
    try:
        async with engine.connect() as holder, engine.connect() as loser:
            if sqlite:
                await holder.exec_driver_sql("BEGIN IMMEDIATE")
                await loser.exec_driver_sql("PRAGMA busy_timeout=0")
            lock = "SELECT id FROM regions ORDER BY id LIMIT 1 FOR UPDATE"
            await holder.exec_driver_sql("SELECT 1" if sqlite else lock)
            try:
                await loser.exec_driver_sql("BEGIN IMMEDIATE" if sqlite else f"{lock} NOWAIT")
            except DBAPIError as error:
                return error
            finally:
                await holder.rollback()
        raise AssertionError("the second writer got the lock")
    finally:
        await engine.dispose()


def test_a_write_that_loses_a_race_is_a_conflict_to_retry(api: Api, monkeypatch):
    """A mutation whose transaction the database refused for a concurrent one (rolled back
    whole) answers CONFLICT in its payload, in the request's language; a retry goes through."""
    contention = asyncio.run(_contention(api.settings.database_url))
    assert is_contention(contention)
    not_contention = DBAPIError("SELECT nothing", None, ValueError("syntax"))
    assert not is_contention(not_contention)

    issue = ok(report(api, RESIDENT, api.region_of(GRID)))["issue"]
    raised = []

    async def losing_apply(*args, **kwargs):
        raised.append(True)
        raise contention

    monkeypatch.setattr(mutations, "apply", losing_apply)
    payload = api.gql(ACCEPT, {"input": {"id": issue["id"]}}, as_=GRID, lang="en")
    body = payload["data"]["acceptIssue"]
    assert raised and body["issue"] is None, payload
    assert body["errors"] == [
        {
            "code": "CONFLICT",
            "field": None,
            "message": "Another change to the same data came first; nothing was saved. Try again.",
        }
    ], payload
    monkeypatch.undo()
    accepted = ok(api.gql(ACCEPT, {"input": {"id": issue["id"]}}, as_=GRID)["data"]["acceptIssue"])
    assert accepted["issue"]["status"] == "ACCEPTED"


def test_a_read_locked_for_writing_is_not_lost_to_a_concurrent_write(api: Api):
    """Two read-then-write transactions on one row at once, each reading it locked for the
    write (`with_for_update`, as mutations do): the second reads what the first wrote, on
    each database. PostgreSQL locks the row; SQLite ignores FOR UPDATE, and
    `Database.transaction` takes its write lock as it begins, so the second waits for the
    first (begun deferred, the first's read would be stale by its write: a lost update)."""

    async def scenario() -> str:
        db = Database(create_engine(api.settings.database_url))
        region_id = (await db.all(select(Region.id).order_by(Region.id).limit(1)))[0]
        original = (await db.all(select(Region.name).where(Region.id == region_id)))[0]
        read = select(Region.name).where(Region.id == region_id).with_for_update()
        first_read, second_done = asyncio.Event(), asyncio.Event()

        async def append(session: Any, name: str, suffix: str) -> None:
            await session.execute(
                update(Region).where(Region.id == region_id).values(name=name + suffix)
            )

        async def first() -> None:
            async with db.transaction() as session:
                name = (await session.scalars(read)).one()
                first_read.set()
                with contextlib.suppress(TimeoutError):  # the second waits for this one
                    await asyncio.wait_for(second_done.wait(), 0.5)
                await append(session, name, "a")

        async def second() -> None:
            await first_read.wait()
            async with db.transaction() as session:
                await append(session, (await session.scalars(read)).one(), "b")
            second_done.set()

        try:
            await asyncio.gather(first(), second())
            return (await db.all(select(Region.name).where(Region.id == region_id)))[0]
        finally:
            async with db.transaction() as session:
                await session.execute(
                    update(Region).where(Region.id == region_id).values(name=original)
                )
            await db.engine.dispose()

    assert asyncio.run(scenario()).endswith("ab")
