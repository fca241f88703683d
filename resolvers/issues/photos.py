"""Photos of issues: read and staged by `core.photos`, recorded here inside the issue's
transaction, each tied to the timeline event it came with."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.images import CheckedImage
from core.photos import read_photos, stage
from models.issues import Photo

__all__ = ["read_photos", "record", "stage"]


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
