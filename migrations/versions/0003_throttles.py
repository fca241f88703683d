"""throttles: atomic counters per key and window replace the login failure log

`core.throttle` counts failed sign-ins (per phone and source, per source), password checks
and reports in `throttles`, one row per (key, window start), bumped with one atomic
statement. `login_failures` (one row per failure, counted with a racy SELECT) goes; its rows
only ever mattered for an hour.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttles",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_throttles")),
    )
    with op.batch_alter_table("throttles") as batch_op:
        batch_op.create_index(batch_op.f("ix_throttles_window_start"), ["window_start"])
    with op.batch_alter_table("login_failures") as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_phone"))
        batch_op.drop_index(batch_op.f("ix_login_failures_at"))
    op.drop_table("login_failures")


def downgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures") as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failures_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_failures_phone"), ["phone"], unique=False)
    with op.batch_alter_table("throttles") as batch_op:
        batch_op.drop_index(batch_op.f("ix_throttles_window_start"))
    op.drop_table("throttles")
