"""Migrations carry existing data: issue events keep their ids, so old cursors still resume."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

import models
from core.bootstrap import alembic_config, include_object
from core.config import Settings
from core.db import Database, create_engine
from core.ids import to_global_id
from core.pagination import decode_cursor, encode_cursor
from models.accounts import Role, RoleGrant
from models.base import utcnow
from models.issues import Channel, IssueCategory, IssueStatus
from models.regions import Region, RegionLevel
from resolvers.accounts import create_account
from server import create_app
from tests.conftest import (
    PASSWORD,
    Api,
    ServerThread,
    create_run_database,
    drop_run_database,
    postgres_url,
)
from tests.issue_ops import ACCEPT, act, ok
from tests.live_client import ISSUE_UPDATED, LiveClient

OFFICIAL = "13900000001"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def empty_database(backend: Settings, tmp_path: Path) -> Iterator[str]:
    """A database of the backend's kind that nothing has touched yet."""
    if backend.is_sqlite:
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    url = asyncio.run(create_run_database(postgres_url()))
    try:
        yield url
    finally:
        asyncio.run(drop_run_database(url, postgres_url()))


def test_the_migrations_build_what_the_models_declare(empty_database: str):
    """Upgraded to head, the database has every table, column (with its type), index and
    constraint the models declare and nothing more: a model changed without a migration,
    or a migration without its model, fails here (alembic's own comparison)."""
    command.upgrade(alembic_config(empty_database), "head")

    def compare(connection) -> list:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        return compare_metadata(context, models.Base.metadata)

    async def differences() -> list:
        engine = create_engine(empty_database)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(compare)
        finally:
            await engine.dispose()

    assert asyncio.run(differences()) == []


async def _fill_at_0001(url: str) -> int:
    """A village with an issue and three timeline events, written as revision 0001 stored
    them (events with their own ids and region path); returns the issue's id."""
    db = Database(create_engine(url))
    try:
        async with db.transaction() as session:
            county = Region(level=RegionLevel.COUNTY, name="旧县", code="old-c", path="")
            session.add(county)
            await session.flush()
            county.path = f"/{county.id}/"
            village = Region(
                parent_id=county.id, level=RegionLevel.VILLAGE, name="旧村", code="old-v", path=""
            )
            session.add(village)
            await session.flush()
            village.path = f"{county.path}{village.id}/"
            official = await create_account(session, OFFICIAL, "老干部", PASSWORD)
            session.add(
                RoleGrant(account_id=official.id, role=Role.COUNTY_OFFICIAL, region_id=county.id)
            )
            now = utcnow()
            # The columns 0001 had (the model has more since), as 0001 would have written.
            columns = {
                "number": "2026-000001",
                "title": "旧诉求",
                "description": "迁移之前",
                "category": IssueCategory.ROADS.value,
                "status": IssueStatus.SUBMITTED.value,
                "level": RegionLevel.VILLAGE.value,
                "region_id": village.id,
                "region_path": village.path,
                "reporter_id": official.id,
                "filed_by_id": official.id,
                "channel": Channel.APP.value,
                "anonymous": False,
                "created_at": now,
                "level_since": now,
                "due_at": now + timedelta(days=3),
                "version": 1,
            }
            if url.startswith("sqlite"):
                for key in ("created_at", "level_since", "due_at"):
                    columns[key] = columns[key].replace(tzinfo=None)
            names = ", ".join(columns)
            issue_pk = (
                await session.execute(
                    text(
                        f"INSERT INTO issues ({names}) VALUES "
                        f"({', '.join(':' + k for k in columns)}) RETURNING id"
                    ),
                    columns,
                )
            ).scalar_one()
            for event_id, kind, note in (
                (3, "REPORTED", None),
                (7, "UPDATED", "一"),
                (12, "UPDATED", "二"),
            ):
                await session.execute(
                    text(
                        "INSERT INTO issue_events (id, issue_id, kind, from_status, to_status, "
                        "from_level, level, region_path, actor_id, note, at) VALUES (:id, :issue, "
                        ":kind, 'SUBMITTED', 'SUBMITTED', 'VILLAGE', 'VILLAGE', :path, :actor, "
                        ":note, :at)"
                    ),
                    {
                        "id": event_id,
                        "issue": issue_pk,
                        "kind": kind,
                        "path": village.path,
                        "actor": official.id,
                        "note": note,
                        "at": now.replace(tzinfo=None) if url.startswith("sqlite") else now,
                    },
                )
            return issue_pk
    finally:
        await db.engine.dispose()


