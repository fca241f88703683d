"""Where photo bytes live. Local disk by default; anything with these four methods will do."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class StoredFile:
    key: str
    modified: datetime  # when it was last written (UTC): the orphan sweep's notion of age


class Storage(Protocol):
    async def save(self, key: str, data: bytes) -> None: ...
    async def load(self, key: str) -> bytes | None: ...
    async def delete(self, key: str) -> None: ...
    def list_keys(self) -> AsyncIterator[StoredFile]:
        """Every stored file, with its age (for `core.orphans`); in no particular order."""
        ...


class LocalStorage:
    """Files under one folder, written atomically (temp file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if "/" in key or "\\" in key or key.startswith("."):
            raise ValueError(f"bad storage key {key!r}")
        return self.root / key[:2] / key

    async def save(self, key: str, data: bytes) -> None:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(data)
            os.replace(tmp, path)

        await asyncio.to_thread(write)

    async def load(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)

    async def list_keys(self) -> AsyncIterator[StoredFile]:
        """The files of one shard folder (`ab/abcd...`) at a time, read in a thread; files of a
        save that never finished (`*.part`) are listed too. Anything else in the folder (files
        at the top, folders not named as shards) is not ours and never listed."""
        shards = await asyncio.to_thread(self._shards)
        for shard in shards:
            for stored in await asyncio.to_thread(self._files_in, shard):
                yield stored

    def _shards(self) -> list[Path]:
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return []
        return [Path(e.path) for e in entries if len(e.name) == 2 and e.is_dir()]

    def _files_in(self, shard: Path) -> list[StoredFile]:
        found = []
        try:
            entries = list(os.scandir(shard))
        except FileNotFoundError:  # removed meanwhile
            return []
        for entry in entries:
            if not entry.name.startswith(shard.name) or entry.name.startswith("."):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                modified = datetime.fromtimestamp(entry.stat().st_mtime, UTC)
            except FileNotFoundError:  # deleted meanwhile
                continue
            found.append(StoredFile(entry.name, modified))
        return found


class StagedFiles:
    """Files written for one mutation before its transaction starts (no file I/O while the
    event log is locked); `discard()` removes them again when the transaction fails."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.keys: list[str] = []

    async def add(self, key: str, data: bytes) -> str:
        await self.storage.save(key, data)
        self.keys.append(key)
        return key

    async def discard(self) -> None:
        for key in self.keys:
            await self.storage.delete(key)
        self.keys.clear()
