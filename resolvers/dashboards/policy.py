"""Who may read a region's dashboard.

The officials whose jurisdiction covers the region (grid heads of a courtyard up to the
county's officials), the deputies elected there, and admins: the same people who may list
every issue under it and watch its status changes (`resolvers.issues.policy`). Deputies are
in because they oversee their constituency and may already read every issue a figure counts;
a figure tells them nothing the `issues` list does not. To anyone else the region's
dashboard looks missing (NOT_FOUND at `regionId`).

For every viewer allowed here, "the issues the viewer may see under the region" is "every
issue under the region", so the figures depend on the region and the period only, never on
who asks: the live layer computes them once for all the region's watchers.
"""

from __future__ import annotations

from core.identity import Viewer
from core.permissions import OVERSIGHT_ROLES, covers
from models.regions import Region


def can_read_dashboard(viewer: Viewer, region: Region) -> bool:
    return viewer.signed_in and covers(viewer, region.path, OVERSIGHT_ROLES)
