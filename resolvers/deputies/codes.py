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
import io
import secrets

import segno
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from core.config import Settings
from core.db import Database
from core.errors import CodedError, language
from core.http import RequestError
from models.deputies import Deputy, RetiredCode

TOKEN_BYTES = 18  # 144 bits, 24 URL-safe characters
TOKEN_MAX = 64  # Deputy.code_token's length: longer input is no token


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
