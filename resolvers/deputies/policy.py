"""Who may read and do what with deputies: every deputy rule, in Python and, where a list
filters on it, in SQL beside it.

A deputy's profile (name, congress, constituency, term) is public, as people's congresses
publish it; what the deputy's code and seat allow is decided here.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, true

from core.identity import Viewer
from core.permissions import OFFICIAL_ROLES, is_admin
from models.deputies import CongressLevel, Deputy
from models.regions import Region


def can_read_deputy(viewer: Viewer, deputy: Deputy) -> bool:
    """Profiles are public: anyone, signed in or not."""
    return True


def visible_deputies(viewer: Viewer) -> ColumnElement[bool]:
    """SQL condition matching exactly the deputies `can_read_deputy` allows."""
    return true()


def is_the_deputy(viewer: Viewer, deputy: Deputy) -> bool:
    return viewer.is_(deputy.account_id)


def officiates_for(viewer: Viewer, deputy: Deputy) -> bool:
    """An official of the deputy's congress level (or above) whose jurisdiction covers the
    constituency: who registers deputies, prints their codes and (later) verifies records."""
    if is_admin(viewer):
        return True
    wanted = deputy.congress_level.region_level.rank
    return any(
        g.role in OFFICIAL_ROLES
        and deputy.region_path.startswith(g.region_path)
        and g.region_level.rank >= wanted
        for g in viewer.grants
    )


def can_see_code(viewer: Viewer, deputy: Deputy) -> bool:
    """The code's link and images: the deputy, and the officials who print it for them."""
    return is_the_deputy(viewer, deputy) or officiates_for(viewer, deputy)


def can_rotate_code(viewer: Viewer, deputy: Deputy) -> bool:
    """Replacing the code (the old posters stop working): the deputy, or an administrator."""
    return is_the_deputy(viewer, deputy) or is_admin(viewer)


def can_register(viewer: Viewer, level: CongressLevel, constituency: Region) -> bool:
    """Registering a deputy: an official at the congress's level or above whose jurisdiction
    covers the constituency."""
    if is_admin(viewer):
        return True
    return any(
        g.role in OFFICIAL_ROLES
        and constituency.path.startswith(g.region_path)
        and g.region_level.rank >= level.region_level.rank
        for g in viewer.grants
    )
