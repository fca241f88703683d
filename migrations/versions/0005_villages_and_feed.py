"""villages and the village feed: profiles, committees, follows, posts

Issue 9. A village's home page: `village_profiles` (one row per village, written by its
officials), `village_covers` (its cover photo, re-encoded like every photo; the orphan
sweep knows the column) and `committee_members` (the committee as the village lists it);
`village_follows` (digital villagers). The feed: `posts` (every kind; never deleted,
`deleted_at` stamps a deletion; the index (village_id, pin, id) serves its keyset on
(pin, id), newest first), `post_photos` (known to the orphan sweep), `post_revisions` (what
a post said before each edit), `post_comments` (one level of replies) and `post_likes`.

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
    op.drop_table("village_profiles")
    op.drop_table("village_covers")
    with op.batch_alter_table("committee_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_members_region_id"))

    op.drop_table("committee_members")
