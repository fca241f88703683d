"""decision meetings (议事会): terms, agenda, attendance, motions and ballots, minutes

Issue 9, item 5, its last part: `meetings` (a MEETING discussion's time, place or online
link and quorum; who is expected is the discussion's `voters`), `agenda_items` (ordered),
`meeting_attendance` (one row per attendee, with who recorded it), `motions` (closed with
their result), `motion_votes` (one ballot per attendee and motion), `meeting_minutes`
(every version kept), and `discussion_events.motion_id` (the motion a MOTION_* event is
about). The new enum values (kind MEETING, the meeting event kinds) are VARCHARs: no change.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 00:15:27.158889
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_agenda_items_discussion_id_discussions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_items_discussion_id"), ["discussion_id"], unique=False
        )

    op.create_table(
        "meeting_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_meeting_attendance_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_meeting_attendance_discussion_id_discussions"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["accounts.id"],
            name=op.f("fk_meeting_attendance_recorded_by_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendance")),
        sa.UniqueConstraint(
            "discussion_id",
            "account_id",
            name=op.f("uq_meeting_attendance_discussion_id_account_id"),
        ),
    )
    with op.batch_alter_table("meeting_attendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_attendance_discussion_id"), ["discussion_id"], unique=False
        )

    op.create_table(
        "meeting_minutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["accounts.id"], name=op.f("fk_meeting_minutes_author_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_meeting_minutes_discussion_id_discussions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_minutes")),
    )
    with op.batch_alter_table("meeting_minutes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_minutes_discussion_id"), ["discussion_id"], unique=False
        )

    op.create_table(
        "meetings",
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("online_url", sa.String(length=500), nullable=True),
        sa.Column("quorum", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_meetings_discussion_id_discussions"),
        ),
        sa.PrimaryKeyConstraint("discussion_id", name=op.f("pk_meetings")),
    )
    op.create_table(
        "motions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "result",
            sa.Enum("PASSED", "FAILED", name="motionresult", native_enum=False, length=24),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["accounts.id"], name=op.f("fk_motions_closed_by_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["discussion_id"], ["discussions.id"], name=op.f("fk_motions_discussion_id_discussions")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["accounts.id"], name=op.f("fk_motions_opened_by_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_motions")),
    )
    with op.batch_alter_table("motions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_motions_discussion_id"), ["discussion_id"], unique=False
        )

    op.create_table(
        "motion_votes",
        sa.Column("motion_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "choice",
            sa.Enum("FOR", "AGAINST", "ABSTAIN", name="motionchoice", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_motion_votes_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"], ["motions.id"], name=op.f("fk_motion_votes_motion_id_motions")
        ),
        sa.PrimaryKeyConstraint("motion_id", "account_id", name=op.f("pk_motion_votes")),
    )
    with op.batch_alter_table("discussion_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("motion_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_discussion_events_motion_id_motions"), "motions", ["motion_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("discussion_events", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_discussion_events_motion_id_motions"), type_="foreignkey"
        )
        batch_op.drop_column("motion_id")

    op.drop_table("motion_votes")
    with op.batch_alter_table("motions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_motions_discussion_id"))

    op.drop_table("motions")
    op.drop_table("meetings")
    with op.batch_alter_table("meeting_minutes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_minutes_discussion_id"))

    op.drop_table("meeting_minutes")
    with op.batch_alter_table("meeting_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_attendance_discussion_id"))

    op.drop_table("meeting_attendance")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_items_discussion_id"))

    op.drop_table("agenda_items")
