"""People's-congress deputies (人大代表): their profile, their QR message-box code, the
messages left in it, and their duty records."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, RegionPath, UTCDateTime, enum_column, utcnow
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


class MessageStatus(enum.Enum):
    NEW = "NEW"
    READ = "READ"
    REPLIED = "REPLIED"
    TURNED_INTO_ISSUE = "TURNED_INTO_ISSUE"
    CLOSED = "CLOSED"


class MessageEventKind(enum.Enum):
    RECEIVED = "RECEIVED"
    READ = "READ"
    REPLIED = "REPLIED"
    TURNED_INTO_ISSUE = "TURNED_INTO_ISSUE"
    CLOSED = "CLOSED"
    FOLLOWED_UP = "FOLLOWED_UP"


class DeputyMessage(Base):
    """A message left in a deputy's box through their QR code, signed in or not."""

    __tablename__ = "deputy_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    # The deputy's account, copied: who may read the message is one comparison, also in SQL.
    deputy_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    region_path: Mapped[str] = mapped_column(RegionPath)  # the constituency's, for the log
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    sender_name: Mapped[str | None] = mapped_column(String(50))
    sender_phone: Mapped[str | None] = mapped_column(String(20))
    # SHA-256 of the receipt handed to the sender once: how a sender without an account
    # reads the replies and answers the follow-up.
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[MessageStatus] = mapped_column(enum_column(MessageStatus), index=True)
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    first_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The sender's answers to the follow-up: did the deputy answer, was it resolved.
    answered: Mapped[bool | None] = mapped_column(Boolean)
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class DeputyMessageEvent(Base):
    """One immutable entry of a message's history (received, read, a reply, ...). Its id is
    its entry's in the event log: what `deputyInboxUpdated` resumes after."""

    __tablename__ = "deputy_message_events"

    id: Mapped[int] = mapped_column(ForeignKey("event_log.id"), primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("deputy_messages.id"), index=True)
    kind: Mapped[MessageEventKind] = mapped_column(enum_column(MessageEventKind))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    note: Mapped[str | None] = mapped_column(Text)  # a reply's text
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordKind(enum.Enum):
    CONSTITUENT_VISIT = "CONSTITUENT_VISIT"
    RECEPTION_DAY = "RECEPTION_DAY"
    INSPECTION = "INSPECTION"
    SUGGESTION = "SUGGESTION"
    PROPOSAL = "PROPOSAL"
    MEETING = "MEETING"
    TRAINING = "TRAINING"
    OTHER = "OTHER"


class ProposalOutcome(enum.Enum):
    PENDING = "PENDING"
    ADOPTED = "ADOPTED"
    PARTLY_ADOPTED = "PARTLY_ADOPTED"
    NOT_ADOPTED = "NOT_ADOPTED"


class DutyRecord(Base):
    """One duty a deputy performed (履职记录): what the performance file counts."""

    __tablename__ = "deputy_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    # The deputy's account and constituency path, copied: who may read a record is a
    # comparison and a range, also in SQL.
    deputy_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    region_path: Mapped[str] = mapped_column(RegionPath, index=True)
    kind: Mapped[RecordKind] = mapped_column(enum_column(RecordKind))
    day: Mapped[date] = mapped_column(Date, index=True)
    description: Mapped[str] = mapped_column(Text)
    # Proposals (议案/建议): the outcome, and as which government documents it was adopted.
    outcome: Mapped[ProposalOutcome | None] = mapped_column(enum_column(ProposalOutcome))
    outcome_documents: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecordLink(Base):
    """An issue or a message a record is about (one of the two per row)."""

    __tablename__ = "deputy_record_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("deputy_records.id"), index=True)
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("deputy_messages.id"), index=True)


class DeputyPhoto(Base):
    """A photo of a deputy's: their profile picture (no record) or evidence of a duty record.
    Re-encoded from its pixels like every photo (core/images.py)."""

    __tablename__ = "deputy_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("deputy_records.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
