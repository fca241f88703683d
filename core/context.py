"""What every resolver gets as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.config import Settings
from core.db import Database
from core.errors import Unauthenticated
from core.identity import Viewer
from core.storage import Storage


@dataclass
class Context:
    settings: Settings
    db: Database
    storage: Storage
    viewer: Viewer
    # The live layer (subscriptions.hub.Hub): told of every committed event.
    live: Any = None
    lang: str = "zh"
    request: Any = None
    response: Any = None
    # The request carried a token that is unknown, expired or revoked.
    bad_token: bool = False
    loaders: dict[type, Any] = field(default_factory=dict)

    def require_viewer(self) -> Viewer:
        if not self.viewer.signed_in:
            raise Unauthenticated("token_invalid" if self.bad_token else None)
        return self.viewer
