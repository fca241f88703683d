"""village profiles: population, area, introduction, cover photo, committee

A village's home page (issue 9): `village_profiles` (one row per village, written by its
officials), `village_covers` (its cover photo, re-encoded like every photo; the orphan
sweep knows the column) and `committee_members` (the committee as the village lists it).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 22:19:46.325799
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "committee_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("post", sa.String(length=50), nullable=False),
        sa.Column("office_hours", sa.String(length=200), nullable=True),
        sa.Column("public_phone", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_committee_members_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_committee_members_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_members")),
    )
    with op.batch_alter_table("committee_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committee_members_region_id"), ["region_id"], unique=False
        )

    op.create_table(
        "village_covers",
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=100), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_village_covers_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("region_id", name=op.f("pk_village_covers")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_village_covers_storage_key")),
    )
    op.create_table(
        "village_profiles",
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column("area_km2", sa.Float(), nullable=True),
        sa.Column("introduction", sa.Text(), nullable=True),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_village_profiles_region_id_regions")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["accounts.id"],
            name=op.f("fk_village_profiles_updated_by_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("region_id", name=op.f("pk_village_profiles")),
    )


def downgrade() -> None:
    op.drop_table("village_profiles")
    op.drop_table("village_covers")
    with op.batch_alter_table("committee_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_members_region_id"))

    op.drop_table("committee_members")
