"""Test harness: the real app, served by uvicorn on loopback, on each database backend.

Every test runs once per backend: SQLite always, PostgreSQL when reachable (set
TEST_POSTGRES_URL, or DATABASE_URL to a postgresql:// URL; default: the local server). Only
the URL's server and credentials are used: each pytest session creates a database of its own
there, `test_<pid>_<hex>`, and drops it at the end, so runs side by side never meet (and the
configured database itself is never touched). An unreachable PostgreSQL is a skip, and with
REQUIRE_SERVICES=1 (set by .ci/run) a failure, so CI never passes on SQLite alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import io
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
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
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from core.config import Settings, _normalise_db_url
from server import create_app

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PASSWORD = "demo-password"
# Demo phones (see the contract's demo data).
COUNTY, TOWNSHIP, VILLAGE, GRID, RESIDENT, DEPUTY, OTHER_RESIDENT = (
    f"138000000{n:02d}" for n in range(1, 8)
)
AGRONOMIST, LAWYER, ELDER = "13800000008", "13800000009", "13800000010"


def postgres_url() -> str:
    """The configured PostgreSQL: the server (and credentials) the run databases live on."""
    url = os.environ.get("TEST_POSTGRES_URL") or os.environ.get("DATABASE_URL") or ""
    return _normalise_db_url(url) if url.startswith("postgres") else DEFAULT_PG


def unavailable(what: str, why: str) -> None:
    message = f"{what} not reachable ({why}); its tests were skipped"
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {message}", pytrace=False)
    pytest.skip(message)


def node_project(folder: Path, package: str, why: str) -> Path:
    """The `node` executable, with the npm project in `folder` installed once (`npm ci`,
    from its lock file); unavailable (a skip, or a failure in CI) without Node.js."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        unavailable("Node.js", f"node and npm are needed for {why}")
    if not (folder / "node_modules" / package).exists():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=folder,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return Path(node)


# --- a PostgreSQL database per test run ---------------------------------------------------

RUN_DATABASE = re.compile(r"test_(\d+)_[0-9a-f]+")
HOST = socket.gethostname()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


async def _admin_engine(configured: str):
    """An AUTOCOMMIT engine on the configured server, connected to its maintenance database
    (`postgres`), else the configured database, else `template1`."""
    url = make_url(configured)
    error: Exception | None = None
    for database in dict.fromkeys(["postgres", url.database or "postgres", "template1"]):
        engine = create_async_engine(
            url.set(database=database),
            isolation_level="AUTOCOMMIT",
            poolclass=NullPool,
            connect_args={"timeout": 10},
        )
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return engine
        except (OSError, TimeoutError) as exc:  # the server itself is not there: stop
            await engine.dispose()
            raise exc
        except Exception as exc:  # no such database, no right to connect to it: next
            await engine.dispose()
            error = error or exc
    assert error is not None
    raise error


async def _drop_stale_databases(conn) -> None:
    """Drop run databases this machine left behind: their pid is gone (killed runs)."""
    rows = await conn.execute(
        text(
            "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname LIKE 'test\\_%'"
        )
    )
    for name, comment in rows.all():
        match = RUN_DATABASE.fullmatch(name)
        if not match or comment != f"pytest run on {HOST}" or _pid_alive(int(match[1])):
            continue
        # Another run may be dropping it at the same moment, or we may have no right to.
        with contextlib.suppress(Exception):
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def create_run_database(configured: str) -> str:
    """Create this run's own database on the configured server; return its URL."""
    name = f"test_{os.getpid()}_{secrets.token_hex(6)}"
    engine = await _admin_engine(configured)
    try:
        async with engine.connect() as conn:
            await _drop_stale_databases(conn)
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
            await conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS 'pytest run on {HOST}'"))
    finally:
        await engine.dispose()
    return make_url(configured).set(database=name).render_as_string(hide_password=False)


async def drop_run_database(url: str, configured: str) -> None:
    name = make_url(url).database
    assert name and RUN_DATABASE.fullmatch(name), name  # never anything but our own
    engine = await _admin_engine(configured)
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
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
        configured = postgres_url()
        try:
            url = asyncio.run(create_run_database(configured))
        except (OSError, Exception) as exc:  # connection refused, auth, no right to create
            shown = make_url(configured).render_as_string(hide_password=True)
            unavailable("PostgreSQL", f"{shown}: {exc.__class__.__name__}: {exc}")
        # Dropped at the end; should the run die first, the next run on this machine drops it.
        request.addfinalizer(lambda: asyncio.run(drop_run_database(url, configured)))
    yield Settings(
        database_url=url,
        demo_data=True,
        media_dir=folder / "media",
        secret_key="test-secret",
        sweep_interval_seconds=0,  # the sweep is driven by the tests themselves
        reports_per_hour=1000,
        posts_per_hour=1000,
        comments_per_minute=1000,
        deputy_messages_per_hour=1000,
        # The shared servers' test clients read when a test asks them to, not all the time
        # as graphql-ws does, so they would miss protocol pings while a long test runs; they
        # answer uvicorn's frame-level pings on their own. (tests/test_keepalive.py runs
        # servers of its own with the protocol's keepalive on.)
        ws_ping_interval_seconds=0,
    )


@pytest.fixture(scope="session")
def api(backend: Settings) -> Iterator[Api]:
    with ServerThread(create_app(backend)) as server:
        client = Api(server, backend)
        yield client
        client.http.close()


class StatementCounter:
    """The statements the app sends meanwhile (bar the hub's own reads): their number, and
    their text as sent."""

    def __init__(self, engine) -> None:
        self.engine = engine.sync_engine
        self.count = 0
        self.statements: list[str] = []

    def _count(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not context.execution_options.get("background"):  # the hub's own reads
            self.count += 1
            self.statements.append(statement)

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
