"""Throttles hold under concurrency and lock out nobody but the guesser (`core.throttle`).

Real concurrent HTTP requests (a thread and an httpx client each, released together) against
a server of the test database with the production-sized limits. Client addresses come in as
`X-Forwarded-For`, which uvicorn applies for peers in FORWARDED_ALLOW_IPS (loopback by
default, as in production behind a local reverse proxy).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import func, select

import resolvers.accounts
from core.config import Settings
from core.db import Database, create_engine
from core.ids import parse_id
from models.accounts import Role, RoleGrant
from models.issues import Issue
from resolvers.accounts import create_account
from server import create_app
from tests.conftest import GRID, PASSWORD, Api, ServerThread
from tests.issue_ops import REPORT

LOGIN = (
    "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) "
    "{ token errors { code message } } }"
)
STRICT = {
    "reports_per_hour": 20,
    "login_failures_per_hour": 10,
    "login_source_failures_per_hour": 15,
    "login_checks_per_minute": 120,
}
_addresses = itertools.count(random.randrange(1 << 20) << 8)


def new_source() -> str:
    """A client address no other test uses (10.0.0.0/8)."""
    n = next(_addresses)
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def new_phone() -> str:
    return f"170{random.randrange(10**8):08d}"


@contextlib.contextmanager
def server(backend: Settings, **limits) -> Iterator[Api]:
    """Another server of the test database, with these limits."""
    settings = replace(backend, **limits)
    with ServerThread(create_app(settings)) as running:
        client = Api(running, settings)
        yield client
        client.http.close()


@pytest.fixture(scope="module")
def strict(api: Api, backend: Settings) -> Iterator[Api]:
    with server(backend, **STRICT) as running:
        yield running


def new_resident(api: Api) -> str:
    """A fresh resident of the grid head's courtyard (no throttle has counted them yet)."""
    phone = new_phone()
    courtyard = parse_id(api.region_of(GRID), "Region")

    async def create() -> None:
        db = Database(create_engine(api.settings.database_url))
        try:
            async with db.transaction() as session:
                account = await create_account(session, phone, "测试居民", PASSWORD)
                session.add(
                    RoleGrant(account_id=account.id, role=Role.RESIDENT, region_id=courtyard)
                )
        finally:
            await db.engine.dispose()

    asyncio.run(create())
    return phone


def login(http: httpx.Client, phone: str, password: str, source: str) -> dict:
    response = http.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"p": phone, "w": password}},
        headers={"x-forwarded-for": source, "accept-language": "en"},
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["login"]


def outcome(payload: dict) -> str:
    return payload["errors"][0]["code"] if payload["errors"] else "OK"


def together(api: Api, n: int, request: Callable[[httpx.Client, int], dict]) -> list[dict]:
    """`n` requests at once: each thread has its own connection, all released together."""
    clients = [httpx.Client(base_url=api.server.url, timeout=120) for _ in range(n)]
    for client in clients:  # connected before the start, so they start at the same moment
        client.get("/healthz")
    start = threading.Barrier(n)
    results: list[dict | BaseException] = [RuntimeError("not run")] * n

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = request(clients[i], i)
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]


@pytest.fixture
def hash_checks(monkeypatch) -> Callable[[], int]:
    """How many passwords the server (in this process) has hashed since the test began."""
    checked = Counter[str]()
    real = resolvers.accounts.verify_password

    async def counting(password_hash, password):
        checked["n"] += 1
        return await real(password_hash, password)

    monkeypatch.setattr(resolvers.accounts, "verify_password", counting)
    return lambda: checked["n"]


def test_forty_simultaneous_wrong_passwords_get_exactly_the_limit_of_hash_checks(
    strict: Api, hash_checks
):
    phone, source = new_resident(strict), new_source()
    before = hash_checks()
    results = together(strict, 40, lambda http, i: login(http, phone, f"guess-{i}", source))
    assert Counter(map(outcome, results)) == {"INVALID_CREDENTIALS": 10, "RATE_LIMITED": 30}
    assert hash_checks() - before == 10  # the 11th and later were refused before hashing
    # Still locked for this phone from this source, even with the right password.
    assert outcome(login(strict.http, phone, PASSWORD, source)) == "RATE_LIMITED"


