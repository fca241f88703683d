"""Uploaded photos of any domain: checked and re-encoded (off the event loop, a bounded number
at a time: `core.images.ImageDecoder`) and staged before the mutation's transaction. Each
domain records its own rows for them inside the transaction (`resolvers/issues/photos.py`,
`resolvers/posts/mutations.py`, `resolvers/villages/mutations.py`)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from core.context import Context
from core.errors import ErrorCode, Problem, UserFailure, invalid
from core.images import EXTENSIONS, CheckedImage, ImageDecoder, NotAnImage
from core.storage import StagedFiles


async def read_photos(
    ctx: Context,
    uploads: Sequence | None,
    field: str,
    *,
    strip_location: bool,
    limit: int | None = None,
) -> list[CheckedImage]:
    """Every upload checked; all problems reported together, each at `field.N`.

    Each is re-encoded from its pixels (`core.images`); `strip_location` keeps not even where
    and when it was taken. At most `limit` photos (default MAX_PHOTOS). One at a time per
    request, so a request of nine large photos takes one of the process's decode slots, not
    all of them.
    """
    uploads = list(uploads or [])
    limit = ctx.settings.max_photos if limit is None else limit
    if len(uploads) > limit:
        raise invalid(field, "too_many_photos", max=limit)
    checked, problems = [], []
    for index, upload in enumerate(uploads):
        try:
            checked.append(await read_photo(ctx, upload, f"{field}.{index}", strip_location))
        except UserFailure as failure:
            problems.extend(failure.problems)
    if problems:
        raise UserFailure(*problems)
    return checked


async def read_photo(ctx: Context, upload, field: str, strip_location: bool) -> CheckedImage:
    """One upload checked and re-encoded; VALIDATION at `field` if it is not a usable image."""
    max_bytes = ctx.settings.max_upload_bytes
    data = await upload.read(max_bytes + 1) if hasattr(upload, "read") else None
    if data is None:
        raise UserFailure(Problem(ErrorCode.VALIDATION, field, "not_an_image", {}))
    if len(data) > max_bytes:
        raise UserFailure(
            Problem(
                ErrorCode.VALIDATION,
                field,
                "photo_too_large",
                {"max": round(max_bytes / 1024 / 1024, 1)},
            )
        )
    try:
        return await decoder(ctx).check(data, strip_location=strip_location)
    except NotAnImage:
        raise UserFailure(Problem(ErrorCode.VALIDATION, field, "not_an_image", {})) from None


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
