"""Per-request loaders for deputies: they load rows, never decide."""

from __future__ import annotations

from sqlalchemy import select

from core.loaders import Loader, by_key
from models.deputies import Deputy, RetiredCode


class DeputyByIdLoader(Loader[int, Deputy | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(Deputy).where(Deputy.id.in_(keys)))
        return by_key(keys, rows, lambda d: d.id)


class DeputyByCodeLoader(Loader[str, Deputy | None]):
    """The deputy whose current QR token this is."""

    async def batch_load(self, keys):
        rows = await self.reads.all(select(Deputy).where(Deputy.code_token.in_(keys)))
        return by_key(keys, rows, lambda d: d.code_token)


class RetiredCodeByHashLoader(Loader[str, RetiredCode | None]):
    """A replaced token, by its SHA-256."""

    async def batch_load(self, keys):
        rows = await self.reads.all(select(RetiredCode).where(RetiredCode.token_hash.in_(keys)))
        return by_key(keys, rows, lambda r: r.token_hash)
