"""The clients frontend teams use, against the API, HTTP and websocket.

In headless Chromium, a page served from a second origin (a plain HTTP server on another
port) uses Apollo Client (persisted queries hashed with the browser's crypto, BatchHttpLink,
GraphQLWsLink) and urql (fetchExchange, subscriptionExchange over graphql-ws): each signs in,
queries, mutates and receives a subscription event (tests/browser_clients/page.js, bundled
with esbuild from the npm packages pinned in tests/browser_clients/package-lock.json). The
API lists the page's origin in ALLOWED_ORIGINS; without it the same page is refused.

And the Python `gql` client: HTTP (httpx, a batch included) and websocket
(graphql-transport-ws): sign-in, a query, mutations and a subscription event.
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from gql import Client as GqlClient
from gql import GraphQLRequest
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport

from tests.conftest import OTHER_RESIDENT, PASSWORD, RESIDENT, Api, node_project
from tests.test_graphiql import Browser, browser  # noqa: F401 (a fixture)
from tests.test_protocol import own_server

HERE = Path(__file__).resolve().parent / "browser_clients"


@pytest.fixture(scope="session")
def page_folder(tmp_path_factory) -> Path:
    """index.html and the page's bundle, built with esbuild from the pinned packages."""
    node = node_project(HERE, "esbuild", "the browser clients' page")
    folder = tmp_path_factory.mktemp("browser-page")
    subprocess.run(
        [str(node), "build.mjs", str(folder)],
        cwd=HERE,
        check=True,
        capture_output=True,
        timeout=120,
    )
    shutil.copyfile(HERE / "index.html", folder / "index.html")
    return folder


