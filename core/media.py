"""Signed photo links and the endpoint that serves them.

A photo's URL is handed out only to viewers allowed to see its issue, and it is signed with
an expiry: an `<img src>` cannot send a bearer token, so the signature is the permission.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from starlette.requests import Request
from starlette.responses import Response

from core.http import RequestError
from core.images import EXTENSIONS
from core.storage import Storage

CONTENT_TYPES = {ext: content_type for content_type, ext in EXTENSIONS.items()}


def _signature(secret: str, key: str, expires: int) -> str:
    return hmac.new(secret.encode(), f"{key}:{expires}".encode(), hashlib.sha256).hexdigest()


def signed_url(secret: str, key: str, ttl_seconds: int, now: float | None = None) -> str:
    # Round the expiry so the same photo gets the same URL for a while (browser caches).
    expires = (int(now or time.time()) // 600 * 600) + ttl_seconds
    return f"/media/{key}?expires={expires}&signature={_signature(secret, key, expires)}"


def _refused(status: int, code: str, key: str) -> Response:
    """In GraphQL's error shape, like every other refusal of the API (English: an <img>
    sends no Accept-Language worth following)."""
    return RequestError(status, code, key).response("en")


def media_endpoint(secret: str, storage: Storage):
    async def serve(request: Request) -> Response:
        key = request.path_params["key"]
        raw_expires = request.query_params.get("expires", "")
        signature = request.query_params.get("signature", "")
        # A signature is 64 hex digits: anything else (non-ASCII included, which
        # hmac.compare_digest refuses with a TypeError) is simply not valid.
        if not (raw_expires.isascii() and raw_expires.isdigit() and len(raw_expires) <= 12):
            return _refused(403, "FORBIDDEN", "media_link_invalid")
        expires = int(raw_expires)
        if (
            expires < time.time()
            or not signature.isascii()
            or not hmac.compare_digest(signature, _signature(secret, key, expires))
        ):
            return _refused(403, "FORBIDDEN", "media_link_invalid")
        try:
            data = await storage.load(key)
        except ValueError:
            data = None
        if data is None:
            return _refused(404, "NOT_FOUND", "media_not_found")
        content_type = CONTENT_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")
        return Response(
            data,
            media_type=content_type,
            headers={"Cache-Control": "private, max-age=600", "X-Content-Type-Options": "nosniff"},
        )

    return serve
