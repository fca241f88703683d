"""Test harness: the real app, served by uvicorn on loopback, on each database backend.

Every test runs once per backend: SQLite always, PostgreSQL when reachable (set
TEST_POSTGRES_URL, or DATABASE_URL to a postgresql:// URL; default: the local server's `test`
database). An unreachable PostgreSQL is a skip, and with REQUIRE_SERVICES=1 (set by .ci/run)
a failure, so CI never passes on SQLite alone.
"""

from __future__ import annotations

import asyncio
import copy
import io
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
import uvicorn
from PIL import Image
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine

from core.config import Settings, _normalise_db_url
from server import create_app

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PASSWORD = "demo-password"
# Demo phones (see the contract's demo data).
COUNTY, TOWNSHIP, VILLAGE, GRID, RESIDENT, DEPUTY, OTHER_RESIDENT = (
    f"138000000{n:02d}" for n in range(1, 8)
)
AGRONOMIST, LAWYER, ELDER = "13800000008", "13800000009", "13800000010"


def postgres_url() -> str:
    url = os.environ.get("TEST_POSTGRES_URL") or os.environ.get("DATABASE_URL") or ""
    return _normalise_db_url(url) if url.startswith("postgres") else DEFAULT_PG


def unavailable(what: str, why: str) -> None:
    message = f"{what} not reachable ({why}); its tests were skipped"
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {message}", pytrace=False)
    pytest.skip(message)


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


class ServerThread:
    """uvicorn serving an app on a free loopback port, in a thread of this process."""

    def __init__(self, app) -> None:
        self.app = app
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            ws="websockets-sansio",
            ws_per_message_deflate=False,  # as `python server.py` runs it
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


class Api:
    """A GraphQL client over real HTTP, with sign-in by demo phone."""

    def __init__(self, server: ServerThread, settings: Settings) -> None:
        self.server = server
        self.settings = settings
        self.http = httpx.Client(base_url=server.url, timeout=30)
        self.tokens: dict[str, str] = {}

    @property
    def app(self):
        return self.server.app

    def on(self, url: str) -> Api:
        """The same client, sign-ins included, talking to another server of the same data."""
        other = copy.copy(self)
        other.http = httpx.Client(base_url=url, timeout=30)
        return other

    def token(self, phone: str) -> str:
        if phone not in self.tokens:
            data = self.gql(
                "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) "
                "{ token errors { code message } } }",
                {"p": phone, "w": PASSWORD},
            )
            assert data["data"]["login"]["errors"] == [], data
            self.tokens[phone] = data["data"]["login"]["token"]
        return self.tokens[phone]

    def gql(
        self,
        query: str,
        variables: dict | None = None,
        *,
        as_: str | None = None,
        token: str | None = None,
        lang: str | None = None,
        files: dict | None = None,
    ) -> dict:
        headers = {}
        if as_ is not None:
            token = self.token(as_)
        if token:
            headers["authorization"] = f"Bearer {token}"
        if lang:
            headers["accept-language"] = lang
        if files:
            response = self.http.post(
                "/graphql", headers=headers, **multipart(query, variables or {}, files)
            )
        else:
            response = self.http.post(
                "/graphql", headers=headers, json={"query": query, "variables": variables or {}}
            )
        assert response.status_code == 200, (response.status_code, response.text)
        return response.json()

    def ok(self, query: str, variables: dict | None = None, **kwargs) -> dict:
        """`data` of a request that must succeed, with no GraphQL or user errors."""
        body = self.gql(query, variables, **kwargs)
        assert "errors" not in body, body
        for value in body["data"].values():
            if isinstance(value, dict) and "errors" in value:
                assert value["errors"] == [], value["errors"]
        return body["data"]

    def region_of(self, phone: str) -> str:
        """ID of the region of the first role the account holds."""
        data = self.ok("{ viewer { roles { region { id } } } }", as_=phone)
        return data["viewer"]["roles"][0]["region"]["id"]


def multipart(query: str, variables: dict, files: dict[str, bytes]) -> dict:
    """A GraphQL multipart request: `files` maps variable paths ("photos.0") to bytes."""
    paths = {str(i): [f"variables.{path}"] for i, path in enumerate(files)}
    return {
        "data": {
            "operations": json.dumps({"query": query, "variables": variables}),
            "map": json.dumps(paths),
        },
        "files": {
            str(i): (f"photo{i}.jpg", data, "image/jpeg") for i, data in enumerate(files.values())
        },
    }


def jpeg(width: int = 64, height: int = 48, colour: str = "green", exif=None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), colour)
    image.save(out, format="JPEG", **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request, tmp_path_factory) -> Iterator[Settings]:
    folder: Path = tmp_path_factory.mktemp(request.param)
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'test.db'}"
    else:
        url = postgres_url()
        try:
            asyncio.run(_reset_postgres(url))
        except (OSError, Exception) as exc:  # connection refused, unknown database, auth
            unavailable("PostgreSQL", f"{url}: {exc.__class__.__name__}: {exc}")
    yield Settings(
        database_url=url,
        demo_data=True,
        media_dir=folder / "media",
        secret_key="test-secret",
        sweep_interval_seconds=0,  # the sweep is driven by the tests themselves
        reports_per_hour=1000,
    )


@pytest.fixture(scope="session")
def api(backend: Settings) -> Iterator[Api]:
    with ServerThread(create_app(backend)) as server:
        client = Api(server, backend)
        yield client
        client.http.close()


class StatementCounter:
    def __init__(self, engine) -> None:
        self.engine = engine.sync_engine
        self.count = 0

    def _count(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not context.execution_options.get("background"):  # the hub's own reads
            self.count += 1

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


@pytest.fixture
def count_statements(api: Api):
    return lambda: StatementCounter(api.app.state.db.engine)


# --- several processes (tests/cluster.py) ------------------------------------------------


@pytest.fixture
def shared_redis() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable("Redis", f"{url}: {exc}")
    return url


@pytest.fixture
def workers(api: Api, tmp_path: Path) -> Iterator:
    """Start worker processes on the test database: `workers(broker_url, channel)`."""
    from tests.cluster import Worker

    started: list[Worker] = []

    def start(broker: str, channel: str) -> Worker:
        worker = Worker(api, broker, channel, tmp_path)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
