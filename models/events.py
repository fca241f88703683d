"""The event log: one row per committed change of any domain, ids in commit order.

Every domain that has live subscribers appends here in the same transaction as its change
(`core.events.append`). A domain that keeps a timeline of its own (issues: `issue_events`)
gives that row the log entry's id, so a subscription cursor and a timeline id are one number.
"""

from __future__ import annotations

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, RegionPath


class LogEntry(Base):
    __tablename__ = "event_log"
    __table_args__ = (
        Index("ix_event_log_topic_subject", "topic", "subject_id"),
        Index("ix_event_log_region_path", "region_path"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Which domain stream the entry belongs to ("issue", later "post", "poll", ...).
    topic: Mapped[str] = mapped_column(String(32))
    # The object that changed (an issue's id for "issue").
    subject_id: Mapped[int] = mapped_column(Integer)
    # Where it happened: region subscriptions filter on it with one prefix range.
    region_path: Mapped[str] = mapped_column(RegionPath)
