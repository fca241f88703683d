"""Uploaded photos: checked, stored, recorded; removed again if the mutation fails."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.errors import ErrorCode, Problem, UserFailure, invalid
from core.images import EXTENSIONS, CheckedImage, NotAnImage, check_image
from core.storage import Storage
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


class PhotoWriter:
    """Stores a mutation's photo files before its transaction (no file I/O while the event
    log is locked), records their rows inside it, and `discard()`s the files if it fails."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.stored: list[tuple[str, CheckedImage]] = []

    async def store(self, images: list[CheckedImage]) -> None:
        for image in images:
            key = f"{secrets.token_hex(16)}.{EXTENSIONS[image.content_type]}"
            await self.storage.save(key, image.data)
            self.stored.append((key, image))

    def record(self, session: AsyncSession, issue_id: int, event_id: int) -> None:
        for key, image in self.stored:
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

    async def discard(self) -> None:
        for key, _image in self.stored:
            await self.storage.delete(key)
        self.stored.clear()
