"""Village discussions (议事): open topics and polls, their options, ballots and comments,
and the events live subscribers hear of."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, RegionPath, UTCDateTime, enum_column, utcnow


class DiscussionKind(enum.Enum):
    TOPIC = "TOPIC"
    POLL = "POLL"


class Voters(enum.Enum):
    RESIDENTS = "RESIDENTS"
    MEMBERS = "MEMBERS"


class DiscussionEventKind(enum.Enum):
    OPENED = "OPENED"
    COMMENTED = "COMMENTED"
    VOTED = "VOTED"
    CLOSED = "CLOSED"


class Discussion(Base):
    __tablename__ = "discussions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    region_path: Mapped[str] = mapped_column(RegionPath, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[DiscussionKind] = mapped_column(enum_column(DiscussionKind))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # POLL: who votes, how many choices, until when, whether tallies show before the close.
    voters: Mapped[Voters | None] = mapped_column(enum_column(Voters))
    multiple_choice: Mapped[bool] = mapped_column(Boolean, default=False)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results_live: Mapped[bool] = mapped_column(Boolean, default=True)
    # Closed early, or with its outcome recorded, by its author or an official.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    outcome: Mapped[str | None] = mapped_column(Text)


class PollOption(Base):
    __tablename__ = "poll_options"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(100))


class BallotChoice(Base):
    """One option an account chose in a poll; an account's ballot is its choices, replaced
    whole when it votes again before the close."""

    __tablename__ = "ballot_choices"

    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("poll_options.id"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DiscussionComment(Base):
    __tablename__ = "discussion_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DiscussionEvent(Base):
    """A change live subscribers hear of (`discussionUpdated`), under its log entry's id."""

    __tablename__ = "discussion_events"

    id: Mapped[int] = mapped_column(ForeignKey("event_log.id"), primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id"), index=True)
    kind: Mapped[DiscussionEventKind] = mapped_column(enum_column(DiscussionEventKind))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
