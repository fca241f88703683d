"""Who may read and change village profiles.

A profile is what the village publishes on its home page: anyone may read it, signed in or
not, like the region tree itself. Its officials edit it: village officials of the village,
and township and county officials above it (never grid heads: their grant is a courtyard).
Phones follow the contract: a committee member's linked account shows its `phone` only to its
owner and to officials covering it; `publicPhone` is the office line the village publishes.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.identity import Viewer
from core.permissions import covers
from models.accounts import Role
from models.regions import Region, RegionLevel

EDITOR_ROLES = frozenset({Role.VILLAGE_OFFICIAL, Role.TOWNSHIP_OFFICIAL, Role.COUNTY_OFFICIAL})


def is_village(region: Region) -> bool:
    return region.level is RegionLevel.VILLAGE


def can_read_village(viewer: Viewer, region: Region) -> bool:
    """Villages are public: every viewer, anonymous included."""
    return is_village(region)


def can_edit_village(viewer: Viewer, region: Region) -> bool:
    """The village's officials: a village, township or county official covering it."""
    return is_village(region) and covers(viewer, region.path, EDITOR_ROLES)


def can_sit_on_committee(grant_paths: Iterable[str], village: Region) -> bool:
    """A committee member's linked account holds a role in the village (or a courtyard of
    it): someone the village's officials may look up, so linking tells them nothing new."""
    return any(path.startswith(village.path) for path in grant_paths)
