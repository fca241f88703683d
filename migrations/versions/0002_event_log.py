"""one event log for every live topic

Issue events move their position in the stream (id, region path) into `event_log`, which
every domain appends to. Existing events keep their ids, so cursors handed out before this
migration still resume where they were.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("region_path", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_log")),
    )
    with op.batch_alter_table("event_log") as batch_op:
        batch_op.create_index("ix_event_log_topic_subject", ["topic", "subject_id"])
        batch_op.create_index("ix_event_log_region_path", ["region_path"])
    op.execute(
        "INSERT INTO event_log (id, topic, subject_id, region_path) "
        "SELECT id, 'issue', issue_id, region_path FROM issue_events ORDER BY id"
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # New entries continue after the migrated ones.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('event_log', 'id'), "
            "COALESCE((SELECT MAX(id) FROM event_log), 0) + 1, false)"
        )
        op.execute("ALTER TABLE issue_events ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE IF EXISTS issue_events_id_seq")
    with op.batch_alter_table("issue_events") as batch_op:
        batch_op.drop_index("ix_issue_events_region_path")
        batch_op.drop_column("region_path")
        batch_op.create_foreign_key(
            op.f("fk_issue_events_id_event_log"), "event_log", ["id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("issue_events") as batch_op:
        batch_op.drop_constraint(op.f("fk_issue_events_id_event_log"), type_="foreignkey")
        batch_op.add_column(sa.Column("region_path", sa.String(length=255), nullable=True))
    op.execute(
        "UPDATE issue_events SET region_path = "
        "(SELECT region_path FROM event_log WHERE event_log.id = issue_events.id)"
    )
    with op.batch_alter_table("issue_events") as batch_op:
        batch_op.alter_column("region_path", nullable=False, existing_type=sa.String(255))
        batch_op.create_index("ix_issue_events_region_path", ["region_path"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE issue_events_id_seq OWNED BY issue_events.id")
        op.execute(
            "SELECT setval('issue_events_id_seq', COALESCE((SELECT MAX(id) FROM issue_events), 0)"
            " + 1, false)"
        )
        op.execute(
            "ALTER TABLE issue_events ALTER COLUMN id SET DEFAULT nextval('issue_events_id_seq')"
        )
    op.drop_table("event_log")
