"""Who may read and do what with issues: every issue rule, in Python and in SQL.

`can_read_issue` and `visible_issues` say the same thing twice (a test checks that they
agree over generated data); the rest decide actions and what of an issue a viewer sees.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, false, or_, true

from core.identity import Viewer
from core.permissions import OFFICIAL_ROLES, OVERSIGHT_ROLES, covers, is_admin, paths, under
from models.accounts import Role
from models.issues import Issue
from models.regions import RegionLevel

REPORTING_LEVELS = frozenset({RegionLevel.VILLAGE, RegionLevel.COURTYARD})


def is_party(viewer: Viewer, issue: Issue) -> bool:
    """The reporter, or whoever filed the report for them."""
    return viewer.is_(issue.reporter_id) or viewer.is_(issue.filed_by_id)


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
    return can_handle(viewer, issue) or viewer.is_(issue.assignee_id)


def speaks_for_reporter(viewer: Viewer, issue: Issue) -> bool:
    """Who may cancel, rate and appeal: the reporter, or for someone without an account
    whoever filed it for them; never someone who works the issue: nobody rates their own work.

    "Works" is `can_work` at the issue's current level. Whoever accepted, started, resolved
    or rejected it there (the event log's actors since it reached this level) needed exactly
    that, and it is what they will be rated on; when an issue changes level (escalated,
    appealed, rated low) the new level takes it over, and the old level's handler becomes a
    reporter like any other. So a grid head reporting in their own courtyard cannot rate it
    while it is theirs to handle: they may resolve it (it then stays RESOLVED, unrated) or
    hand it up (`escalateIssue`), and rate what the village does with it.
    """
    if can_work(viewer, issue):
        return False
    if issue.reporter_id is not None:
        return viewer.is_(issue.reporter_id)
    return viewer.is_(issue.filed_by_id)


def works_on_own_report(viewer: Viewer, issue: Issue) -> bool:
    """The reporter, or who filed it, also works on it: why they may not rate or appeal."""
    return is_party(viewer, issue) and can_work(viewer, issue)


def can_read_issue(viewer: Viewer, issue: Issue) -> bool:
    return (
        is_party(viewer, issue)
        or can_work(viewer, issue)
        or covers(viewer, issue.region_path, OVERSIGHT_ROLES)
    )


def visible_issues(viewer: Viewer) -> ColumnElement[bool]:
    """SQL condition matching exactly the issues `can_read_issue` allows."""
    if not viewer.signed_in:
        return false()
    if is_admin(viewer):
        return true()
    me = viewer.id
    clauses = [Issue.reporter_id == me, Issue.filed_by_id == me, Issue.assignee_id == me]
    clauses += [under(Issue.region_path, p) for p in paths(viewer, OVERSIGHT_ROLES)]
    return or_(*clauses)


def can_see_reporter(viewer: Viewer, issue: Issue) -> bool:
    """Anonymous reports hide the reporter from all but the reporter and those handling it."""
    return not issue.anonymous or is_party(viewer, issue) or can_work(viewer, issue)


def can_see_location(viewer: Viewer, issue: Issue) -> bool:
    """Where an anonymous report was made could name its reporter: the parties and those
    who may work it only. A named report's location, to whoever may read it."""
    return can_see_reporter(viewer, issue)


def can_find_common_demands(viewer: Viewer, region_path: str) -> bool:
    """`commonDemands` of a region: its officials (and admins)."""
    return covers(viewer, region_path, OFFICIAL_ROLES)


def can_list_children(viewer: Viewer, parent: Issue) -> bool:
    """The issues merged into a parent: whoever oversees the parent's region. A parent's
    region covers every child's (`mergeIssues` sees to it), so they may read every child;
    the parent's reporter or assignee may not, and sees no list."""
    return covers(viewer, parent.region_path, OVERSIGHT_ROLES)


def can_merge(viewer: Viewer, issues: Iterable[Issue]) -> bool:
    """Merging: an official who may handle every issue of the group."""
    return all(can_handle(viewer, issue) for issue in issues)


def can_see_contact(viewer: Viewer, issue: Issue) -> bool:
    return is_party(viewer, issue) or can_work(viewer, issue)


def can_watch_region(viewer: Viewer, region_path: str) -> bool:
    """Status changes of a whole region: its officials and deputies."""
    return covers(viewer, region_path, OVERSIGHT_ROLES)


def can_report_for_others(viewer: Viewer, region_path: str) -> bool:
    """Proxy reports (phone, walk-in, on someone's behalf): grid heads and officials."""
    return covers(viewer, region_path, OFFICIAL_ROLES)


def is_unthrottled_reporter(viewer: Viewer, region_path: str) -> bool:
    """Grid heads and officials filing in their area are not held to the hourly quota."""
    return covers(viewer, region_path, OFFICIAL_ROLES)


def can_be_assigned(grants: Iterable[tuple[Role, str]], issue: Issue) -> bool:
    """Assignees are STAFF (agronomist, lawyer, utility worker) whose region covers the issue."""
    return any(role is Role.STAFF and issue.region_path.startswith(path) for role, path in grants)
