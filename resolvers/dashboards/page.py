"""The dashboard page, `GET /dashboard`: a static page of this server (static/dashboard/) that
signs in and reads the API like any client, over HTTP and the websocket.

Its script and style are files under /dashboard/assets/ (the page's own JavaScript, and the
graphql-ws client bundled from pinned npm packages: static/dashboard/bundle/), named in the
page with their SRI hashes, under a Content-Security-Policy that allows nothing inline and no
other origin: `connect-src 'self'` covers the API and its websocket.
"""

from __future__ import annotations

import base64
import hashlib
import html
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse

FOLDER = Path(__file__).resolve().parent.parent.parent / "static" / "dashboard"
ASSETS = FOLDER / "assets"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


def integrity(path: Path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def render(time_zone: str) -> str:
    """index.html with each `{{integrity:<asset>}}` replaced by that file's SRI hash, and
    `{{time_zone}}` by `TIME_ZONE`: the page's periods start at that zone's midnights, the
    days the dashboard's trend counts, wherever the browser is."""
    page = (FOLDER / "index.html").read_text()
    for asset in ("dashboard.js", "dashboard.css"):
        page = page.replace(f"{{{{integrity:{asset}}}}}", integrity(ASSETS / asset))
    return page.replace("{{time_zone}}", html.escape(time_zone))


def dashboard_page_endpoint(time_zone: str):
    """The page, rendered once (its assets do not change while the server runs)."""
    page = render(time_zone)
    headers = {
        "Content-Security-Policy": CSP,
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }

    async def serve(request: Request) -> HTMLResponse:
        return HTMLResponse(page, headers=headers)

    return serve
