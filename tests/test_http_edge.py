"""The HTTP edge (issue 7): query limits after fragment expansion, request and query size
limits and bounded caches, 4xx (never 5xx, never internal text) for bad input, persisted
queries, CORS, the sign-in state, /metrics, and one table of limits in the README.

Each test runs against the real app over HTTP, on SQLite and PostgreSQL; those that need
other settings start a second server on the same database.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path

import httpx
import pytest
from graphql import parse
from sqlalchemy.exc import OperationalError
from starlette.requests import Request

import resolvers.regions
import schema.limits
from core.config import Settings
from core.http import (
    BadJson,
    PersistedQueries,
    load_json,
    metrics_allowed,
    normalize_origin,
    origin_allowed,
)
from schema.limits import DocumentCache, Measurer
from server import create_app
from tests.conftest import RESIDENT, Api, ServerThread, jpeg
from tests.live_client import LiveClient

ROOT = Path(__file__).resolve().parent.parent
JSON_BODY = {"content-type": "application/json"}


def fan_out(levels: int) -> str:
    """`query{...F0}` and fragments each spreading the next twice: 2^levels fields."""
    return " ".join(
        ["query{...F0}"]
        + [f"fragment F{i} on Query{{...F{i + 1} ...F{i + 1}}}" for i in range(levels)]
        + [f"fragment F{levels} on Query{{__typename}}"]
    )


def own_server(api: Api, **changes) -> ServerThread:
    return ServerThread(create_app(replace(api.settings, demo_data=False, **changes)))


@pytest.fixture(scope="module")
def production(api: Api) -> Iterator[Api]:
    """A second server on the same database, as PRODUCTION=1 runs it."""
    with own_server(api, production=True) as server:
        client = Api(server, server.app.state.settings)
        yield client
        client.http.close()


def no_internal_text(response: httpx.Response) -> None:
    text = response.text
    for word in ("Traceback", "Error:", "SELECT", "LIKE", "sqlite", "codec", "recursion"):
        assert word not in text, (word, text)


def refused(response: httpx.Response, status: int, code: str) -> dict:
    """A GraphQL-shaped refusal: that status, JSON, one error with that code."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert "data" not in body, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code, body
    assert error["message"], body
    no_internal_text(response)
    return error


# --- 1. limits after fragment expansion ------------------------------------------------


