"""Uploaded photos of issues: checked and re-encoded (off the event loop, a bounded number
at a time: `core.images.ImageDecoder`), staged before the transaction, recorded inside it."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.errors import ErrorCode, Problem, UserFailure, invalid
from core.images import EXTENSIONS, CheckedImage, ImageDecoder, NotAnImage
from core.storage import StagedFiles
from models.issues import Photo


async def read_photos(
    ctx: Context, uploads: Sequence | None, field: str, *, strip_location: bool
) -> list[CheckedImage]:
    """Every upload checked; all problems reported together, each at `photos.N`.

    Each is re-encoded from its pixels (`core.images`); `strip_location` (anonymous issues)
    keeps not even where and when it was taken. One at a time per request, so a request of
    nine large photos takes one of the process's decode slots, not all of them.
    """
    uploads = list(uploads or [])
    limit = ctx.settings.max_photos
    if len(uploads) > limit:
        raise invalid(field, "too_many_photos", max=limit)
    max_bytes = ctx.settings.max_upload_bytes
    checked, problems = [], []
    for index, upload in enumerate(uploads):
        at = f"{field}.{index}"
        data = await upload.read(max_bytes + 1) if hasattr(upload, "read") else None
        if data is None:
            problems.append(Problem(ErrorCode.VALIDATION, at, "not_an_image", {}))
        elif len(data) > max_bytes:
            problems.append(
                Problem(
                    ErrorCode.VALIDATION,
                    at,
                    "photo_too_large",
                    {"max": round(max_bytes / 1024 / 1024, 1)},
                )
            )
        else:
            try:
                checked.append(await decoder(ctx).check(data, strip_location=strip_location))
            except NotAnImage:
                problems.append(Problem(ErrorCode.VALIDATION, at, "not_an_image", {}))
    if problems:
        raise UserFailure(*problems)
    return checked


def decoder(ctx: Context) -> ImageDecoder:
    """The app's decoder (`server.create_app`), whose bound every request shares. Only an
    HTTP request can carry uploads; a context without one (a websocket, a script) gets a
    decoder of its own, as strict, for that one operation."""
    scope = getattr(ctx.request, "scope", None) or {}
    shared = getattr(getattr(scope.get("app"), "state", None), "image_decoder", None)
    if isinstance(shared, ImageDecoder):
        return shared
    own = ctx.loaders.get(ImageDecoder)
    if own is None:
        own = ctx.loaders[ImageDecoder] = ImageDecoder(
            concurrency=ctx.settings.max_concurrent_decodes,
            max_pixels=ctx.settings.max_photo_pixels,
        )
    return own


async def stage(files: StagedFiles, images: list[CheckedImage]) -> list[tuple[str, CheckedImage]]:
    """Write the photo files before the transaction; their rows are added inside it."""
    return [
        (await files.add(f"{secrets.token_hex(16)}.{EXTENSIONS[i.content_type]}", i.data), i)
        for i in images
    ]


def record(
    session: AsyncSession, staged: list[tuple[str, CheckedImage]], issue_id: int, event_id: int
) -> None:
    for key, image in staged:
        session.add(
            Photo(
                issue_id=issue_id,
                event_id=event_id,
                storage_key=key,
                content_type=image.content_type,
                width=image.width,
                height=image.height,
                size=len(image.data),
            )
        )
