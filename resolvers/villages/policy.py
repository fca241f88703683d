"""Who may read and change village profiles, and who belongs to a village's feed.

A profile is what the village publishes on its home page: anyone may read it, signed in or
not, like the region tree itself. Its officials edit it: village officials of the village,
and township and county officials above it (never grid heads: their grant is a courtyard).
Phones follow the contract: a committee member's linked account shows its `phone` only to its
owner and to officials covering it; `publicPhone` is the office line the village publishes.

The feed (posts, and later discussions) is for the village's members (who live or work in
it, and the officials and deputies above it) and its followers (digital villagers):
`can_read_feed`, and the same rule in SQL, `readable_villages`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import QueryableAttribute

from core import permissions
from core.identity import Viewer
from core.permissions import OVERSIGHT_ROLES, covers, is_admin, under
from models.accounts import Role
from models.regions import Region, RegionLevel
from models.villages import Follow

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


# --- members and followers: who reads a village's feed ---------------------------------


def lives_in(viewer: Viewer, village_path: str, roles: Iterable[Role] | None = None) -> bool:
    """A grant in the village or one of its courtyards (a resident, a grid head, its
    official), with one of `roles` if given."""
    wanted = None if roles is None else frozenset(roles)
    return any(
        g.region_path.startswith(village_path) and (wanted is None or g.role in wanted)
        for g in viewer.grants
    )


def is_member(viewer: Viewer, village_path: str) -> bool:
    """Lives or works in the village, or oversees it (officials and deputies above it)."""
    return lives_in(viewer, village_path) or covers(viewer, village_path, OVERSIGHT_ROLES)


def can_read_feed(
    viewer: Viewer, village_path: str, village_id: int, followed: Collection[int]
) -> bool:
    """Members, and the accounts following the village (digital villagers, 数字村民)."""
    if not viewer.signed_in:
        return False
    return is_member(viewer, village_path) or village_id in followed


def readable_villages(
    viewer: Viewer, path: QueryableAttribute[str], village_id: QueryableAttribute[int]
) -> ColumnElement[bool]:
    """SQL: rows of villages whose feed `can_read_feed` lets the viewer read, `path` and
    `village_id` being the row's village: the villages of its grants (each grant's path and
    its ancestors, an IN list), ranges under its oversight grants, and the ones it follows."""
    if not viewer.signed_in:
        return false()
    if is_admin(viewer):
        return true()
    own = sorted({a for g in viewer.grants for a in ancestors(g.region_path)})
    clauses: list[ColumnElement[bool]] = [path.in_(own)] if own else []
    clauses += [under(path, p) for p in permissions.paths(viewer, OVERSIGHT_ROLES)]
    clauses.append(village_id.in_(select(Follow.village_id).where(Follow.account_id == viewer.id)))
    return or_(*clauses)


def ancestors(region_path: str) -> list[str]:
    """`/1/4/9/` → `/1/`, `/1/4/`, `/1/4/9/`: every region path that covers it."""
    parts = region_path.strip("/").split("/")
    return ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


def can_follow(viewer: Viewer, region: Region) -> bool:
    """Anyone signed in may follow any village (a hometown they do not live in)."""
    return viewer.signed_in and is_village(region)
