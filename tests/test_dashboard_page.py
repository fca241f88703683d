"""The dashboard page at /dashboard (resolvers/dashboards/page.py, static/dashboard/).

Over HTTP: the page and every asset come from this server, with SRI hashes, under a
Content-Security-Policy that allows nothing inline and no other origin; the bundled graphql-ws
client is what its pinned packages build (rebuilt here with esbuild and compared) and ships
with its licence.

In Debian's headless Chromium (tests/test_graphiql.py's driver, every non-loopback request
blocked): the county official signs in (after a wrong password, answered in the page's
language), sees the county's figures match the API's, a resident files reports through the
API and the page shows them without reload (the live stream and the figures), a figure opens
the list it counts, the export link downloads the CSV; a screenshot is kept.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from tests.conftest import COUNTY, RESIDENT, Api, node_project
from tests.issue_ops import ok, report
from tests.test_graphiql import Browser, browser, keep_screenshot  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "static" / "dashboard" / "bundle"
ASSETS = ROOT / "static" / "dashboard" / "assets"
TAG = re.compile(r"<(?:script|link)\b[^>]*?(?:src|href)=\"(?!data:)([^\"]+)\"[^>]*>", re.S)


def csp(response) -> dict[str, list[str]]:
    header = response.headers["content-security-policy"]
    directives = [d.strip().split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def test_the_page_and_its_assets_come_from_this_server_under_a_strict_csp(api: Api):
    page = api.http.get("/dashboard")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = csp(page)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == policy["style-src"] == ["'self'"]  # nothing inline
    assert policy["connect-src"] == ["'self'"]
    for directive, sources in policy.items():
        for source in sources:
            allowed = source in ("'self'", "'none'") or (
                directive == "img-src" and source == "data:"
            )
            assert allowed, f"{directive} allows {source}"
    bodies = re.findall(r"<script\b[^>]*>(.*?)</script>", page.text, re.S)
    assert bodies and all(not body.strip() for body in bodies), "an inline script"
    assert "<style" not in page.text and " style=" not in page.text
    tags = [m for m in TAG.finditer(page.text)]
    assert {m[1] for m in tags} == {
        "/dashboard/assets/dashboard.js",
        "/dashboard/assets/dashboard.css",
    }
    for match in tags:
        asset = api.http.get(match[1])
        assert asset.status_code == 200, match[1]
        algorithm, digest = re.search(r'integrity="(sha\d+)-([^"]+)"', match[0]).groups()  # type: ignore[union-attr]
        assert base64.b64encode(hashlib.new(algorithm, asset.content).digest()).decode() == digest
    script = api.http.get("/dashboard/assets/dashboard.js").text
    assert re.findall(r'from "([^"]+)"', script) == ["./graphql-ws.js"]  # nothing else imported
    bundle = api.http.get("/dashboard/assets/graphql-ws.js")
    assert bundle.status_code == 200 and "createClient" in bundle.text
    licence = api.http.get("/dashboard/assets/graphql-ws.LICENSE")
    assert licence.status_code == 200 and "Permission is hereby granted" in licence.text
    # The bundle folder (and its node_modules, where present) is not served.
    assert api.http.get("/dashboard/assets/../bundle/package.json").status_code == 404
    assert api.http.get("/dashboard/bundle/package.json").status_code == 404


def test_the_bundled_graphql_ws_client_is_what_its_pinned_packages_build(tmp_path: Path):
    """static/dashboard/assets/graphql-ws.js is committed; rebuilt from package-lock.json it
    must be the same bytes (after a version bump: `cd static/dashboard/bundle && npm ci &&
    node build.mjs ../assets/graphql-ws.js`, and copy the licence)."""
    node = node_project(BUNDLE, "esbuild", "the dashboard's graphql-ws bundle")
    out = tmp_path / "graphql-ws.js"
    subprocess.run(
        [str(node), "build.mjs", str(out)], cwd=BUNDLE, check=True, capture_output=True, timeout=120
    )
    assert out.read_bytes() == (ASSETS / "graphql-ws.js").read_bytes(), "rebuild and commit"
    lock = json.loads((BUNDLE / "package-lock.json").read_text())
    version = lock["packages"]["node_modules/graphql-ws"]["version"]
    assert f"graphql-ws {version}" in (ASSETS / "graphql-ws.js").read_text()
    licence = (BUNDLE / "node_modules" / "graphql-ws" / "LICENSE.md").read_bytes()
    assert (ASSETS / "graphql-ws.LICENSE").read_bytes() == licence


# --- in Chromium ----------------------------------------------------------------------------

FIGURE = "document.querySelector('[data-figure=reported] .value')?.textContent"
STREAMED = "document.querySelector('#stream li[data-issue=\"{id}\"]') !== null"
COUNT = """query($r: ID!, $from: DateTime, $to: DateTime) {
  dashboard(regionId: $r, from: $from, to: $to) { reported { count } } }"""
ALL_TIME = "query($r: ID!) { issueCounts(filter: {regionId: $r}, groupBy: []) { count } }"
OVERDUE = "query($r: ID!) { issues(filter: {regionId: $r, overdue: true}) { totalCount } }"


def reported_per_api(api: Api, region: str, period: dict) -> int:
    """What the page's `reported` figure must show: the dashboard's count for its period
    (before the server had `dashboard`, the page showed all the region's issues)."""
    body = api.gql(COUNT, {"r": region, **period}, as_=COUNTY)
    if "errors" in body and "dashboard" in body["errors"][0]["message"]:
        return api.ok(ALL_TIME, {"r": region}, as_=COUNTY)["issueCounts"][0]["count"]
    assert "errors" not in body, body
    return body["data"]["dashboard"]["reported"]["count"]


def type_into(browser: Browser, selector: str, text: str) -> None:  # noqa: F811
    browser.click(selector)
    browser.evaluate(f"document.querySelector({json.dumps(selector)}).value = ''")
    browser.call("Input.insertText", text=text)


def test_the_county_official_watches_a_report_arrive_without_reload(
    api: Api,
    browser: Browser,  # noqa: F811
    capsys,
    request,
):
    browser.open_page()
    browser.call("Page.navigate", url=f"{api.server.url}/dashboard")
    browser.wait_for("document.body?.dataset.state === 'signin'", "the sign-in form")
    # The page follows the browser's language, and switches.
    language = browser.evaluate("navigator.language").lower()
    expected = "登录" if language.startswith("zh") else "Sign in"
    assert browser.evaluate("document.querySelector('#signin h2').textContent") == expected
    if not language.startswith("zh"):
        browser.click("#lang")
    assert browser.evaluate("document.querySelector('#signin h2').textContent") == "登录"

    # A wrong password: the API's message, in the page's language.
    type_into(browser, "#phone", COUNTY)
    type_into(browser, "#password", "not-the-password")
    browser.click("#signin-submit")
    shown = browser.wait_for(
        "document.getElementById('signin-error').textContent", "the sign-in error"
    )
    assert shown == "手机号或密码错误。"
    type_into(browser, "#password", "demo-password")
    browser.click("#signin-submit")
    browser.wait_for(
        "document.body.dataset.state === 'ready' && !!document.querySelector('#live.on')",
        "the figures, and the live stream connected",
    )

    browser.evaluate("window.__sameDocument = true")  # a reload would lose it
    county = api.region_of(COUNTY)
    period = json.loads(browser.evaluate("document.body.dataset.period"))
    # The browser runs in UTC; the period's days are the county's (TIME_ZONE), as the trend's.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert period["to"] == f"{today + timedelta(days=1)}T00:00:00+08:00", period
    assert period["from"] == f"{today - timedelta(days=29)}T00:00:00+08:00", period
    name = api.ok("query($r: ID!) { region(id: $r) { name } }", {"r": county})["region"]["name"]
    assert browser.evaluate("document.getElementById('region-name').textContent") == name
    before = reported_per_api(api, county, period)
    assert int(browser.evaluate(FIGURE)) == before
    overdue = api.ok(OVERDUE, {"r": county}, as_=COUNTY)["issues"]["totalCount"]
    assert browser.evaluate("document.getElementById('overdue-count').textContent") == str(overdue)
    assert browser.evaluate("document.querySelectorAll('#overdue tbody tr').length") == min(
        overdue, 20
    )

    # The common demands the API finds for the county, the demo's heating burst among them;
    # a row opens the list of its issues.
    demands = api.ok(
        "query($r: ID!) { commonDemands(regionId: $r, first: 5) { edges { node { "
        "suggestedTitle category size } } } }",
        {"r": county},
        as_=COUNTY,
    )["commonDemands"]["edges"]
    assert any(d["node"]["category"] == "HEATING" and d["node"]["size"] >= 5 for d in demands)
    rows = browser.evaluate(
        "[...document.querySelectorAll('#demands tbody tr')]"
        ".map(r => [r.cells[0].textContent, Number(r.dataset.size)])"
    )
    assert rows == [[d["node"]["suggestedTitle"], d["node"]["size"]] for d in demands]
    browser.evaluate("document.querySelector('#demands tbody tr').click()")
    browser.wait_for("!document.getElementById('list-card').hidden", "a demand's issues")
    # Its issues, up to the page's list size (20): other tests may have grown the group.
    shown = browser.evaluate("document.querySelectorAll('#list tbody tr').length")
    assert shown == min(demands[0]["node"]["size"], 20)
    browser.evaluate("document.getElementById('list-close').click(); window.scrollTo(0, 0)")

    # A resident files a report through the API: the page shows it without reload. The first
    # may come before the page's subscription has joined (subscribing is asynchronous), so
    # report again until one arrives, as tests/live_client.py's until_live does.
    courtyard = api.region_of(RESIDENT)
    filed: list[str] = []
    for _ in range(5):
        issue = ok(report(api, RESIDENT, courtyard, title="路灯不亮，夜里看不见路", photos=0))
        filed.append(issue["issue"]["id"])
        try:
            browser.wait_for(STREAMED.format(id=filed[-1]), "the report in the stream", 5)
            break
        except AssertionError:
            continue
    else:
        raise AssertionError("no report reached the page's live stream")
    item = browser.evaluate(
        f"document.querySelector('#stream li[data-issue=\"{filed[-1]}\"]').textContent"
    )
    assert "路灯不亮" in item and "上报" in item
    browser.wait_for(f"{FIGURE} === '{before + len(filed)}'", "the figures to move", 15)
    # Pushed by the server (`dashboardUpdated`), not reloaded by the page.
    assert int(browser.evaluate("document.body.dataset.pushes || '0'")) >= 1
    assert reported_per_api(api, county, period) == before + len(filed)
    assert browser.evaluate("window.__sameDocument") is True  # not reloaded

    # A figure opens the list of what it counts.
    browser.click("[data-figure=reported]")
    browser.wait_for("!document.getElementById('list-card').hidden", "the figure's list")
    listed = browser.evaluate(
        "[...document.querySelectorAll('#list tbody tr')].map(r => r.dataset.issue)"
    )
    assert filed[-1] in listed

    # The export link downloads the CSV, without a header (a signed link).
    browser.evaluate("window.scrollTo(0, 0)")
    browser.click("#export-issues")
    link = browser.wait_for("document.body.dataset.lastExport", "the export link")
    assert urlsplit(link).netloc == urlsplit(api.server.url).netloc
    download = api.http.get(link)
    assert download.status_code == 200 and download.content.startswith(b"\xef\xbb\xbf")
    assert filed[-1] in download.text and "办理过程" in download.text

    browser.evaluate("document.getElementById('list-close').click()")
    browser.call("Emulation.setDeviceMetricsOverride", width=1440, height=1500,
                 deviceScaleFactor=1, mobile=False)  # fmt: skip
    browser.evaluate("window.scrollTo(0, 0)")
    time.sleep(0.5)  # let the last changes paint
    keep_screenshot(browser, request, capsys, "dashboard", "dashboard")

    assert browser.blocked == [], "the page asked for something outside this server"
    assert browser.evaluate("window.__csp") == [], "Content-Security-Policy violations"
    assert browser.exceptions == []
    assert browser.console_errors == []
