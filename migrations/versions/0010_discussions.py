"""discussions (议事): topics and polls, their options, ballots, comments and events

Issue 9, item 5 (meetings to come): `discussions` (TOPIC or POLL, with a poll's voters,
choice, closing time and whether results show live; closed with an outcome),
`poll_options`, `ballot_choices` (an account's ballot: its chosen options, replaced whole
until the close), `discussion_comments`, and `discussion_events` under their event log
entries' ids (topic "discussion") for `discussionUpdated`.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 22:59:39.837959
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discussions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column(
            "region_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("TOPIC", "POLL", name="discussionkind", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "voters",
            sa.Enum("RESIDENTS", "MEMBERS", name="voters", native_enum=False, length=24),
            nullable=True,
        ),
        sa.Column("multiple_choice", sa.Boolean(), nullable=False),
        sa.Column("closes_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("results_live", sa.Boolean(), nullable=False),
        sa.Column("closed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["accounts.id"], name=op.f("fk_discussions_author_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["accounts.id"], name=op.f("fk_discussions_closed_by_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["regions.id"], name=op.f("fk_discussions_village_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussions")),
    )
    with op.batch_alter_table("discussions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discussions_region_path"), ["region_path"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_discussions_village_id"), ["village_id"], unique=False)

    op.create_table(
        "discussion_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["accounts.id"], name=op.f("fk_discussion_comments_author_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_discussion_comments_discussion_id_discussions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_comments")),
    )
    with op.batch_alter_table("discussion_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discussion_comments_discussion_id"), ["discussion_id"], unique=False
        )

    op.create_table(
        "discussion_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "OPENED",
                "COMMENTED",
                "VOTED",
                "CLOSED",
                name="discussioneventkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_discussion_events_discussion_id_discussions"),
        ),
        sa.ForeignKeyConstraint(
            ["id"], ["event_log.id"], name=op.f("fk_discussion_events_id_event_log")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_events")),
    )
    with op.batch_alter_table("discussion_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discussion_events_discussion_id"), ["discussion_id"], unique=False
        )

    op.create_table(
        "poll_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_poll_options_discussion_id_discussions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_options")),
    )
    with op.batch_alter_table("poll_options", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_poll_options_discussion_id"), ["discussion_id"], unique=False
        )

    op.create_table(
        "ballot_choices",
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_ballot_choices_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_ballot_choices_discussion_id_discussions"),
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["poll_options.id"],
            name=op.f("fk_ballot_choices_option_id_poll_options"),
        ),
        sa.PrimaryKeyConstraint(
            "discussion_id", "account_id", "option_id", name=op.f("pk_ballot_choices")
        ),
    )


def downgrade() -> None:
    op.drop_table("ballot_choices")
    with op.batch_alter_table("poll_options", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_options_discussion_id"))

    op.drop_table("poll_options")
    with op.batch_alter_table("discussion_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_events_discussion_id"))

    op.drop_table("discussion_events")
    with op.batch_alter_table("discussion_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_comments_discussion_id"))

    op.drop_table("discussion_comments")
    with op.batch_alter_table("discussions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussions_village_id"))
        batch_op.drop_index(batch_op.f("ix_discussions_region_path"))

    op.drop_table("discussions")
