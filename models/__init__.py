"""SQLAlchemy tables, one module per domain. Importing this package registers them all."""

from models import accounts, deputies, events, issues, posts, regions, villages
from models.base import Base

__all__ = ["Base", "accounts", "deputies", "events", "issues", "posts", "regions", "villages"]
