"""Uploaded photos of issues: checked, staged before the transaction, recorded inside it."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.errors import ErrorCode, Problem, UserFailure, invalid
from core.images import EXTENSIONS, CheckedImage, NotAnImage, check_image
from core.storage import StagedFiles
from models.issues import Photo


async def read_photos(
    ctx: Context, uploads: Sequence | None, field: str, *, strip_location: bool
) -> list[CheckedImage]:
    """Every upload checked; all problems reported together, each at `photos.N`."""
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
                checked.append(check_image(data, strip_location=strip_location))
            except NotAnImage:
                problems.append(Problem(ErrorCode.VALIDATION, at, "not_an_image", {}))
    if problems:
        raise UserFailure(*problems)
    return checked


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
