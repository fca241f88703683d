"""The village feed: posts of every kind, their photos, revisions, comments and likes."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, RegionPath, UTCDateTime, enum_column, utcnow


class PostKind(enum.Enum):
    ANNOUNCEMENT = "ANNOUNCEMENT"
    POLICY = "POLICY"
    AFFAIRS = "AFFAIRS"
    ACTIVITY = "ACTIVITY"
    HONOR = "HONOR"
    MARKET = "MARKET"
    MOMENT = "MOMENT"


class AffairsKind(enum.Enum):
    FINANCE = "FINANCE"
    PARTY = "PARTY"
    GOVERNMENT = "GOVERNMENT"
    OTHER = "OTHER"


# On PostgreSQL, title and body also have trigram (GIN) indexes for the policy library's
# substring search, created by migration 0006 only: SQLite has no such index.
SEARCH_INDEXES = ("ix_posts_title_trgm", "ix_posts_body_trgm")


class Post(Base):
    """One item of a village's feed. Never deleted: `deletePost` stamps `deleted_at`.
    On PostgreSQL, `SEARCH_INDEXES` serve its substring search."""

    __tablename__ = "posts"
    __table_args__ = (
        # The feed: a village's posts, pinned first, newest first (keyset on (pin, id)).
        Index("ix_posts_feed", "village_id", "pin", "id"),
        CheckConstraint("pin IN (0, 1)", name="pin_flag"),
        CheckConstraint("price_cents IS NULL OR price_cents >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    # The village's path: jurisdiction is a range on it (core.permissions.under).
    region_path: Mapped[str] = mapped_column(RegionPath, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[PostKind] = mapped_column(enum_column(PostKind))
    affairs_kind: Mapped[AffairsKind | None] = mapped_column(enum_column(AffairsKind))
    title: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    # MARKET: produce for sale.
    price_cents: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[str | None] = mapped_column(String(20))
    quantity: Mapped[float | None] = mapped_column(Float)
    available_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # HONOR: the households named, in order.
    honorees: Mapped[list[str] | None] = mapped_column(JSON)
    # 1 while pinned by an official: the feed orders by (pin, id), both descending.
    pin: Mapped[int] = mapped_column(Integer, default=0)
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # Hidden by an official of the village (moderation): seen by its author and officials.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(String(500))


class PostRevision(Base):
    """What a post said before an edit: edits stay visible, nothing is lost."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when this text was written
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostPhoto(Base):
    __tablename__ = "post_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(Base):
    """A comment on a post, or a reply to one (`parent_id`: one level only)."""

    __tablename__ = "post_comments"
    __table_args__ = (Index("ix_post_comments_post_parent", "post_id", "parent_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("post_comments.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Hidden by an official of the village: its text is shown to its author and officials.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(String(500))


class PostLike(Base):
    __tablename__ = "post_likes"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContentReport(Base):
    """Someone reporting a post, or a comment of it, with a reason, for the village's
    officials to look at."""

    __tablename__ = "content_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("post_comments.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModerationKind(enum.Enum):
    HIDE = "HIDE"
    UNHIDE = "UNHIDE"
    DELETE = "DELETE"


class ModerationEntry(Base):
    """The trace of every moderation step (nothing disappears without one): who hid,
    unhid or deleted which post or comment, when and why."""

    __tablename__ = "moderation_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("post_comments.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[ModerationKind] = mapped_column(enum_column(ModerationKind))
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostEventKind(enum.Enum):
    POSTED = "POSTED"
    HIDDEN = "HIDDEN"
    SHOWN = "SHOWN"
    DELETED = "DELETED"
    EDITED = "EDITED"
    PINNED = "PINNED"
    UNPINNED = "UNPINNED"


class PostEvent(Base):
    """A change of the feed that live subscribers hear of (`feedUpdated`): its id is the id
    of its entry in the event log (topic "post", subject the post, path the village)."""

    __tablename__ = "post_events"

    id: Mapped[int] = mapped_column(ForeignKey("event_log.id"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    kind: Mapped[PostEventKind] = mapped_column(enum_column(PostEventKind))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
