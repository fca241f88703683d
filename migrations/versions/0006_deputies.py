"""deputies: profiles and their QR message-box codes (issue 10)

`deputies` holds each deputy's seat (account, congress level, constituency, term) and the
token their QR code links to; `deputy_retired_codes` the SHA-256 of tokens a deputy replaced,
so a scan of an old poster is told the code was replaced.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 22:18:09.806737
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0006"
down_revision = "0005"
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


def downgrade() -> None:
    with op.batch_alter_table("deputy_retired_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deputy_retired_codes_deputy_id"))

    op.drop_table("deputy_retired_codes")
    with op.batch_alter_table("deputies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deputies_region_path"))
        batch_op.drop_index(batch_op.f("ix_deputies_region_id"))
        batch_op.drop_index(batch_op.f("ix_deputies_account_id"))

    op.drop_table("deputies")
