"""deputy photos: a deputy's profile photo and their duty records' photos

One table (`deputy_photos`, the record null for the profile's), whose storage keys the orphan
sweep also looks up.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 22:38:10.973035
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deputy_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deputy_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("storage_key", sa.String(length=100), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deputy_id"], ["deputies.id"], name=op.f("fk_deputy_photos_deputy_id_deputies")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["deputy_records.id"],
            name=op.f("fk_deputy_photos_record_id_deputy_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deputy_photos")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_deputy_photos_storage_key")),
    )
    with op.batch_alter_table("deputy_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deputy_photos_deputy_id"), ["deputy_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deputy_photos_record_id"), ["record_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deputy_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deputy_photos_record_id"))
        batch_op.drop_index(batch_op.f("ix_deputy_photos_deputy_id"))

    op.drop_table("deputy_photos")