class PageServer:
    """A plain static HTTP server on a free loopback port: the page's own origin."""

    def __init__(self, folder: Path) -> None:
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

        handler = functools.partial(Quiet, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> PageServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def page(page_folder: Path) -> Iterator[PageServer]:
    with PageServer(page_folder) as server:
        yield server


def run_page(browser: Browser, page: PageServer, api_url: str) -> dict:  # noqa: F811
    query = urlencode({"api": f"{api_url}/graphql", "apollo": RESIDENT, "urql": OTHER_RESIDENT})
    browser.open_page()
    browser.call("Page.navigate", url=f"{page.origin}/index.html?{query}")
    browser.wait_for(
        "['done', 'failed'].includes(document.title)", "the page's clients to finish", 90
    )
    result = json.loads(browser.evaluate("document.getElementById('result').textContent"))
    result["title"] = browser.evaluate("document.title")
    return result


def entries(requests: list[dict], client: str) -> list[tuple[dict, dict]]:
    """(operation sent, its answer) of every POST the client made, batches unpacked."""
    pairs = []
    for request in requests:
        if request["client"] != client or request["method"] != "POST":
            continue
        sent, answer = request["sent"], request["answer"]
        if isinstance(sent, list):
            assert isinstance(answer, list) and len(answer) == len(sent), request
            pairs += zip(sent, answer, strict=True)
        else:
            pairs.append((sent, answer))
    return pairs


def test_apollo_and_urql_from_a_page_on_another_origin(
    api: Api,
    browser: Browser,  # noqa: F811
    page: PageServer,
):
    with own_server(api, allowed_origins=(page.origin,)) as server:
        assert page.origin != server.url  # another port: another origin
        result = run_page(browser, page, server.url)
    assert result["title"] == "done", result.get("error")
    requests = result["requests"]
    assert all(r["status"] == 200 for r in requests), [r for r in requests if r["status"] != 200]

    apollo = result["apollo"]
    assert (apollo["viewer"], apollo["region"]) == ("崔玉环", "老槐树院落")
    assert apollo["villages"] > 0 and apollo["againSame"]
    # The subscription (GraphQLWsLink) delivered the note the mutation added, once.
    assert apollo["event"] == apollo["noted"] == {**apollo["event"], "kind": "UPDATED"}
    assert apollo["event"]["note"] == "Apollo 的进展"
    # BatchHttpLink: the two queries went out as one array, answered in order.
    sent = [r["sent"] for r in requests if r["client"] == "apollo" and r["method"] == "POST"]
    batches = [s for s in sent if isinstance(s, list)]
    assert batches and max(len(b) for b in batches) >= 2, sent
    # Persisted queries: a hash alone first (not found, then sent with its query), and once
    # known, the hash alone answered.
    operations = entries(requests, "apollo")
    by_hash = [(s, a) for s, a in operations if "query" not in s]
    assert all(s["extensions"]["persistedQuery"]["sha256Hash"] for s, _ in by_hash)
    not_found = [a for _, a in by_hash if "errors" in a]
    answered = [a for _, a in by_hash if a.get("data")]
    assert not_found and all(
        a["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND" for a in not_found
    )
    assert any(a["data"].get("viewer") for a in answered), by_hash

    urql = result["urql"]
    assert (urql["viewer"], urql["region"]) == ("冯景凯", "柳树坪院落")
    assert urql["event"] == urql["noted"] and urql["event"]["note"] == "urql 的进展"
    assert browser.exceptions == []


def test_a_page_on_an_origin_not_listed_is_refused(
    api: Api,
    browser: Browser,  # noqa: F811
    page: PageServer,
):
    """The same page against a server that does not list its origin: the browser refuses
    it (CORS), so the test above proves ALLOWED_ORIGINS, not a lenient browser."""
    with own_server(api) as server:
        result = run_page(browser, page, server.url)
    assert result["title"] == "failed"
    assert "Failed to fetch" in result["error"], result["error"]


LOGIN = """mutation Login($phone: String!, $password: String!) {
  login(phone: $phone, password: $password) { token errors { code message } } }"""
VIEWER = "query Viewer { viewer { displayName roles { region { id name } } } }"
VILLAGES = "query Villages { villages(first: 1) { totalCount } }"
REPORT = """mutation Report($input: ReportIssueInput!) {
  reportIssue(input: $input) { issue { id number } event { cursor } errors { code } } }"""
NOTE = """mutation Note($input: AddIssueUpdateInput!) {
  addIssueUpdate(input: $input) { event { cursor kind note } errors { code } } }"""
WATCH = """subscription Watch($id: ID!, $after: String) {
  issueUpdated(id: $id, after: $after) { cursor kind note } }"""


def request(document: str, variables: dict | None = None) -> GraphQLRequest:
    return GraphQLRequest(document, variable_values=variables)


def test_the_python_gql_client_over_http_and_websocket(api: Api):
    url = api.server.url + "/graphql"

    async def scenario() -> None:
        async with GqlClient(transport=HTTPXAsyncTransport(url=url)) as session:
            variables = {"phone": RESIDENT, "password": PASSWORD}
            login = (await session.execute(request(LOGIN, variables)))["login"]
        token = login["token"]
        assert token and login["errors"] == []
        signed_in = HTTPXAsyncTransport(url=url, headers={"authorization": f"Bearer {token}"})
        async with GqlClient(transport=signed_in) as session:
            viewer = (await session.execute(request(VIEWER)))["viewer"]
            assert viewer["displayName"] == "崔玉环"
            # gql's own batching: one POST of two operations, two answers in order.
            batched = await session.execute_batch([request(VIEWER), request(VILLAGES)])
            assert batched[0]["viewer"] == viewer and batched[1]["villages"]["totalCount"] > 0
            report_input = {
                "regionId": viewer["roles"][0]["region"]["id"],
                "category": "ROADS",
                "title": "gql 报告",
                "description": "Python 客户端",
            }
            reported = await session.execute(request(REPORT, {"input": report_input}))
            reported = reported["reportIssue"]
        assert reported["errors"] == []
        issue, after = reported["issue"]["id"], reported["event"]["cursor"]

        sockets = WebsocketsTransport(
            url=url.replace("http://", "ws://"),
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
            init_payload={"authorization": f"Bearer {token}"},
        )
        async with GqlClient(transport=sockets) as session:
            assert (await session.execute(request(VIEWER)))["viewer"] == viewer  # over the socket

            async def first_update() -> dict:
                # From the report on: the note arrives live, or replayed if it came first.
                watch = request(WATCH, {"id": issue, "after": after})
                async for event in session.subscribe(watch):
                    return event["issueUpdated"]
                raise AssertionError("the subscription ended without an event")

            watched = asyncio.create_task(first_update())
            note = {"input": {"id": issue, "note": "gql 的进展"}}
            noted = await session.execute(request(NOTE, note))
            event = await asyncio.wait_for(watched, 20)
        assert noted["addIssueUpdate"]["errors"] == []
        assert event == noted["addIssueUpdate"]["event"]
        assert event["kind"] == "UPDATED" and event["note"] == "gql 的进展"

    asyncio.run(scenario())
