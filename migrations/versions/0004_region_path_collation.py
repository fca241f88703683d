"""region paths compare bytewise: COLLATE "C" on PostgreSQL

"Under a region" is now a range on the path (`path >= '/1/8/' AND path < '/1/80'`), which
an index serves also in generic plans. A range means what it should only in bytewise
order, so on PostgreSQL the path columns take the "C" collation whatever the database's
default (under en_US.UTF-8, `/` is ignored at first and `/1/8/5/` sorts like `185`). Their
indexes are rebuilt with them. SQLite already compares bytes: nothing to do there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = (("regions", "path"), ("issues", "region_path"), ("event_log", "region_path"))


def _collate(collation: str | None) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.alter_column(
            table,
            column,
            type_=sa.String(length=255, collation=collation),
            existing_type=sa.String(length=255),
            existing_nullable=False,
        )


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate(None)
