"""Village discussions (议事): open topics, polls and decision meetings (议事会), their
options, ballots, agendas, attendance, motions, minutes and comments, and the events live
subscribers hear of."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, RegionPath, UTCDateTime, enum_column, utcnow


class DiscussionKind(enum.Enum):
    TOPIC = "TOPIC"
    POLL = "POLL"
    MEETING = "MEETING"


class Voters(enum.Enum):
    RESIDENTS = "RESIDENTS"
    MEMBERS = "MEMBERS"


class DiscussionEventKind(enum.Enum):
    OPENED = "OPENED"
    COMMENTED = "COMMENTED"
    VOTED = "VOTED"
    CLOSED = "CLOSED"
    ATTENDED = "ATTENDED"
    MOTION_OPENED = "MOTION_OPENED"
    MOTION_VOTED = "MOTION_VOTED"
    MOTION_CLOSED = "MOTION_CLOSED"
    MINUTES_EDITED = "MINUTES_EDITED"


class MotionChoice(enum.Enum):
    FOR = "FOR"
    AGAINST = "AGAINST"
    ABSTAIN = "ABSTAIN"


class MotionResult(enum.Enum):
    PASSED = "PASSED"
    FAILED = "FAILED"


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
    # POLL: who votes (MEETING: who is expected), how many choices, until when, whether
    # tallies show before the close.
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


class Meeting(Base):
    """A MEETING's terms, one row per meeting discussion; who is expected is the
    discussion's `voters`."""

    __tablename__ = "meetings"

    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id"), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(200))
    online_url: Mapped[str | None] = mapped_column(String(500))
    quorum: Mapped[int] = mapped_column(Integer)  # attendees needed before motions are voted


class AgendaItem(Base):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))


class Attendance(Base):
    """Someone present at a meeting: checked in themselves (`recorded_by_id` is theirs), or
    recorded by an official who saw them there."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("discussion_id", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Motion(Base):
    """A motion put to the attendees' vote; closing it records its result and tally."""

    __tablename__ = "motions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    result: Mapped[MotionResult | None] = mapped_column(enum_column(MotionResult))


class MotionVote(Base):
    """An attendee's ballot on a motion, replaced when they vote again before its close."""

    __tablename__ = "motion_votes"

    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    choice: Mapped[MotionChoice] = mapped_column(enum_column(MotionChoice))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MinutesRevision(Base):
    """One version of a meeting's minutes; the newest is the minutes, the older ones stay."""

    __tablename__ = "meeting_minutes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DiscussionEvent(Base):
    """A change live subscribers hear of (`discussionUpdated`), under its log entry's id;
    `motion_id` names the motion a MOTION_* event is about."""

    __tablename__ = "discussion_events"

    id: Mapped[int] = mapped_column(ForeignKey("event_log.id"), primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id"), index=True)
    kind: Mapped[DiscussionEventKind] = mapped_column(enum_column(DiscussionEventKind))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    motion_id: Mapped[int | None] = mapped_column(ForeignKey("motions.id"))
