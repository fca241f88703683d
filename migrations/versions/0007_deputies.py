"""deputies (issue 10): profiles, QR codes, messages, duty records

`deputies` holds each deputy's seat (account, congress level, constituency, term) and the
token their QR code links to; `deputy_retired_codes` the SHA-256 of tokens a deputy replaced,
so a scan of an old poster is told the code was replaced. `deputy_messages` (the deputy's
account copied, so who may read one is a comparison, also in SQL; the sender's receipt by its
SHA-256) and `deputy_message_events` (id = the event log's, so `deputyInboxUpdated` resumes
after it, as issue timelines do). `deputy_records` (kind, day, a proposal's outcome,
verification) and `deputy_record_links` (the issues and messages a record is about).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 22:34:21.492776
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deputies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column(
            "congress_level",
            sa.Enum("COUNTY", "TOWNSHIP", name="congresslevel", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column(
            "region_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("code_token", sa.String(length=64), nullable=False),
        sa.Column("code_issued_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_deputies_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_deputies_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deputies")),
        sa.UniqueConstraint(
            "account_id", "congress_level", name=op.f("uq_deputies_account_id_congress_level")
        ),
        sa.UniqueConstraint("code_token", name=op.f("uq_deputies_code_token")),
    )
    with op.batch_alter_table("deputies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deputies_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deputies_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deputies_region_path"), ["region_path"], unique=False)

    op.create_table(
        "deputy_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deputy_id", sa.Integer(), nullable=False),
        sa.Column("deputy_account_id", sa.Integer(), nullable=False),
        sa.Column(
            "region_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("sender_name", sa.String(length=50), nullable=True),
        sa.Column("sender_phone", sa.String(length=20), nullable=True),
        sa.Column("receipt_hash", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "NEW",
                "READ",
                "REPLIED",
                "TURNED_INTO_ISSUE",
                "CLOSED",
                name="messagestatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_replied_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered", sa.Boolean(), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=True),
        sa.Column("followed_up_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deputy_account_id"],
            ["accounts.id"],
            name=op.f("fk_deputy_messages_deputy_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["deputy_id"], ["deputies.id"], name=op.f("fk_deputy_messages_deputy_id_deputies")
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_deputy_messages_issue_id_issues")
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["accounts.id"], name=op.f("fk_deputy_messages_sender_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deputy_messages")),
        sa.UniqueConstraint("receipt_hash", name=op.f("uq_deputy_messages_receipt_hash")),
    )
    with op.batch_alter_table("deputy_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deputy_messages_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deputy_messages_deputy_account_id"), ["deputy_account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deputy_messages_deputy_id"), ["deputy_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_deputy_messages_issue_id"), ["issue_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_deputy_messages_sender_id"), ["sender_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_deputy_messages_status"), ["status"], unique=False)

    op.create_table(
        "deputy_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deputy_id", sa.Integer(), nullable=False),
        sa.Column("deputy_account_id", sa.Integer(), nullable=False),
        sa.Column(
            "region_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "CONSTITUENT_VISIT",
                "RECEPTION_DAY",
                "INSPECTION",
                "SUGGESTION",
                "PROPOSAL",
                "MEETING",
                "TRAINING",
                "OTHER",
                name="recordkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "PENDING",
                "ADOPTED",
                "PARTLY_ADOPTED",
                "NOT_ADOPTED",
                name="proposaloutcome",
                native_enum=False,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("outcome_documents", sa.String(length=500), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["accounts.id"],
            name=op.f("fk_deputy_records_created_by_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["deputy_account_id"],
            ["accounts.id"],
            name=op.f("fk_deputy_records_deputy_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["deputy_id"], ["deputies.id"], name=op.f("fk_deputy_records_deputy_id_deputies")
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"],
            ["accounts.id"],
            name=op.f("fk_deputy_records_verified_by_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deputy_records")),
    )
    with op.batch_alter_table("deputy_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deputy_records_day"), ["day"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_deputy_records_deputy_account_id"), ["deputy_account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deputy_records_deputy_id"), ["deputy_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deputy_records_region_path"), ["region_path"], unique=False
        )

    op.create_table(
        "deputy_retired_codes",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("deputy_id", sa.Integer(), nullable=False),
        sa.Column("retired_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deputy_id"], ["deputies.id"], name=op.f("fk_deputy_retired_codes_deputy_id_deputies")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_deputy_retired_codes")),
    )
    with op.batch_alter_table("deputy_retired_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deputy_retired_codes_deputy_id"), ["deputy_id"], unique=False
        )

    op.create_table(
        "deputy_message_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "RECEIVED",
                "READ",
                "REPLIED",
                "TURNED_INTO_ISSUE",
                "CLOSED",
                "FOLLOWED_UP",
                name="messageeventkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["accounts.id"], name=op.f("fk_deputy_message_events_actor_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["id"], ["event_log.id"], name=op.f("fk_deputy_message_events_id_event_log")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["deputy_messages.id"],
            name=op.f("fk_deputy_message_events_message_id_deputy_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deputy_message_events")),
    )
    with op.batch_alter_table("deputy_message_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deputy_message_events_message_id"), ["message_id"], unique=False
        )

    op.create_table(
        "deputy_record_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_deputy_record_links_issue_id_issues")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["deputy_messages.id"],
            name=op.f("fk_deputy_record_links_message_id_deputy_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["deputy_records.id"],
            name=op.f("fk_deputy_record_links_record_id_deputy_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deputy_record_links")),
    )
    with op.batch_alter_table("deputy_record_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deputy_record_links_issue_id"), ["issue_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deputy_record_links_message_id"), ["message_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deputy_record_links_record_id"), ["record_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("deputy_record_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deputy_record_links_record_id"))
        batch_op.drop_index(batch_op.f("ix_deputy_record_links_message_id"))
        batch_op.drop_index(batch_op.f("ix_deputy_record_links_issue_id"))

    op.drop_table("deputy_record_links")
    with op.batch_alter_table("deputy_message_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deputy_message_events_message_id"))

    op.drop_table("deputy_message_events")
    with op.batch_alter_table("deputy_retired_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deputy_retired_codes_deputy_id"))

    op.drop_table("deputy_retired_codes")
    with op.batch_alter_table("deputy_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deputy_records_region_path"))
        batch_op.drop_index(batch_op.f("ix_deputy_records_deputy_id"))
        batch_op.drop_index(batch_op.f("ix_deputy_records_deputy_account_id"))
        batch_op.drop_index(batch_op.f("ix_deputy_records_day"))

    op.drop_table("deputy_records")
    with op.batch_alter_table("deputy_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deputy_messages_status"))
        batch_op.drop_index(batch_op.f("ix_deputy_messages_sender_id"))
        batch_op.drop_index(batch_op.f("ix_deputy_messages_issue_id"))
        batch_op.drop_index(batch_op.f("ix_deputy_messages_deputy_id"))
        batch_op.drop_index(batch_op.f("ix_deputy_messages_deputy_account_id"))
        batch_op.drop_index(batch_op.f("ix_deputy_messages_created_at"))

    op.drop_table("deputy_messages")
    with op.batch_alter_table("deputies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deputies_region_path"))
        batch_op.drop_index(batch_op.f("ix_deputies_region_id"))
        batch_op.drop_index(batch_op.f("ix_deputies_account_id"))

    op.drop_table("deputies")