def test_fragment_fan_out_is_refused_with_a_coded_error(api: Api):
    body = api.gql(fan_out(20))
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "cost", "max": 1000}
    assert "1,048,576 fields" in error["message"], error
    # Far past where strawberry's limiters took seconds, still answered at once.
    assert api.gql(fan_out(200))["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert api.ok(fan_out(9)) == {"__typename": "Query"}  # 512 fields: allowed


def test_the_socket_applies_the_same_limits(api: Api):
    over_http = api.gql(fan_out(20))["errors"]
    client = LiveClient(api.server.url)
    try:
        assert client.init(None)["type"] == "connection_ack"  # anonymous
        client.subscribe("f", fan_out(20), {})
        answer = client.next("f")
        assert answer["type"] == "error", answer
        assert answer["payload"] == over_http
    finally:
        client.ws.close()


def test_each_fragment_is_measured_once():
    document = parse(fan_out(20))
    measurer = Measurer(document)
    assert dict(measurer.visits) == {f"F{i}": 1 for i in range(21)}
    assert measurer.operation(document.definitions[0]).cost == 2**20
    # A cycle (refused by graphql's NoFragmentCyclesRule) and an unknown fragment do not
    # loop or fail: they weigh nothing.
    cyclic = parse(
        "{ ...A } fragment A on Query { a: __typename ...B } "
        "fragment B on Query { b: __typename ...A ...Missing }"
    )
    measurer = Measurer(cyclic)
    assert dict(measurer.visits) == {"A": 1, "B": 1}
    assert measurer.operation(cyclic.definitions[0]).aliases == 2
    # A long chain of fragments is measured without recursion.
    chain = " ".join(
        ["{ ...F0 }"] + [f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(2000)]
    )
    chain += " fragment F2000 on Query { __typename }"
    assert Measurer(parse(chain)).operation(parse(chain).definitions[0]).cost == 1


def test_depth_and_aliases_are_counted_through_fragments(api: Api):
    aliases = " ".join(f"a{i}: __typename" for i in range(11))
    once = f"{{ ...A }} fragment A on Query {{ {aliases} }}"
    twice = f"{{ ...A ...B }} fragment A on Query {{ {aliases} }} fragment B on Query {{ ...A }}"
    assert len(api.ok(once)) == 11
    (error,) = api.gql(twice)["errors"]
    assert error["extensions"]["limit"] == "aliases" and "22 aliases" in error["message"]

    parents = "parent { " * 12 + "name" + " }" * 12
    deep = (
        "{ villages { edges { ...N } } } "
        f"fragment N on RegionEdge {{ node {{ ...P }} }} fragment P on Region {{ {parents} }}"
    )
    (error,) = api.gql(deep)["errors"]
    assert error["extensions"]["limit"] == "depth", error
    assert "15 levels deep" in error["message"] and "depth" in error["message"]


def test_repeating_a_field_under_one_name_is_bounded(api: Api, monkeypatch):
    """Forty copies of one field with a selection: graphql's OverlappingFieldsCanBeMergedRule
    compares each with each, all the way down (a 12 KB query took it a second). The limit
    (`overlap`) is checked first, and graphql's own rules then do not run at all."""
    copies = "villages { edges { node { " + "children { totalCount } " * 10 + "} } } "
    ran: list[str] = []
    real = schema.limits.DocumentCache.validated

    def validated(self, prepared):
        ran.append(prepared.query[:20])
        return real(self, prepared)

    monkeypatch.setattr(schema.limits.DocumentCache, "validated", validated)
    body = api.gql("{ " + copies * 40 + "}")
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "overlap", "max": 200000}
    assert ran  # validated through the cache, which ran the limits alone
    # A few copies are fine (they merge into one field).
    assert api.ok("{ " + copies * 3 + "}")["villages"]["edges"]


def test_limits_are_checked_before_graphqls_rules():
    from schema import build_schema, document_cache

    settings = Settings(database_url="sqlite://")
    cache = document_cache(settings, build_schema(settings), [])
    # Refused by the limits: graphql's rules (here: an unknown field) are not even run.
    (error,) = cache.prepare(fan_out(20) + " query Other { nothing }")
    assert error.extensions["limit"] == "cost"
    (error,) = cache.prepare("query Other { nothing }")
    assert "Cannot query field 'nothing'" in error.message


def test_an_undefined_fragment_is_graphqls_own_error_in_production(production: Api):
    body = production.gql("{ ...Nowhere }")
    assert [e["message"] for e in body["errors"]] == ["Unknown fragment 'Nowhere'."]


# --- 2. request size, query size, bounded caches ------------------------------------------


def test_a_large_body_is_refused_before_it_is_parsed(api: Api, monkeypatch):
    parsed: list[int] = []
    real_parse = schema.limits.parse
    monkeypatch.setattr(
        schema.limits, "parse", lambda q, **kw: parsed.append(len(q)) or real_parse(q, **kw)
    )
    padded = "{ __typename }\n#" + "x" * (10 * 1024 * 1024)
    response = api.http.post("/graphql", json={"query": padded})
    error = refused(response, 413, "REQUEST_TOO_LARGE")
    assert "1048576" in error["message"]
    # Streamed without a Content-Length: cut off as it passes the limit.
    chunks = (b'{"query": "{ __typename } #' + b"x" * 65536 for _ in range(40))
    refused(api.http.post("/graphql", content=chunks, headers=JSON_BODY), 413, "REQUEST_TOO_LARGE")
    # Under the body limit but over MAX_QUERY_BYTES (64 KiB): refused, not parsed either.
    padded = "{ __typename }\n#" + "x" * (100 * 1024)
    refused(api.http.post("/graphql", json={"query": padded}), 413, "QUERY_TOO_LARGE")
    assert parsed == []


