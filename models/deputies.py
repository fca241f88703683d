"""People's-congress deputies (人大代表): their profile and their QR message-box code."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, RegionPath, UTCDateTime, utcnow
from models.regions import RegionLevel


class CongressLevel(enum.Enum):
    """Which people's congress a deputy sits in: a county's or a township's."""

    COUNTY = "COUNTY"
    TOWNSHIP = "TOWNSHIP"

    @property
    def region_level(self) -> RegionLevel:
        """The administrative level whose officials work with this congress."""
        return RegionLevel(self.value)


class Deputy(Base):
    """A deputy's seat: one account may sit in the county's and a township's congress."""

    __tablename__ = "deputies"
    __table_args__ = (UniqueConstraint("account_id", "congress_level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    congress_level: Mapped[CongressLevel] = mapped_column(
        Enum(CongressLevel, native_enum=False, length=16)
    )
    # The constituency (选区): the region the deputy was elected in.
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    region_path: Mapped[str] = mapped_column(RegionPath, index=True)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    # The QR code's token: printed on posters, so it is stored as it is (it is no secret once
    # posted); unguessable, so nobody reaches a message box without the code.
    code_token: Mapped[str] = mapped_column(String(64), unique=True)
    code_issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RetiredCode(Base):
    """A QR token a deputy replaced (`rotateDeputyCode`): known by its SHA-256 only, so a scan
    of an old poster is told the code was replaced rather than that it never existed."""

    __tablename__ = "deputy_retired_codes"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
