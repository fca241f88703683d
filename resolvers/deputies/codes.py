"""Deputies' QR codes: the link a code encodes, its SVG and PNG images, and the public
endpoint that serves them.

A code encodes `{PUBLIC_BASE_URL}/d/{token}`: the message box of one deputy. The token is
unguessable (144 random bits), so nobody reaches a box without the code; the code is meant to
be posted on walls, so its images are public too (`/d/{token}/qr.svg`, `/d/{token}/qr.png`),
served to whoever holds the token, no sign-in needed (an `<img>` or a print shop sends no
bearer token). Rotating the token (`rotateDeputyCode`) retires the old one: its link and
images then answer that the code was replaced (410), an unknown token that it is none (404).
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import segno
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from core.config import Settings
from core.db import Database
from core.errors import CodedError, language, translate
from core.http import RequestError
from models.deputies import Deputy, RetiredCode

TOKEN_BYTES = 18  # 144 bits, 24 URL-safe characters
TOKEN_MAX = 64  # Deputy.code_token's length: longer input is no token
PAGE_FILE = Path(__file__).resolve().parents[2] / "static" / "deputy_box.html"


class CodeNotFound(CodedError):
    """An unknown or replaced token, at the field that carried it."""

    code = "NOT_FOUND"
    key = "deputy_code_unknown"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def base_url(settings: Settings, request: Request | None) -> str:
    """PUBLIC_BASE_URL, else the scheme and host the request came to."""
    base = settings.public_base_url or (str(request.base_url) if request is not None else "")
    return base.rstrip("/")


def link(base: str, token: str) -> str:
    """What the code encodes: the deputy's message box."""
    return f"{base}/d/{token}"


def svg(text: str) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=8, border=4, xmldecl=True)
    return out.getvalue()


def png(text: str) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=10, border=4)
    return out.getvalue()


async def lookup(db: Database, token: str) -> Deputy:
    """The deputy whose current code this is; `CodeNotFound` worded `deputy_code_rotated` for
    a replaced one, `deputy_code_unknown` for anything else. (Outside a request: the image
    endpoint; the schema asks `queries.deputy_by_code`, through the request's loaders.)"""
    if 0 < len(token) <= TOKEN_MAX:
        deputy = await db.one(select(Deputy).where(Deputy.code_token == token))
        if deputy is not None:
            return deputy
        retired = await db.one(
            select(RetiredCode.deputy_id).where(RetiredCode.token_hash == token_hash(token))
        )
        if retired is not None:
            raise CodeNotFound("deputy_code_rotated", field="token")
    raise CodeNotFound(field="token")


def code_image_endpoint(settings: Settings, db: Database, kind: str):
    """`GET /d/{token}/qr.svg` or `.png` (`kind`): the deputy's code as an image, for
    anyone with the token; a replaced token is 410 `NOT_FOUND` worded
    `deputy_code_rotated`, an unknown one 404, both in GraphQL's error shape like every
    refusal of the API."""

    async def serve(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            await lookup(db, token)
        except CodeNotFound as missing:
            status = 410 if missing.key == "deputy_code_rotated" else 404
            lang = language(request.headers.get("accept-language"))
            return RequestError(status, "NOT_FOUND", missing.key).response(lang)
        text = link(base_url(settings, request), token)
        if kind == "svg":
            data, media_type = svg(text), "image/svg+xml"
        else:
            data, media_type = png(text), "image/png"
        return Response(
            data,
            media_type=media_type,
            # Short: once rotated, the old image should stop showing soon.
            headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
        )

    return serve


# The documents the message page sends (tests/test_deputy_messages.py runs them too).
PAGE_LEAVE = """mutation($input: LeaveDeputyMessageInput!) { leaveDeputyMessage(input: $input) {
  message { id } receipt errors { code field message } } }"""
PAGE_READ = """query($id: ID!, $receipt: String) { deputyMessage(id: $id, receipt: $receipt) {
  body status followUpDue replies { body at } } }"""
PAGE_FOLLOW_UP = """mutation($input: AnswerDeputyFollowUpInput!) {
  answerDeputyFollowUp(input: $input) { errors { code message } } }"""
PAGE_STATUSES = {
    "NEW": "已送达，代表尚未查看",
    "READ": "代表已查看",
    "REPLIED": "代表已答复",
    "TURNED_INTO_ISSUE": "代表已转为诉求办理",
    "CLOSED": "已办结",
}
LEVELS = {"COUNTY": "县人大代表", "TOWNSHIP": "乡镇人大代表"}


def message_page_endpoint(settings: Settings, db: Database):
    """`GET /d/{token}`: where a scan lands. A page to leave the deputy a message without an
    account, and (with the receipt in the link's fragment, never sent to the server) to read
    the replies and answer the follow-up; it uses the public GraphQL API like any client.
    A replaced code: 410 and a page saying so; an unknown one: 404."""

    async def serve(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            deputy = await lookup(db, token)
        except CodeNotFound as missing:
            status = 410 if missing.key == "deputy_code_rotated" else 404
            text = html.escape(translate(missing.key, "zh"))
            page = f'<!doctype html><meta charset="utf-8"><title>二维码</title><p>{text}</p>'
            return HTMLResponse(page, status, headers={"Cache-Control": "no-store"})
        config = {
            "endpoint": base_url(settings, request) + "/graphql",
            "token": token,
            "name": deputy.name,
            "about": f"{LEVELS[deputy.congress_level.value]}；留言只有代表本人可以看到。",
            "leave": PAGE_LEAVE,
            "read": PAGE_READ,
            "followUp": PAGE_FOLLOW_UP,
            "statuses": PAGE_STATUSES,
        }
        nonce = secrets.token_urlsafe(18)
        # JSON inside <script>: "<" escaped, so no text can close the element.
        data = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
        page = PAGE_FILE.read_text().replace("__CONFIG__", data)
        page = page.replace("<script>", f'<script nonce="{nonce}">')
        page = page.replace("<style>", f'<style nonce="{nonce}">')
        api = urlsplit(config["endpoint"])
        csp = (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
            f"connect-src 'self' {api.scheme}://{api.netloc}; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'"
        )
        return HTMLResponse(
            page, headers={"Content-Security-Policy": csp, "Cache-Control": "no-store"}
        )

    return serve