def test_migrating_keeps_event_ids_and_old_cursors_resume(api: Api, empty_database: str):
    config = alembic_config(empty_database)
    command.upgrade(config, "0001")
    issue_pk = asyncio.run(_fill_at_0001(empty_database))
    old_cursor = encode_cursor(7)  # handed to a client before the upgrade

    settings = replace(api.settings, database_url=empty_database, demo_data=False)
    with ServerThread(create_app(settings)) as server:  # applies 0002 at start
        migrated = api.on(server.url)
        migrated.tokens = {}
        issue_id = to_global_id("Issue", issue_pk)
        timeline = migrated.ok(
            "query($id: ID!) { issue(id: $id) { timeline { edges { node "
            "{ cursor kind note } } } } }",
            {"id": issue_id},
            as_=OFFICIAL,
        )["issue"]["timeline"]["edges"]
        assert [decode_cursor(e["node"]["cursor"]) for e in timeline] == [3, 7, 12]

        client = LiveClient(server.url)
        try:
            assert client.init(migrated.token(OFFICIAL))["type"] == "connection_ack"
            client.subscribe("s", ISSUE_UPDATED, {"id": issue_id, "after": old_cursor})
            (replayed,) = client.events("s", 1)
            assert (decode_cursor(replayed["cursor"]), replayed["note"]) == (12, "二")
            # New entries continue after the migrated ones, on every backend.
            accepted = ok(act(migrated, ACCEPT, OFFICIAL, issue_id))["event"]
            assert decode_cursor(accepted["cursor"]) > 12
            (live,) = client.events("s", 1)
            assert (live["kind"], live["cursor"]) == ("ACCEPTED", accepted["cursor"])
        finally:
            client.close()


def test_the_history_on_issue_rows_is_what_their_timelines_say(api: Api):
    """Migration 0013 fills the history columns from the timeline; `lifecycle.apply` keeps
    them since. Over every issue of the test database (demo, every test's so far), the
    two agree."""
    path = ROOT / "migrations" / "versions" / "0013_issue_history.py"
    spec = importlib.util.spec_from_file_location("history_0013", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names = list(module.HISTORY)

    async def read() -> tuple[list, list]:
        db = Database(create_engine(api.settings.database_url))
        try:
            from_log = await db.rows(
                text(f"SELECT id, {', '.join(module.HISTORY.values())} FROM issues ORDER BY id")
            )
            kept = await db.rows(text(f"SELECT id, {', '.join(names)} FROM issues ORDER BY id"))
        finally:
            await db.engine.dispose()
        return [tuple(r) for r in from_log], [tuple(r) for r in kept]

    from_log, kept = asyncio.run(read())
    assert len(kept) > 10
    assert any(row[4] for row in kept) and any(row[3] for row in kept)  # escalated, rated
    for logged, row in zip(from_log, kept, strict=True):
        # SQLite answers the raw SQL's times as text: compare them as the column reads them.
        assert _same(logged, row), (names, logged, row)


def _same(logged: tuple, row: tuple) -> bool:
    def norm(value):
        if isinstance(value, str) and value[:2] == "20":
            return datetime.fromisoformat(value).replace(tzinfo=None).isoformat()
        if isinstance(value, datetime):
            return value.astimezone(UTC).replace(tzinfo=None).isoformat()
        return value

    return [norm(v) for v in logged] == [norm(v) for v in row]
