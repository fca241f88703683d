"""the policy library: trigram indexes for substring search of posts (PostgreSQL)

`searchPosts` matches every word anywhere in a post's title or text (`ILIKE '%低保%'`). On
PostgreSQL the pg_trgm extension (trusted: a database owner may create it) gives GIN
indexes that serve such patterns of three characters or more, Chinese included (a
C.UTF-8 or any UTF-8 ctype classifies Han characters as letters); shorter words are
checked on the rows the other conditions leave. SQLite has no such index: it scans the
posts the viewer may read.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 22:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEXES = (("ix_posts_title_trgm", "title"), ("ix_posts_body_trgm", "body"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES:
        op.create_index(
            name,
            "posts",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _column in INDEXES:
        op.drop_index(name, table_name="posts")
