"""SQLAlchemy tables, one module per domain. Importing this package registers them all."""

from models import accounts, deputies, discussions, events, issues, posts, regions, villages
from models.base import Base

# Indexes the migrations create on one database only, which the models do not declare:
# not drift when the models are compared with a migrated database.
MIGRATION_ONLY_INDEXES = frozenset(posts.SEARCH_INDEXES)

__all__ = [
    "MIGRATION_ONLY_INDEXES",
    "Base",
    "accounts",
    "deputies",
    "discussions",
    "events",
    "issues",
    "posts",
    "regions",
    "villages",
]