def test_uploads_and_get_requests_have_their_limits(api: Api):
    """Content-Length past MAX_PHOTOS x MAX_UPLOAD_BYTES (+ a JSON body's worth) is answered
    413 straight from the headers: this client sends no body at all."""
    with own_server(api, max_photos=2, max_upload_bytes=100_000, max_body_bytes=20_000) as server:
        limit = server.app.state.settings.max_multipart_bytes
        assert limit == 2 * 100_000 + 20_000
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            raw.sendall(
                b"POST /graphql HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
                b"Content-Type: multipart/form-data; boundary=b\r\n"
                b"Content-Length: " + str(limit + 1).encode() + b"\r\n\r\n"
            )
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                chunk = raw.recv(65536)
                if not chunk:
                    break
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413"), head
        assert json.loads(body)["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
        # One photo within the limits still works: the limit counts photos, not JSON.
        strict = Api(server, server.app.state.settings)
        response = strict.http.post(
            "/graphql",
            data={"operations": json.dumps({"query": "{ __typename }"}), "map": "{}"},
            files={"0": ("a.jpg", jpeg(), "image/jpeg")},
        )
        assert response.json() == {"data": {"__typename": "Query"}}
        # A GET's query string has the body's limit.
        long_get = strict.http.get("/graphql", params={"query": "{ __typename } #" + "x" * 30_000})
        refused(long_get, 414, "REQUEST_TOO_LARGE")
        strict.http.close()


def test_the_document_cache_holds_a_bounded_amount():
    from schema import build_schema

    graphql_schema = build_schema()._schema
    cache = DocumentCache(
        graphql_schema,
        [],
        max_tokens=3000,
        max_query_bytes=64 * 1024,
        entries=50,
        max_bytes=4 * 1024 * 1024,
    )
    for i in range(200):  # distinct texts, as an attacker would send them
        cache.prepare(f"{{ __typename }} # {i}")
    assert len(cache.cached) == 50
    heavy = " ".join(f"a{i}: __typename" for i in range(700))
    for i in range(20):  # about 650 KB each by the estimate: few fit in 4 MB
        cache.prepare(f"{{ {heavy} }} # {i}")
    assert cache.weight <= 4 * 1024 * 1024
    assert 0 < len(cache.cached) < 10
    assert cache.weight == sum(p.weight for p in cache.cached.values())
    # Too large: an error, never parsed, never kept.
    (error,) = cache.prepare("{ __typename } #" + "x" * 70_000)
    assert error.extensions == {"code": "QUERY_TOO_LARGE", "max": 65536}
    assert all(len(q) < 70_000 for q in cache.cached)


# --- 3. bad input is a 4xx in GraphQL's shape, never a 5xx --------------------------------

ENUM_QUERY = "query($s: [IssueStatus!]) { issues(filter: {statuses: $s}) { totalCount } }"
BAD_BODIES = {
    "null": b"null",
    "a string": b'"{ __typename }"',
    "a number": b"12",
    "an empty batch": b"[]",
    "a batch holding null": b'[{"query": "{ __typename }"}, null]',
    "invalid UTF-8": b'{"query": "{ __typename }\xff\xfe"}',
    "JSON nested 5,000 deep": b'{"query": "{ __typename }", "variables": {"a": '
    + b"[" * 5000
    + b"]" * 5000
    + b"}}",
    "an integer of 5,000 digits": b'{"query": "{ __typename }", "variables": {"a": '
    + b"7" * 5000
    + b"}}",
    # Escaped as \ud800: valid JSON, but no text (echoed back, it made the answer fail).
    "a lone surrogate in an enum value": json.dumps(
        {"query": ENUM_QUERY, "variables": {"s": ["\ud800"]}}
    ).encode(),
    "variables a list": b'{"query": "{ __typename }", "variables": [1]}',
    "query a number": b'{"query": 5}',
    "no query": b"{}",
}


@pytest.mark.parametrize("mode", ["development", "production"])
@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_bad_bodies_get_a_400(api: Api, production: Api, mode: str, case: str):
    client = production if mode == "production" else api
    response = client.http.post(
        "/graphql", content=BAD_BODIES[case], headers={**JSON_BODY, "accept-language": "en"}
    )
    refused(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize("mode", ["development", "production"])
def test_bad_multipart_requests_get_a_400(api: Api, production: Api, mode: str):
    client = production if mode == "production" else api
    operations = json.dumps(
        {"query": "query($f: [Upload]) { __typename }", "variables": {"f": [None]}}
    )
    for files_map in (
        '{"0": ["variables.f.5"]}',  # past the list
        '[["variables.f.0"]]',  # a list
        '{"0": "variables.f.0"}',  # paths not a list
        '{"0": ["variables.nothing.0"]}',  # no such variable
        '{"0": ["variables.f.x"]}',  # not an index
        '{"1": ["variables.f.0"]}',  # no such file
        "{not json",
    ):
        response = client.http.post(
            "/graphql",
            data={"operations": operations, "map": files_map},
            files={"0": ("a.jpg", b"jpeg", "image/jpeg")},
        )
        refused(response, 400, "BAD_REQUEST")
    response = client.http.post(
        "/graphql", data={"operations": "null", "map": "{}"}, files={"0": ("a", b"", "x/y")}
    )
    refused(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize("mode", ["development", "production"])
def test_bad_photo_links_get_a_403(api: Api, production: Api, mode: str):
    client = production if mode == "production" else api
    for query in (
        "expires=99999999999&signature=%C3%A9t%C3%A9",  # not ASCII
        "expires=99999999999&signature=abc",
        "expires=" + "9" * 5000 + "&signature=abc",  # past int()'s digit limit
        "expires=%EF%BC%91&signature=abc",  # a full-width digit
        "signature=abc",
    ):
        refused(client.http.get(f"/media/x.jpg?{query}"), 403, "FORBIDDEN")


def test_json_is_read_the_same_way_at_every_edge():
    """`load_json` (HTTP bodies and parameters; for websocket messages too) refuses what
    would otherwise fail later: with a reason, never an unexpected error."""
    for raw, why in (
        (b"\xff{}", "not JSON"),
        (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (b"1" * 5000, "not JSON"),
        (b'{"a": "\\ud800"}', "invalid Unicode (a lone surrogate)"),
        (b'{"\\udfff": 1}', "invalid Unicode (a lone surrogate)"),
    ):
        with pytest.raises(BadJson) as refused:
            load_json(raw)
        assert str(refused.value) == why, raw[:20]
    assert load_json('{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}  # a pair is fine


# --- 4. no internal text reaches clients ----------------------------------------------------


@pytest.mark.parametrize("length", [101, 1_000_000])
def test_search_is_bounded_with_a_validation_error_at_the_field(api: Api, length: int):
    words = ("村" if length < 1000 else "x") * length  # 1 MB: under the body limit
    body = api.gql("query($s: String) { villages(search: $s) { totalCount } }", {"s": words})
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "VALIDATION", "field": "search"}, error
    assert error["message"] == "不能超过 100 个字符。"
    body = api.gql(
        "query($s: String) { issues(filter: {search: $s}) { totalCount } }",
        {"s": words},
        as_=RESIDENT,
    )
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "VALIDATION", "field": "filter.search"}, error
    assert api.ok('{ villages(search: "天星") { totalCount } }')["villages"]["totalCount"] == 1


def test_database_errors_are_masked_in_development_too(api: Api, monkeypatch):
    assert api.settings.production is False

    async def villages(*_args):
        raise OperationalError(
            "SELECT regions.id FROM regions WHERE regions.name LIKE ?",
            ("%x%",),
            Exception("LIKE or GLOB pattern too complex"),
        )

    monkeypatch.setattr(resolvers.regions, "villages", villages)
    response = api.http.post("/graphql", json={"query": "{ villages { totalCount } }"})
    assert response.status_code == 200
    no_internal_text(response)
    (error,) = response.json()["errors"]
    assert error["message"] == "Unexpected error." and error["extensions"] == {"code": "INTERNAL"}


# --- 6. Apollo automatic persisted queries ----------------------------------------------------


def test_automatic_persisted_queries(api: Api):
    query = "query Villages { villages(first: 1) { totalCount } } # apq " + api.server.url
    digest = hashlib.sha256(query.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}

    # 1. The link sends only the hash: not known yet, 200 so it retries with the query.
    miss = api.http.post("/graphql", json={"extensions": persisted})
    assert miss.status_code == 200
    assert miss.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    # 2. Query and hash: checked, kept, run.
    full = api.http.post("/graphql", json={"query": query, "extensions": persisted})
    assert full.json()["data"]["villages"]["totalCount"] >= 1
    # 3. From now on the hash is enough, by POST and by GET (Apollo's useGETForHashedQueries).
    by_post = api.http.post("/graphql", json={"extensions": persisted, "operationName": "Villages"})
    assert by_post.json() == full.json()
    by_get = api.http.get(
        "/graphql",
        params={"extensions": json.dumps(persisted), "operationName": "Villages"},
        headers={"accept": "*/*"},
    )
    assert by_get.status_code == 200 and by_get.json() == full.json()

    # A hash that is not the query's is refused, and nothing is kept under it.
    wrong = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    refused(
        api.http.post("/graphql", json={"query": "{ __typename }", "extensions": wrong}),
        400,
        "PERSISTED_QUERY_HASH_MISMATCH",
    )
    assert (
        api.http.post("/graphql", json={"extensions": wrong}).json()["errors"][0]["extensions"][
            "code"
        ]
        == "PERSISTED_QUERY_NOT_FOUND"
    )
    bad_version = {"persistedQuery": {"version": 2, "sha256Hash": digest}}
    refused(
        api.http.post("/graphql", json={"extensions": bad_version}),
        400,
        "PERSISTED_QUERY_NOT_SUPPORTED",
    )
    # A mutation by hash is still a mutation: not over GET.
    mutation = "mutation { logout }"
    mutation_hash = hashlib.sha256(mutation.encode()).hexdigest()
    as_get = {"persistedQuery": {"version": 1, "sha256Hash": mutation_hash}}
    api.http.post("/graphql", json={"query": mutation, "extensions": as_get})
    refused(
        api.http.get("/graphql", params={"extensions": json.dumps(as_get)}),
        405,
        "METHOD_NOT_ALLOWED",
    )


def test_persisted_queries_are_bounded():
    from core.http import Params

    store = PersistedQueries(size=2)
    for text in ("{ a }", "{ b }", "{ c }"):
        digest = hashlib.sha256(text.encode()).hexdigest()
        persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        assert store.resolve(Params(text, None, None, persisted)) == text
    assert len(store.queries) == 2
    assert hashlib.sha256(b"{ a }").hexdigest() not in store.queries


# --- 7. CORS -----------------------------------------------------------------------------------

APOLLO_AND_TRACING = (
    "content-type, authorization, apollo-require-preflight, apollographql-client-name, "
    "apollographql-client-version, x-apollo-operation-name, traceparent, sentry-trace, baggage"
)


def preflight(client: httpx.Client, origin: str) -> httpx.Response:
    return client.options(
        "/graphql",
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": APOLLO_AND_TRACING,
        },
    )


def test_a_frontend_on_another_origin_works_with_allowed_origins(api: Api):
    frontend = "http://localhost:5173"
    with own_server(api, allowed_origins=(frontend + "/",)) as server:  # as typed, with a /
        client = httpx.Client(base_url=server.url, timeout=30)
        answer = preflight(client, frontend)
        assert answer.status_code == 200, answer.text
        assert answer.headers["access-control-allow-origin"] == frontend
        assert answer.headers["access-control-allow-headers"] == APOLLO_AND_TRACING
        assert "POST" in answer.headers["access-control-allow-methods"]
        actual = client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={
                "origin": frontend,
                "apollo-require-preflight": "true",
                "apollographql-client-name": "web",
                "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            },
        )
        assert actual.json() == {"data": {"__typename": "Query"}}
        assert actual.headers["access-control-allow-origin"] == frontend
        # Another origin is refused, with a reason rather than a 405.
        other = preflight(client, "http://evil.example")
        assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
        client.close()


def test_any_origin_with_a_star(api: Api):
    with own_server(api, allowed_origins=("*",)) as server:
        client = httpx.Client(base_url=server.url, timeout=30)
        answer = preflight(client, "https://anywhere.example")
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == "*"
        client.close()


def test_without_allowed_origins_a_preflight_is_refused_not_405(api: Api):
    answer = preflight(api.http, "http://localhost:5173")
    assert answer.status_code == 400, answer.status_code
    assert "origin" in answer.text and "access-control-allow-origin" not in answer.headers


def test_the_websocket_origin_rule():
    assert origin_allowed(None, "api.example", ())  # not a browser
    assert origin_allowed("http://api.example", "api.example", ())  # its own page
    assert origin_allowed("http://localhost:5173", "api.example", ("*",))
    assert origin_allowed("http://localhost:5173", "x", ("HTTP://LocalHost:5173/",))
    assert not origin_allowed("http://localhost:5174", "x", ("http://localhost:5173",))
    assert not origin_allowed("http://evil.example", "api.example", ())
    assert normalize_origin("https://Example.org:443/") == "https://example.org"


# --- 8. sign-in state ---------------------------------------------------------------------------


def test_viewer_tells_an_ended_session_from_signed_out(api: Api):
    anonymous = api.gql("{ viewer { id } }")
    assert anonymous == {"data": {"viewer": None}}  # signed out: null, no error
    for token in ("garbage", api.token(RESIDENT) + "x"):
        body = api.gql("{ viewer { id } }", token=token, lang="en")
        assert body["data"] == {"viewer": None}
        (error,) = body["errors"]
        assert error["extensions"] == {"code": "UNAUTHENTICATED"}, error
        assert error["path"] == ["viewer"]
        assert "no longer valid" in error["message"]
    # A login sent with a stale token still works.
    login = api.gql(
        'mutation { login(phone: "13800000005", password: "demo-password") { token } }',
        token="garbage",
    )
    assert login["data"]["login"]["token"] and "errors" not in login
    assert api.ok("{ viewer { id } }", as_=RESIDENT)["viewer"]["id"]


# --- 9. /metrics ---------------------------------------------------------------------------------


def test_metrics_are_for_loopback_or_the_metrics_token(api: Api):
    assert api.http.get("/metrics").status_code == 200  # the tests are on loopback
    with own_server(api, metrics_token="scrape-me") as server:
        client = httpx.Client(base_url=server.url, timeout=30)
        refused(client.get("/metrics"), 401, "FORBIDDEN")
        wrong = client.get("/metrics", headers={"authorization": "Bearer nope"})
        refused(wrong, 401, "FORBIDDEN")
        right = client.get("/metrics", headers={"authorization": "Bearer scrape-me"})
        assert right.status_code == 200 and "grassroots_" in right.text
        client.close()

    def request(host: str, authorization: str | None = None) -> Request:
        headers = [(b"authorization", authorization.encode())] if authorization else []
        return Request({"type": "http", "client": (host, 5000), "headers": headers})

    assert metrics_allowed(request("127.0.0.1"), None)
    assert metrics_allowed(request("::1"), None)
    assert not metrics_allowed(request("10.1.2.3"), None)
    assert not metrics_allowed(request("127.0.0.1"), "t")  # with a token, only the token
    assert metrics_allowed(request("10.1.2.3", "Bearer t"), "t")


# --- 10. every limit is a setting, in one table ------------------------------------------------

LIMITS = {
    "max_body_bytes": "MAX_BODY_BYTES",
    "max_query_bytes": "MAX_QUERY_BYTES",
    "max_query_cost": "MAX_QUERY_COST",
    "max_query_overlap": "MAX_QUERY_OVERLAP",
    "max_query_depth": "MAX_QUERY_DEPTH",
    "max_aliases": "MAX_ALIASES",
    "max_query_tokens": "MAX_QUERY_TOKENS",
    "query_cache_entries": "QUERY_CACHE_ENTRIES",
    "query_cache_bytes": "QUERY_CACHE_BYTES",
    "apq_cache_size": "APQ_CACHE_SIZE",
    "max_search_length": "MAX_SEARCH_LENGTH",
    "max_upload_bytes": "MAX_UPLOAD_BYTES",
    "max_photos": "MAX_PHOTOS",
    "reports_per_hour": "REPORTS_PER_HOUR",
    "login_failures_per_hour": "LOGIN_FAILURES_PER_HOUR",
    "max_subscriptions_per_connection": "MAX_SUBSCRIPTIONS",
    "live_outbox_messages": "LIVE_OUTBOX_MESSAGES",
    "live_outbox_bytes": "LIVE_OUTBOX_BYTES",
    "connection_init_timeout_seconds": "CONNECTION_INIT_TIMEOUT",
    # photos, throttles and sockets
    "max_photo_pixels": "MAX_PHOTO_PIXELS",
    "max_concurrent_decodes": "MAX_CONCURRENT_DECODES",
    "login_source_failures_per_hour": "LOGIN_SOURCE_FAILURES_PER_HOUR",
    "login_checks_per_minute": "LOGIN_CHECKS_PER_MINUTE",
    "live_outbox_seconds": "LIVE_OUTBOX_SECONDS",
    "max_sockets_per_account": "MAX_SOCKETS_PER_ACCOUNT",
    "max_sockets_per_source": "MAX_SOCKETS_PER_SOURCE",
    "max_anonymous_sockets_per_source": "MAX_ANONYMOUS_SOCKETS_PER_SOURCE",
    "max_subscriptions_per_account": "MAX_SUBSCRIPTIONS_PER_ACCOUNT",
    "max_documents_per_account": "MAX_DOCUMENTS_PER_ACCOUNT",
    "max_batch_operations": "MAX_BATCH_OPERATIONS",
    "post_max_length": "POST_MAX_LENGTH",
    "max_post_photos": "MAX_POST_PHOTOS",
    "comment_max_length": "COMMENT_MAX_LENGTH",
    "posts_per_hour": "POSTS_PER_HOUR",
    "comments_per_minute": "COMMENTS_PER_MINUTE",
    "meeting_agenda_max_items": "MEETING_AGENDA_MAX_ITEMS",
    "meeting_minutes_max_length": "MEETING_MINUTES_MAX_LENGTH",
    "ws_ping_interval_seconds": "WS_PING_INTERVAL",
    "ws_pong_timeout_seconds": "WS_PONG_TIMEOUT",
    "deputy_messages_per_hour": "DEPUTY_MESSAGES_PER_HOUR",
    "deputy_message_max_chars": "DEPUTY_MESSAGE_MAX_CHARS",
    "dashboard_max_days": "DASHBOARD_MAX_DAYS",
    "export_max_days": "EXPORT_MAX_DAYS",
    "export_link_ttl_seconds": "EXPORT_LINK_TTL",
    "common_demand_days": "COMMON_DEMAND_DAYS",
    "common_demand_max_issues": "COMMON_DEMAND_MAX_ISSUES",
    "common_demand_min_size": "COMMON_DEMAND_MIN_SIZE",
    "common_demand_similarity": "COMMON_DEMAND_SIMILARITY",
    "common_demand_distance_m": "COMMON_DEMAND_DISTANCE_M",
    "max_merge_issues": "MAX_MERGE_ISSUES",
    "dashboard_live_seconds": "DASHBOARD_LIVE_SECONDS",
}


def test_every_limit_is_a_setting_in_the_readme_limits_table():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Limits\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", "\n".join(rows)))
    assert set(LIMITS.values()) <= documented, set(LIMITS.values()) - documented
    names = {f.name for f in fields(Settings)}
    assert set(LIMITS) <= names
    env = {name: "7" for name in LIMITS.values()}
    settings = Settings.from_env({**env, "DATA_DIR": "/nonexistent/never", "SECRET_KEY": "k"})
    for attribute in LIMITS:
        assert getattr(settings, attribute) == 7, attribute
