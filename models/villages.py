"""Village profiles: what a village mini program's home page shows beside the region itself
(population, area, introduction, cover photo) and the village committee."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class VillageProfile(Base):
    """One per village (a region of level VILLAGE), written by its officials; absent until
    first written (every field then reads as null)."""

    __tablename__ = "village_profiles"

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    population: Mapped[int | None] = mapped_column(Integer)
    households: Mapped[int | None] = mapped_column(Integer)
    area_km2: Mapped[float | None] = mapped_column(Float)
    introduction: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class VillageCover(Base):
    """The village's cover photo, re-encoded like every photo (`core.images`)."""

    __tablename__ = "village_covers"

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommitteeMember(Base):
    """A seat on the village committee (村委会) as the village publishes it: a name and post,
    office hours, and a public contact (an office line the village chooses to publish, not
    the member's own phone), optionally linked to the member's account."""

    __tablename__ = "committee_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order on the page
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(50))
    post: Mapped[str] = mapped_column(String(50))
    office_hours: Mapped[str | None] = mapped_column(String(200))
    public_phone: Mapped[str | None] = mapped_column(String(20))


class Follow(Base):
    """An account following a village it need not live in (a digital villager, 数字村民)."""

    __tablename__ = "village_follows"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
