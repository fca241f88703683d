"""SQLAlchemy tables, one module per domain. Importing this package registers them all."""

from models import accounts, deputies, discussions, events, issues, posts, regions, villages
from models.base import Base

__all__ = [
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