def test_forty_simultaneous_reports_file_exactly_the_quota(strict: Api):
    phone = new_resident(strict)
    token = strict.ok(LOGIN, {"p": phone, "w": PASSWORD})["login"]["token"]
    courtyard = strict.region_of(GRID)

    def file(http: httpx.Client, i: int) -> dict:
        variables = {
            "input": {
                "regionId": courtyard,
                "category": "ROADS",
                "title": f"路灯坏了 {i}",
                "description": "晚上看不见路。",
            }
        }
        response = http.post(
            "/graphql",
            json={"query": REPORT, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        return response.json()["data"]["reportIssue"]

    results = together(strict, 40, file)
    assert Counter(map(outcome, results)) == {"OK": 20, "RATE_LIMITED": 20}
    me = parse_id(strict.ok("{ viewer { id } }", token=token)["viewer"]["id"], "Account")

    async def filed() -> int:
        db = Database(create_engine(strict.settings.database_url))
        try:
            return await db.one(
                select(func.count()).select_from(Issue).where(Issue.filed_by_id == me)
            )
        finally:
            await db.engine.dispose()

    assert asyncio.run(filed()) == 20
    # A grid head filing in their own courtyard is not held to the quota.
    variables = {
        "input": {"regionId": courtyard, "category": "ROADS", "title": "t", "description": "d"}
    }
    assert strict.ok(REPORT, variables, as_=GRID)["reportIssue"]["issue"]["number"]


def test_a_strangers_failures_do_not_lock_the_owner_out_from_elsewhere(strict: Api):
    owner = new_resident(strict)
    stranger, home = new_source(), new_source()
    for i in range(10):
        assert outcome(login(strict.http, owner, f"guess-{i}", stranger)) == "INVALID_CREDENTIALS"
    refused = login(strict.http, owner, PASSWORD, stranger)
    assert outcome(refused) == "RATE_LIMITED"
    assert refused["errors"][0]["message"] == "Too many failed logins; try again in an hour."
    signed_in = login(strict.http, owner, PASSWORD, home)
    assert outcome(signed_in) == "OK" and signed_in["token"]


def test_only_failures_count_towards_the_lockout(strict: Api):
    """A sign-in that succeeds gives its slot back: the limit counts failures."""
    owner, home = new_resident(strict), new_source()
    for i in range(9):
        assert outcome(login(strict.http, owner, f"typo-{i}", home)) == "INVALID_CREDENTIALS"
    for _ in range(3):
        assert outcome(login(strict.http, owner, PASSWORD, home)) == "OK"
    assert outcome(login(strict.http, owner, "typo-last", home)) == "INVALID_CREDENTIALS"
    assert outcome(login(strict.http, owner, PASSWORD, home)) == "RATE_LIMITED"


def test_one_source_trying_many_phones_is_stopped_at_the_source_limit(strict: Api, hash_checks):
    source, owner = new_source(), new_resident(strict)
    before = hash_checks()
    results = [login(strict.http, new_phone(), "123456", source) for _ in range(50)]
    outcomes = [outcome(r) for r in results]
    assert outcomes == ["INVALID_CREDENTIALS"] * 15 + ["RATE_LIMITED"] * 35
    assert results[-1]["errors"][0]["message"] == (
        "Too many failed logins from your network; try again later."
    )
    assert hash_checks() - before == 15  # unknown phones are hashed (same timing), and counted
    # That source is stopped for every phone; the owner elsewhere is not.
    assert outcome(login(strict.http, owner, PASSWORD, source)) == "RATE_LIMITED"
    assert outcome(login(strict.http, owner, PASSWORD, new_source())) == "OK"


def test_a_global_ceiling_on_password_checks_protects_the_cpu(
    api: Api, backend: Settings, hash_checks
):
    """Many sources, many phones: past LOGIN_CHECKS_PER_MINUTE nobody is hashed, the owner
    included, until the minute has passed."""
    owner = new_resident(api)
    with server(backend, login_checks_per_minute=5) as busy:
        before = hash_checks()
        attempts = [login(busy.http, new_phone(), "123456", new_source()) for _ in range(8)]
        # The window also counts this minute's other sign-ins on this database.
        assert hash_checks() - before <= 5
        assert outcome(attempts[-1]) == "RATE_LIMITED"
        assert attempts[-1]["errors"][0]["message"] == (
            "Too many logins right now; try again in a minute."
        )
        assert outcome(login(busy.http, owner, PASSWORD, new_source())) == "RATE_LIMITED"
