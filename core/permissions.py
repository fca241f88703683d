"""Every jurisdiction rule of the API, in one place.

An official's jurisdiction is the region of a grant and everything under it (a path prefix).
Resolvers never decide who may do what themselves: they ask a function here, and list
queries filter with `visible_issues`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, false, or_, true

from core.identity import Viewer
from models.accounts import Role
from models.issues import Issue
from models.regions import RegionLevel

OFFICIAL_ROLES = frozenset(
    {Role.GRID_HEAD, Role.VILLAGE_OFFICIAL, Role.TOWNSHIP_OFFICIAL, Role.COUNTY_OFFICIAL}
)
# Deputies oversee the issues of their constituency: they read them but do not handle them.
OVERSIGHT_ROLES = OFFICIAL_ROLES | {Role.DEPUTY}


def is_admin(viewer: Viewer) -> bool:
    return any(g.role is Role.ADMIN for g in viewer.grants)


def _paths(viewer: Viewer, roles: Iterable[Role]) -> list[str]:
    roles = frozenset(roles)
    return [g.region_path for g in viewer.grants if g.role in roles]


def covers(viewer: Viewer, region_path: str, roles: Iterable[Role] = OFFICIAL_ROLES) -> bool:
    """True when one of the viewer's grants with these roles covers the region."""
    return is_admin(viewer) or any(region_path.startswith(p) for p in _paths(viewer, roles))


# --- issues -----------------------------------------------------------------------------


def is_party(viewer: Viewer, issue: Issue) -> bool:
    """The reporter, or whoever filed the report for them."""
    return viewer.id is not None and viewer.id in (issue.reporter_id, issue.filed_by_id)


def can_handle(viewer: Viewer, issue: Issue) -> bool:
    """An official at the issue's handling level or above, whose jurisdiction covers it."""
    if is_admin(viewer):
        return True
    return any(
        g.role in OFFICIAL_ROLES
        and issue.region_path.startswith(g.region_path)
        and g.region_level.rank >= issue.level.rank
        for g in viewer.grants
    )


def can_work(viewer: Viewer, issue: Issue) -> bool:
    """A handler, or the named handler (STAFF) the issue is assigned to."""
    return can_handle(viewer, issue) or (viewer.id is not None and viewer.id == issue.assignee_id)


def speaks_for_reporter(viewer: Viewer, issue: Issue) -> bool:
    """Who may cancel, rate and appeal: the reporter. For someone without an account, whoever
    filed it for them, unless that person also handles the issue: nobody rates their own work."""
    if viewer.id is None:
        return False
    if issue.reporter_id is not None:
        return viewer.id == issue.reporter_id
    return viewer.id == issue.filed_by_id and not can_work(viewer, issue)


def can_read_issue(viewer: Viewer, issue: Issue) -> bool:
    return (
        is_party(viewer, issue)
        or can_work(viewer, issue)
        or covers(viewer, issue.region_path, OVERSIGHT_ROLES)
    )


def can_see_reporter(viewer: Viewer, issue: Issue) -> bool:
    """Anonymous reports hide the reporter from all but the reporter and those handling it."""
    return not issue.anonymous or is_party(viewer, issue) or can_work(viewer, issue)


def can_see_contact(viewer: Viewer, issue: Issue) -> bool:
    return is_party(viewer, issue) or can_work(viewer, issue)


def visible_issues(viewer: Viewer) -> ColumnElement[bool]:
    """SQL condition matching exactly the issues `can_read_issue` allows."""
    if not viewer.signed_in:
        return false()
    if is_admin(viewer):
        return true()
    me = viewer.id
    clauses = [Issue.reporter_id == me, Issue.filed_by_id == me, Issue.assignee_id == me]
    clauses += [Issue.region_path.startswith(p) for p in _paths(viewer, OVERSIGHT_ROLES)]
    return or_(*clauses)


def can_report_for_others(viewer: Viewer, region_path: str) -> bool:
    """Proxy reports (phone, walk-in, on someone's behalf): grid heads and officials."""
    return covers(viewer, region_path, OFFICIAL_ROLES)


def can_be_assigned(grants: Iterable[tuple[Role, str]], issue: Issue) -> bool:
    """Assignees are STAFF (agronomist, lawyer, utility worker) whose region covers the issue."""
    return any(role is Role.STAFF and issue.region_path.startswith(path) for role, path in grants)


# --- accounts ---------------------------------------------------------------------------


def can_see_account(viewer: Viewer, account_id: int, account_region_paths: Iterable[str]) -> bool:
    """Owners see their account (phone included); so do officials whose jurisdiction covers
    one of its regions. Others meet accounts only through what they may read (an issue)."""
    if viewer.id == account_id or is_admin(viewer):
        return True
    return any(covers(viewer, path) for path in account_region_paths)


REPORTING_LEVELS = frozenset({RegionLevel.VILLAGE, RegionLevel.COURTYARD})
