"""The one path every mutation takes: validate → load → authorise → one transaction.

A domain writes its rules (what input is valid, who may act, what to write); `Work` owns
the plumbing: the signed-in viewer, every input problem reported at its field, objects the
viewer may not read answered as missing, files staged for the transaction and removed again
if it fails. Publishing to live subscribers happens when the transaction commits
(`core.db`), and the schema turns the result or the `UserFailure` into a payload
(`schema.common.payload`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.errors import not_found
from core.identity import Viewer
from core.permissions import readable
from core.storage import StagedFiles
from core.validation import Validator

T = TypeVar("T")
R = TypeVar("R")


class Work:
    """One mutation's unit of work."""

    def __init__(self, ctx: Context, *, anonymous: bool = False) -> None:
        """`anonymous`: the mutation is open to callers without a sign-in (a message left
        through a deputy's QR code); a token that is unknown, expired or revoked is still
        UNAUTHENTICATED, so a client learns its session ended. `account_id` is then None."""
        self.ctx = ctx
        self.viewer: Viewer = ctx.viewer
        if not anonymous or ctx.bad_token:
            self.viewer = ctx.require_viewer()
        self.account_id: int = self.viewer.id  # type: ignore[assignment]  # signed in
        self.input = Validator()
        self.files = StagedFiles(ctx.storage)

    def found(self, row: T | None, can_read: Callable[[Viewer, T], bool], field: str = "id") -> T:
        """The object acted on; NOT_FOUND at `field` if missing or not readable (the same
        answer for both, so no mutation tells an outsider which ids exist)."""
        visible = readable(self.viewer, row, can_read)
        if visible is None:
            raise not_found(field)
        return visible

    async def commit(self, write: Callable[[AsyncSession], Awaitable[R]]) -> R:
        """Run `write` in one transaction; staged files go if it fails."""
        try:
            async with self.ctx.db.transaction() as session:
                return await write(session)
        except BaseException:
            await self.files.discard()
            raise
