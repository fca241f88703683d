"""What a domain gives the live layer: its topic in the event log, and one spec per kind of
subscription. The hub knows nothing of any domain beyond these two protocols.

A domain's `resolvers/<domain>/live.py` defines its `Topic` (how to load what an entry is
about, who may see it) and its `Spec`s (which entries one subscription wants, in Python for
live events and in SQL for replays); its subscription resolvers return a `LiveStream`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.sql import ColumnElement, FromClause

from core.db import Database
from core.identity import Viewer
from models.events import LogEntry


class LoaderScope(Protocol):
    """What a `core.loaders.Loader` needs: a database and a cache to live in."""

    db: Database
    loaders: dict[type, Any]


class Topic(Protocol):
    @property
    def name(self) -> str: ...

    def source(self) -> FromClause:
        """The event log joined with whatever the topic's `Spec.where` filters on."""
        ...

    async def load(self, db: Database, entries: Sequence[LogEntry]) -> dict[int, Any]:
        """What each entry is about (its "subject"), by entry id, in one or two statements."""
        ...

    def allowed(self, viewer: Viewer, subject: Any) -> bool:
        """Whether this viewer may receive the entry (checked for every event)."""
        ...

    def prime(self, scope: LoaderScope, subject: Any) -> None:
        """Put the rows already loaded into the loaders every render of the entry shares."""
        ...


class Spec(Protocol):
    """Which entries of its topic one subscription delivers."""

    @property
    def topic(self) -> Topic: ...
    @property
    def key(self) -> tuple: ...

    def matches(self, entry: LogEntry, subject: Any) -> bool: ...
    def where(self) -> ColumnElement[bool]: ...


class Summarized(Spec, Protocol):
    """A `Spec` whose subscribers want the state the entries change (a dashboard's figures),
    not each entry: it says how often at most (`coalesce_seconds`) and how to compute that
    state (`summarize`). The hub then coalesces: per spec `key`, the first matching entry
    after a quiet interval is summarized at once, later ones wait for the interval to end and
    are summarized together; one summary serves every group of the key (the viewers passed
    `Topic.allowed` for the entry), whatever their number. No replays: such a stream starts
    from now (`LiveStream.after` None)."""

    @property
    def coalesce_seconds(self) -> float: ...

    async def summarize(self, db: Database, entry: LogEntry, subject: Any) -> Any:
        """The state after `entry` (the newest of a burst): the subscribers' root subject."""
        ...


def summarized(spec: Spec) -> bool:
    return getattr(spec, "coalesce_seconds", 0) > 0


@dataclass
class LiveStream:
    """What a subscription resolver returns: the websocket protocol joins it to the hub.

    `root` turns a subject into the root value the subscription's selection executes on
    (the schema's type); None when joining a group that already has one.
    """

    spec: Spec
    after: int | None
    root: Callable[[Any], Any] | None = None

    def __aiter__(self):
        raise TypeError("subscriptions are served over websockets (graphql-transport-ws)")
