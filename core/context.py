"""What every resolver gets as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from core.config import Settings
from core.db import Database, Reader
from core.errors import Unauthenticated
from core.identity import Viewer
from core.storage import Storage


class SessionNotices(Protocol):
    """What the live layer hears from resolvers (committed events it hears from `core.db`)."""

    def revoked(self, token_hash: str) -> None: ...


@dataclass
class Context:
    settings: Settings
    db: Database
    storage: Storage
    viewer: Viewer
    # The live layer (subscriptions.hub.Hub), told when a token is revoked.
    live: SessionNotices | None = None
    lang: str = "zh"
    request: Any = None
    response: Any = None
    # The request carried a token that is unknown, expired or revoked.
    bad_token: bool = False
    # The client's address (behind a reverse proxy: from X-Forwarded-For, when uvicorn trusts
    # the proxy through FORWARDED_ALLOW_IPS), over HTTP and for operations sent over a
    # websocket; None for subscription renders, which a group shares among sockets.
    source: str | None = None
    loaders: dict[type, Any] = field(default_factory=dict)
    # What loaders and queries read with: the operation's `Reads` (one connection; set by
    # schema.extensions.OneConnection), else the database, a short session per statement.
    reads: Reader = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.reads is None:
            self.reads = self.db

    def require_viewer(self) -> Viewer:
        if not self.viewer.signed_in:
            raise Unauthenticated("token_invalid" if self.bad_token else None)
        return self.viewer
