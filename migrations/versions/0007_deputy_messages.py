"""deputy messages: the messages left through a deputy's QR code and their history

`deputy_messages` (the deputy's account copied, so who may read one is a comparison, also in
SQL; the sender's receipt by its SHA-256), `deputy_message_events` (id = the event log's, so
`deputyInboxUpdated` resumes after it, as issue timelines do).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 22:22:42.783945
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


def downgrade() -> None:
    with op.batch_alter_table("deputy_message_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deputy_message_events_message_id"))

    op.drop_table("deputy_message_events")
    with op.batch_alter_table("deputy_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deputy_messages_status"))
        batch_op.drop_index(batch_op.f("ix_deputy_messages_sender_id"))
        batch_op.drop_index(batch_op.f("ix_deputy_messages_issue_id"))
        batch_op.drop_index(batch_op.f("ix_deputy_messages_deputy_id"))
        batch_op.drop_index(batch_op.f("ix_deputy_messages_deputy_account_id"))
        batch_op.drop_index(batch_op.f("ix_deputy_messages_created_at"))

    op.drop_table("deputy_messages")
