"""The administrative tree: county > township > village > courtyard."""

from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, RegionPath


class RegionLevel(enum.Enum):
    COUNTY = "COUNTY"
    TOWNSHIP = "TOWNSHIP"
    VILLAGE = "VILLAGE"
    COURTYARD = "COURTYARD"

    @property
    def rank(self) -> int:
        """Higher is closer to the county: COURTYARD=0 ... COUNTY=3."""
        return LEVEL_ORDER.index(self)

    @property
    def above(self) -> RegionLevel | None:
        return LEVEL_ORDER[self.rank + 1] if self.rank + 1 < len(LEVEL_ORDER) else None


LEVEL_ORDER = [RegionLevel.COURTYARD, RegionLevel.VILLAGE, RegionLevel.TOWNSHIP, RegionLevel.COUNTY]


class Region(Base):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    level: Mapped[RegionLevel] = mapped_column(Enum(RegionLevel, native_enum=False, length=16))
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    # Materialised path of ids, "/1/4/9/", so "everything under X" is one prefix match.
    path: Mapped[str] = mapped_column(RegionPath, index=True)

    def covers(self, other_path: str) -> bool:
        return other_path.startswith(self.path)
