"""moderation and the live feed: reports, hidden posts and comments, the moderation log,
post events

Issue 9, item 4: `content_reports` (anyone who may read a post reports it or a comment of
it, with a reason), `hidden_at` / `hidden_reason` on posts and comments (an official of the
village hides them), `moderation_log` (every hide, unhide and official deletion: nothing
disappears without a trace). Item 6: `post_events` (posted, hidden, shown again, deleted),
each under the id of its entry in the event log (topic "post"), for `feedUpdated`.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 22:47:55.917302
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "post_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "POSTED",
                "HIDDEN",
                "SHOWN",
                "DELETED",
                name="posteventkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["event_log.id"], name=op.f("fk_post_events_id_event_log")),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_events_post_id_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_events")),
    )
    with op.batch_alter_table("post_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_events_post_id"), ["post_id"], unique=False)

    op.create_table(
        "content_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["post_comments.id"],
            name=op.f("fk_content_reports_comment_id_post_comments"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_content_reports_post_id_posts")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["accounts.id"], name=op.f("fk_content_reports_reporter_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["regions.id"], name=op.f("fk_content_reports_village_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_reports")),
    )
    with op.batch_alter_table("content_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_reports_post_id"), ["post_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_content_reports_village_id"), ["village_id"], unique=False
        )

    op.create_table(
        "moderation_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "HIDE", "UNHIDE", "DELETE", name="moderationkind", native_enum=False, length=24
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["accounts.id"], name=op.f("fk_moderation_log_actor_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["post_comments.id"],
            name=op.f("fk_moderation_log_comment_id_post_comments"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_moderation_log_post_id_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_log")),
    )
    with op.batch_alter_table("moderation_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_moderation_log_post_id"), ["post_id"], unique=False)

    with op.batch_alter_table("post_comments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hidden_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("hidden_reason", sa.String(length=500), nullable=True))

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hidden_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("hidden_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("post_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_events_post_id"))
    op.drop_table("post_events")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("hidden_reason")
        batch_op.drop_column("hidden_at")

    with op.batch_alter_table("post_comments", schema=None) as batch_op:
        batch_op.drop_column("hidden_reason")
        batch_op.drop_column("hidden_at")

    with op.batch_alter_table("moderation_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_log_post_id"))

    op.drop_table("moderation_log")
    with op.batch_alter_table("content_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_reports_village_id"))
        batch_op.drop_index(batch_op.f("ix_content_reports_post_id"))

    op.drop_table("content_reports")
