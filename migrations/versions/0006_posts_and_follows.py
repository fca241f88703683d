"""the village feed: posts, their photos, revisions, comments and likes; village follows

`posts` (every kind; never deleted, `deleted_at` stamps a deletion; the feed's index is
(village_id, pin, id), which serves its keyset on (pin, id) newest first), `post_photos`
(known to the orphan sweep), `post_revisions` (what a post said before each edit),
`post_comments` (one level of replies), `post_likes`, and `village_follows` (digital
villagers).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 22:27:49.863104
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
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column(
            "region_path",
            sa.String(length=255).with_variant(sa.String(length=255, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "ANNOUNCEMENT",
                "POLICY",
                "AFFAIRS",
                "ACTIVITY",
                "HONOR",
                "MARKET",
                "MOMENT",
                name="postkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "affairs_kind",
            sa.Enum(
                "FINANCE",
                "PARTY",
                "GOVERNMENT",
                "OTHER",
                name="affairskind",
                native_enum=False,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("title", sa.String(length=100), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("quantity", sa.Float(), nullable=True),
        sa.Column("available_until", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("honorees", sa.JSON(), nullable=True),
        sa.Column("pin", sa.Integer(), nullable=False),
        sa.Column("pinned_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("edited_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("pin IN (0, 1)", name=op.f("ck_posts_pin_flag")),
        sa.CheckConstraint(
            "price_cents IS NULL OR price_cents >= 0", name=op.f("ck_posts_price_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["accounts.id"], name=op.f("fk_posts_author_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"], ["accounts.id"], name=op.f("fk_posts_deleted_by_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["regions.id"], name=op.f("fk_posts_village_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
    )
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_posts_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_posts_feed", ["village_id", "pin", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_posts_region_path"), ["region_path"], unique=False)

    op.create_table(
        "village_follows",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_village_follows_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["regions.id"], name=op.f("fk_village_follows_village_id_regions")
        ),
        sa.PrimaryKeyConstraint("account_id", "village_id", name=op.f("pk_village_follows")),
    )
    op.create_table(
        "post_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["accounts.id"], name=op.f("fk_post_comments_author_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["post_comments.id"],
            name=op.f("fk_post_comments_parent_id_post_comments"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_comments_post_id_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_comments")),
    )
    with op.batch_alter_table("post_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_comments_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_post_comments_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(
            "ix_post_comments_post_parent", ["post_id", "parent_id", "id"], unique=False
        )

    op.create_table(
        "post_likes",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_post_likes_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_likes_post_id_posts")
        ),
        sa.PrimaryKeyConstraint("post_id", "account_id", name=op.f("pk_post_likes")),
    )
    op.create_table(
        "post_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=100), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_photos_post_id_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_photos")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_post_photos_storage_key")),
    )
    with op.batch_alter_table("post_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_photos_post_id"), ["post_id"], unique=False)

    op.create_table(
        "post_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("written_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_revisions_post_id_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_revisions")),
    )
    with op.batch_alter_table("post_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_revisions_post_id"), ["post_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("post_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_revisions_post_id"))

    op.drop_table("post_revisions")
    with op.batch_alter_table("post_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_photos_post_id"))

    op.drop_table("post_photos")
    op.drop_table("post_likes")
    with op.batch_alter_table("post_comments", schema=None) as batch_op:
        batch_op.drop_index("ix_post_comments_post_parent")
        batch_op.drop_index(batch_op.f("ix_post_comments_parent_id"))
        batch_op.drop_index(batch_op.f("ix_post_comments_author_id"))

    op.drop_table("post_comments")
    op.drop_table("village_follows")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posts_region_path"))
        batch_op.drop_index("ix_posts_feed")
        batch_op.drop_index(batch_op.f("ix_posts_author_id"))

    op.drop_table("posts")
