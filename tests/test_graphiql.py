"""GraphiQL works offline: the page and every asset it loads come from this server (pinned
copies in static/, refreshed by scripts/refresh_graphiql.py), under a Content-Security-Policy
that allows no other origin. Proven in headless Chromium with every non-loopback request
blocked: the page renders, a query typed into it runs, and the result pane shows the answer.

Chromium is Debian's (`apt-get install -y chromium`; .ci/run installs it), driven over the
Chrome DevTools protocol with the `websockets` package; no browser is downloaded.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import strawberry
from websockets.sync.client import ClientConnection, connect

from tests.conftest import Api, unavailable

ROOT = Path(__file__).resolve().parent.parent
# What a page loads: scripts and links (the favicon, inline as a data: URL, aside).
ASSET = re.compile(r"<(?:script|link)\b[^>]*?(?:src|href)=\"(?!data:)([^\"]+)\"[^>]*>", re.S)
INTEGRITY = re.compile(r"integrity=\"(sha\d+)-([^\"]+)\"")
# Typed into GraphiQL: Chinese on the way in and out, from the demo county.
QUERY = """{
  villages(search: "天星", first: 1) {
    totalCount
    edges { node { name level } }
  }
}"""


def graphiql_page(api: Api):
    return api.http.get("/graphql", headers={"accept": "text/html"})


def csp_of(response) -> dict[str, list[str]]:
    header = response.headers.get("content-security-policy")
    assert header, "GraphiQL is served without a Content-Security-Policy"
    directives = [d.strip().split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def sha(algorithm: str, data: bytes) -> str:
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


# --- the page and its assets, over HTTP ---------------------------------------------------


def test_graphiql_loads_everything_from_this_server_under_a_strict_csp(api: Api):
    page = graphiql_page(api)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    tags = [m[0] for m in ASSET.finditer(page.text)]
    urls = [m[1] for m in ASSET.finditer(page.text)]
    remote = [u for u in urls if urlsplit(u).netloc or not u.startswith("/graphiql/")]
    assert urls and remote == []
    for tag, url in zip(tags, urls, strict=True):
        asset = api.http.get(url)
        assert asset.status_code == 200, url
        integrity = INTEGRITY.search(tag)
        assert integrity, f"{url} has no integrity hash"
        assert sha(integrity[1], asset.content) == integrity[2], f"{url} is not the pinned file"

    csp = csp_of(page)
    assert csp["default-src"] == ["'none'"]
    assert csp["connect-src"] == ["'self'"]
    for directive, sources in csp.items():
        for source in sources:
            # Nothing but this origin, what carries this response's nonce, and data: images.
            allowed = source in ("'self'", "'none'") or source.startswith("'nonce-")
            allowed |= directive in ("img-src", "font-src") and source == "data:"
            assert allowed, f"{directive} allows {source}"
    nonce = csp["script-src"][1].removeprefix("'nonce-").removesuffix("'")
    assert csp["script-src"] == csp["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    for tag in ("script", "style"):
        inline = re.findall(rf"<{tag}\b([^>]*)>(.*?)</{tag}>", page.text, re.S)
        inline = [attributes for attributes, body in inline if body.strip()]
        assert inline and all(f'nonce="{nonce}"' in a for a in inline), tag
    assert page.headers["cache-control"] == "no-store"
    again = csp_of(graphiql_page(api))["script-src"]
    assert again != csp["script-src"], "the nonce must be new for each response"


def test_each_vendored_package_comes_with_its_licence(api: Api):
    page = graphiql_page(api).text
    package = re.compile(r"/graphiql/((?:@[^/]+/)?[^/]+)/")
    packages = {package.match(m[1])[1] for m in ASSET.finditer(page)}  # type: ignore[index]
    assert {"react@18.2.0", "react-dom@18.2.0", "graphiql@3.8.3"} <= packages
    for name in packages:
        licence = api.http.get(f"/graphiql/{name}/LICENSE")
        assert licence.status_code == 200 and "permission is hereby granted" in licence.text.lower()
    bundled = api.http.get("/graphiql/graphiql@3.8.3/THIRD_PARTY_LICENSES.txt")
    assert bundled.status_code == 200 and "codemirror@" in bundled.text


def test_vendored_assets_are_the_ones_strawberrys_page_pins():
    """Strawberry's own GraphiQL page (which this one is made from) names the CDN files and
    their hashes: each must be here, byte for byte. After upgrading strawberry, run
    scripts/refresh_graphiql.py if this fails."""
    template = (Path(strawberry.__file__).parent / "static" / "graphiql.html").read_text()
    pinned = [
        (m[1], INTEGRITY.search(m[0])) for m in ASSET.finditer(template) if "unpkg.com" in m[1]
    ]
    assert pinned
    for url, integrity in pinned:
        assert integrity is not None
        local = ROOT / "static" / "graphiql" / url.removeprefix("https://unpkg.com/")
        assert local.is_file(), f"{url} is not vendored: run scripts/refresh_graphiql.py"
        assert sha(integrity[1], local.read_bytes()) == integrity[2], url
    ours = (ROOT / "static" / "graphiql.html").read_text()
    assert ours == template.replace("https://unpkg.com/", "/graphiql/")


# --- in a browser, offline ----------------------------------------------------------------


class Browser:
    """Headless Chromium with a fresh profile, driven over the DevTools protocol. Every
    request to anything but 127.0.0.1 fails: the resolver knows no other host, and the page's
    requests are intercepted and failed (and recorded in `blocked`)."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.folder = folder
        profile = folder / "profile"
        self.log = (folder / "chromium.log").open("w")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--no-proxy-server",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "--window-size=1400,900",
                "about:blank",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chromium did not start: see {folder / 'chromium.log'}")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self.socket: ClientConnection = connect(f"ws://127.0.0.1:{port}{path}", max_size=None)
        self.next_id = 0
        self.session: str | None = None
        self.blocked: list[str] = []
        self.exceptions: list[str] = []
        self.console_errors: list[str] = []

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        waiting = self.next_id
        message: dict = {"id": waiting, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv(timeout=60))
            if reply.get("id") == waiting:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.event(reply)

    def event(self, message: dict) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Fetch.requestPaused":
            url = params["request"]["url"]
            if urlsplit(url).hostname == "127.0.0.1":
                self.send("Fetch.continueRequest", requestId=params["requestId"])
            else:
                self.blocked.append(url)
                self.send(
                    "Fetch.failRequest",
                    requestId=params["requestId"],
                    errorReason="BlockedByClient",
                )
        elif method == "Runtime.exceptionThrown":
            self.exceptions.append(json.dumps(params["exceptionDetails"])[:500])
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.console_errors.append(params["entry"]["text"])

    def send(self, method: str, **params) -> None:
        """A command whose answer nobody waits for."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        message["sessionId"] = self.session
        self.socket.send(json.dumps(message))

    def open_page(self) -> None:
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call("Fetch.enable", patterns=[{"urlPattern": "*"}])
        # Content-Security-Policy violations, recorded by the page itself.
        self.call(
            "Page.addScriptToEvaluateOnNewDocument",
            source="window.__csp = []; document.addEventListener('securitypolicyviolation', "
            "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
        )

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, what: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; requests blocked: {self.blocked}")

    def click(self, selector: str) -> None:
        box = self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                type=kind,
                x=box[0],
                y=box[1],
                button="left",
                clickCount=1,
            )

    def key(self, key: str, code: str, key_code: int, modifiers: int = 0) -> None:
        for kind in ("keyDown", "keyUp"):
            self.call(
                "Input.dispatchKeyEvent",
                type=kind,
                key=key,
                code=code,
                windowsVirtualKeyCode=key_code,
                modifiers=modifiers,
            )

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.log.close()


def keep_screenshot(browser: Browser, request, capsys, name: str, label: str) -> Path:
    """The page as it stands, kept as a test artifact: `$TEST_ARTIFACTS/<name>-<backend>.png`
    (default `<tmp>/artifacts/`), its path printed."""
    artifacts = Path(os.environ.get("TEST_ARTIFACTS") or Path(tempfile.gettempdir()) / "artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    backend = request.node.callspec.params.get("backend", "app")
    kept = artifacts / f"{name}-{backend}.png"
    browser.screenshot(kept)
    with capsys.disabled():
        print(f"\n{label} screenshot: {kept}")
    return kept


@pytest.fixture
def browser(tmp_path: Path):
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if not binary:
        unavailable("Chromium", "apt-get install -y chromium (as .ci/run does)")
    browser = Browser(binary, tmp_path)
    try:
        yield browser
    finally:
        browser.close()


def editor_value(selector: str) -> str:
    """JavaScript: the text of the CodeMirror editor inside `selector`."""
    return f"document.querySelector({json.dumps(selector + ' .CodeMirror')}).CodeMirror.getValue()"


def test_graphiql_renders_and_runs_a_query_offline(api: Api, browser: Browser, capsys, request):
    browser.open_page()
    browser.call("Page.navigate", url=f"{api.server.url}/graphql")
    browser.wait_for(
        "!!document.querySelector('.graphiql-query-editor .CodeMirror') && "
        "!!document.querySelector('.graphiql-execute-button')",
        "GraphiQL to render (a blank 'Loading...' page means its scripts did not load)",
    )
    # Type the query over the example one, as a person would.
    browser.click(".graphiql-query-editor .CodeMirror")
    browser.key("a", "KeyA", 65, modifiers=2)  # Ctrl+A
    browser.key("Backspace", "Backspace", 8)
    browser.call("Input.insertText", text=QUERY)
    assert browser.evaluate(editor_value(".graphiql-query-editor")) == QUERY
    browser.click(".graphiql-execute-button")
    shown = browser.wait_for(
        f"(() => {{ try {{ return {editor_value('.graphiql-response')}; }} "
        "catch (e) { return ''; } })()",
        "the result pane to show the answer",
    )
    result = json.loads(shown)
    assert result == {
        "data": {
            "villages": {
                "totalCount": 1,
                "edges": [{"node": {"name": "天星村", "level": "VILLAGE"}}],
            }
        }
    }
    time.sleep(0.3)  # let the result pane paint before the picture is taken
    keep_screenshot(browser, request, capsys, "graphiql-offline", "GraphiQL")

    # A dialog adds a <style> element (react-remove-scroll-bar): allowed through the nonce.
    browser.click(".graphiql-sidebar button[aria-label='Open settings dialog']")
    browser.wait_for("!!document.querySelector('.graphiql-dialog')", "the settings dialog")
    time.sleep(0.3)

    assert browser.blocked == [], "the page asked for something outside this server"
    assert browser.evaluate("window.__csp") == [], "Content-Security-Policy violations"
    assert browser.exceptions == []
    assert browser.console_errors == []
