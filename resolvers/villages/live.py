"""What the topics of a village's life share (posts: `feedUpdated`; discussions:
`discussionUpdated`): who may receive an entry is whoever may read the village's feed, its
members and its followers, checked for every event. Followers are loaded with the entries
and asked of the viewer with `is_`, so one render serves every member and followers get
their own. Each domain gives its event table, its subject table and its by-id loader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.sql import FromClause

from core.db import Database
from core.identity import Viewer
from models.events import LogEntry
from models.villages import Follow
from resolvers.villages import policy as villages
from subscriptions.topics import LoaderScope


class InVillage(Protocol):
    id: Any
    village_id: Any
    region_path: Any


E = TypeVar("E")
S = TypeVar("S", bound=InVillage)


@dataclass(frozen=True)
class VillageChange(Generic[E, S]):
    """What an entry is about: the event, its subject (a post, a discussion), and the
    accounts following the subject's village when the entry was read."""

    event: E
    subject: S
    followers: frozenset[int]


class VillageTopic(Generic[E, S]):
    """A topic whose events (`event`, sharing their log entry's id) are about a `subject`
    (found through the event's `subject_key` column) in a village."""

    def __init__(
        self, name: str, event: type[E], subject: type[S], subject_key: str, loader: Any
    ) -> None:
        self.name = name
        self.event: Any = event
        self.subject: Any = subject
        self.subject_key = subject_key
        self.loader = loader  # the subject's by-id Loader, primed for renders

    def source(self) -> FromClause:
        return LogEntry.__table__.join(self.event.__table__, self.event.id == LogEntry.id)

    async def load(
        self, db: Database, entries: Sequence[LogEntry]
    ) -> dict[int, VillageChange[E, S]]:
        rows = list(
            await db.rows(
                select(self.event, self.subject)
                .join(self.subject, self.subject.id == getattr(self.event, self.subject_key))
                .where(self.event.id.in_([e.id for e in entries]))
                .execution_options(background=True)
            )
        )
        villages_of = {subject.village_id for _, subject in rows}
        follows = await db.rows(
            select(Follow.village_id, Follow.account_id)
            .where(Follow.village_id.in_(villages_of))
            .execution_options(background=True)
        )
        followers: dict[int, set[int]] = {v: set() for v in villages_of}
        for village_id, account_id in follows:
            followers[village_id].add(account_id)
        return {
            event.id: VillageChange(event, subject, frozenset(followers[subject.village_id]))
            for event, subject in rows
        }

    def allowed(self, viewer: Viewer, change: VillageChange[E, S]) -> bool:
        subject = change.subject
        if villages.is_member(viewer, subject.region_path):
            return True
        followed = {subject.village_id} if any(map(viewer.is_, change.followers)) else set()
        return villages.can_read_feed(viewer, subject.region_path, subject.village_id, followed)

    def prime(self, scope: LoaderScope, change: VillageChange[E, S]) -> None:
        self.loader(scope).prime(change.subject.id, change.subject)
