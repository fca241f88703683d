"""issue history on the row: first acceptance, latest resolution and rating, escalations

The dashboards (issue 11) count what issues went through: whether and when they were first
accepted, when last resolved, their latest rating, the levels they were escalated to. The
timeline (`issue_events`) records it, but reading it per issue for a county's month costs
a pass over hundreds of thousands of events; `lifecycle.apply` now keeps these on the issue
as it writes each event (a restart does not clear them), and this revision fills them in
from the timeline for the issues already there.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Each column from the timeline (tests/test_migrations.py checks these against what
# `lifecycle.apply` keeps).
HISTORY = {
    "first_accepted_at": "(SELECT min(e.at) FROM issue_events e WHERE e.issue_id = issues.id "
    "AND e.from_status = 'SUBMITTED' AND e.to_status = 'ACCEPTED')",
    "last_resolved_at": "(SELECT max(e.at) FROM issue_events e WHERE e.issue_id = issues.id "
    "AND e.kind = 'RESOLVED')",
    "latest_rating": "(SELECT e.rating FROM issue_events e WHERE e.issue_id = issues.id "
    "AND e.kind = 'RATED' ORDER BY e.id DESC LIMIT 1)",
    "escalated_levels": "COALESCE((SELECT sum(DISTINCT CASE e.level WHEN 'COURTYARD' THEN 1 "
    "WHEN 'VILLAGE' THEN 2 WHEN 'TOWNSHIP' THEN 4 WHEN 'COUNTY' THEN 8 ELSE 0 END) "
    "FROM issue_events e WHERE e.issue_id = issues.id AND e.kind = 'ESCALATED'), 0)",
}


def upgrade() -> None:
    with op.batch_alter_table("issues") as batch:
        batch.add_column(
            sa.Column("first_accepted_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("last_resolved_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("latest_rating", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("escalated_levels", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute("UPDATE issues SET " + ", ".join(f"{name} = {sql}" for name, sql in HISTORY.items()))


def downgrade() -> None:
    with op.batch_alter_table("issues") as batch:
        batch.drop_column("escalated_levels")
        batch.drop_column("latest_rating")
        batch.drop_column("last_resolved_at")
        batch.drop_column("first_accepted_at")
