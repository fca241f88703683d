"""issue merging and locations: issues.parent_id, issues.latitude/longitude, issue_events.parent_id

Issue 11, part 3 (common demands): `mergeIssues` merges a group of open issues into one parent
(`issues.parent_id`, indexed for `Issue.children`); the MERGED event of a child, and the
RESOLVED / REJECTED its parent passes on to it, name the parent (`issue_events.parent_id`).
Reports may carry where they were made (`latitude`, `longitude`: both or neither, in range).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_issues_parent_id"), ["parent_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_issues_parent_id_issues"), "issues", ["parent_id"], ["id"]
        )
        batch_op.create_check_constraint(
            "location_range",
            "(latitude IS NULL) = (longitude IS NULL) AND (latitude IS NULL OR "
            "(latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180))",
        )
    with op.batch_alter_table("issue_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_issue_events_parent_id_issues"), "issues", ["parent_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("issue_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_issue_events_parent_id_issues"), type_="foreignkey")
        batch_op.drop_column("parent_id")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_constraint("location_range", type_="check")
        batch_op.drop_constraint(batch_op.f("fk_issues_parent_id_issues"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_issues_parent_id"))
        batch_op.drop_column("parent_id")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
