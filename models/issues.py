"""Issues (tickets), their immutable event log, and their photos."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, RegionPath, UTCDateTime, enum_column, utcnow
from models.regions import RegionLevel


class IssueStatus(enum.Enum):
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    IN_PROGRESS = "IN_PROGRESS"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    REJECTED = "REJECTED"
    DUPLICATE = "DUPLICATE"
    CANCELLED = "CANCELLED"


OPEN_STATUSES = frozenset({IssueStatus.SUBMITTED, IssueStatus.ACCEPTED, IssueStatus.IN_PROGRESS})


class IssueCategory(enum.Enum):
    ROADS = "ROADS"
    WATER = "WATER"
    HEATING = "HEATING"
    ENVIRONMENT = "ENVIRONMENT"
    DISPUTE = "DISPUTE"
    AGRICULTURE = "AGRICULTURE"
    LEGAL_AID = "LEGAL_AID"
    CONSULTATION = "CONSULTATION"
    HOME_SERVICE = "HOME_SERVICE"
    OTHER = "OTHER"


class Channel(enum.Enum):
    APP = "APP"
    QR_CODE = "QR_CODE"
    PHONE = "PHONE"
    WALK_IN = "WALK_IN"


class IssueEventKind(enum.Enum):
    REPORTED = "REPORTED"
    ACCEPTED = "ACCEPTED"
    ASSIGNED = "ASSIGNED"
    STARTED = "STARTED"
    UPDATED = "UPDATED"
    RESOLVED = "RESOLVED"
    ESCALATED = "ESCALATED"
    REJECTED = "REJECTED"
    MARKED_DUPLICATE = "MARKED_DUPLICATE"
    CANCELLED = "CANCELLED"
    RATED = "RATED"
    REOPENED = "REOPENED"
    MERGED = "MERGED"
    UNMERGED = "UNMERGED"


class Issue(Base):
    __tablename__ = "issues"
    __table_args__ = (
        UniqueConstraint("filed_by_id", "client_request_id"),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
        CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL) AND (latitude IS NULL OR "
            "(latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180))",
            name="location_range",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[IssueCategory] = mapped_column(enum_column(IssueCategory), index=True)
    status: Mapped[IssueStatus] = mapped_column(enum_column(IssueStatus), index=True)
    level: Mapped[RegionLevel] = mapped_column(enum_column(RegionLevel))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    # Copy of the region's path: jurisdiction filters are one indexed prefix match.
    region_path: Mapped[str] = mapped_column(RegionPath, index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    client_request_id: Mapped[str | None] = mapped_column(String(64))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"))
    service_address: Mapped[str | None] = mapped_column(String(200))
    service_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    service_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    level_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    # Where the reporter was (WGS 84 degrees), when the report said; both or neither.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # Merged into this parent issue (`mergeIssues`): while the child is open, the parent is
    # worked instead of it, and the parent's resolution resolves it.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"), index=True)
    # The timeline's history, kept on the row by `lifecycle.apply` with each event and never
    # cleared by a restart (the stamps above are): the first acceptance (at any level), the
    # latest resolution and rating, and the levels escalated to (a bit per level's rank).
    # Dashboards and IssueFilter's history fields read these; the log stays the record.
    first_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latest_rating: Mapped[int | None] = mapped_column(Integer)
    escalated_levels: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Bumped by every change; writers compare-and-set on it, so two workers
    # (or two officials) never apply conflicting changes to the same issue.
    version: Mapped[int] = mapped_column(Integer, default=1)


class IssueEvent(Base):
    """One immutable entry of an issue's timeline; never updated, never deleted.

    Its id is the id of its entry in the event log (`models.events.LogEntry`), which also
    holds the issue's region path: the cursor a subscriber resumes from is this id.
    """

    __tablename__ = "issue_events"

    id: Mapped[int] = mapped_column(ForeignKey("event_log.id"), primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    kind: Mapped[IssueEventKind] = mapped_column(enum_column(IssueEventKind))
    from_status: Mapped[IssueStatus | None] = mapped_column(enum_column(IssueStatus))
    to_status: Mapped[IssueStatus] = mapped_column(enum_column(IssueStatus))
    from_level: Mapped[RegionLevel | None] = mapped_column(enum_column(RegionLevel))
    level: Mapped[RegionLevel] = mapped_column(enum_column(RegionLevel))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    note: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    # MERGED / UNMERGED on a child, and the RESOLVED / REJECTED its parent passed on to it:
    # the parent.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Photo(Base):
    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("issue_events.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
