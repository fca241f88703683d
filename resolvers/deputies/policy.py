"""Who may read and do what with deputies: every deputy rule, in Python and, where a list
filters on it, in SQL beside it.

A deputy's profile (name, congress, constituency, term) is public, as people's congresses
publish it; what the deputy's code and seat allow is decided here.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from core.identity import Viewer
from core.permissions import OFFICIAL_ROLES, covers, is_admin, paths, under
from models.deputies import CongressLevel, Deputy, DeputyMessage, DutyRecord
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


def can_edit_profile(viewer: Viewer, deputy: Deputy) -> bool:
    """Name and photo: the deputy, and the officials who register deputies of that congress."""
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


# --- messages ---------------------------------------------------------------------------
# Between a citizen and their deputy: nobody else reads them (no official, no administrator).
# A sender without an account holds a receipt instead (`queries.message_by_receipt`).


def can_read_message(viewer: Viewer, message: DeputyMessage) -> bool:
    """The deputy it was left for, and its sender when signed in."""
    return viewer.is_(message.deputy_account_id) or viewer.is_(message.sender_id)


def visible_messages(viewer: Viewer) -> ColumnElement[bool]:
    """SQL condition matching exactly the messages `can_read_message` allows."""
    if not viewer.signed_in:
        return false()
    me = viewer.id
    return or_(DeputyMessage.deputy_account_id == me, DeputyMessage.sender_id == me)


def can_handle_message(viewer: Viewer, message: DeputyMessage) -> bool:
    """Reading, replying, turning into an issue, closing: the deputy."""
    return viewer.is_(message.deputy_account_id)


def can_read_inbox(viewer: Viewer, deputy: Deputy) -> bool:
    return is_the_deputy(viewer, deputy)


def is_sender(viewer: Viewer, message: DeputyMessage) -> bool:
    return message.sender_id is not None and viewer.is_(message.sender_id)


# --- duty records and the performance file ----------------------------------------------


def can_read_records(viewer: Viewer, deputy: Deputy) -> bool:
    """A deputy's records and performance file: the deputy, and the officials whose
    jurisdiction covers the constituency."""
    return is_the_deputy(viewer, deputy) or covers(viewer, deputy.region_path, OFFICIAL_ROLES)


def can_read_record(viewer: Viewer, record: DutyRecord) -> bool:
    return viewer.is_(record.deputy_account_id) or covers(
        viewer, record.region_path, OFFICIAL_ROLES
    )


def visible_records(viewer: Viewer) -> ColumnElement[bool]:
    """SQL condition matching exactly the records `can_read_record` allows."""
    if not viewer.signed_in:
        return false()
    if is_admin(viewer):
        return true()
    clauses = [DutyRecord.deputy_account_id == viewer.id]
    clauses += [under(DutyRecord.region_path, p) for p in paths(viewer, OFFICIAL_ROLES)]
    return or_(*clauses)


def can_add_record(viewer: Viewer, deputy: Deputy) -> bool:
    """Records are the deputy's own account of their work."""
    return is_the_deputy(viewer, deputy)


def can_verify_record(viewer: Viewer, deputy: Deputy) -> bool:
    """Officials of the deputy's congress level (or above) covering the constituency; never
    the deputy themself (nobody verifies their own work)."""
    return officiates_for(viewer, deputy) and not is_the_deputy(viewer, deputy)
