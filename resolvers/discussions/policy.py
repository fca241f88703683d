"""Who may read, start, join, vote in and close discussions.

Discussions are part of a village's life: whoever may read its feed (members and followers,
`resolvers.villages.policy`) reads them and comments on open ones. Whoever lives in the
village, and its officials, start a TOPIC; the officials start a POLL. A poll's `voters`
say who votes: RESIDENTS (whoever holds a role in the village) or MEMBERS (whoever may read
the feed, digital villagers included). Its author or an official closes a discussion with
its outcome.

A MEETING (议事会) is convened and run by the village's officials (village officials and the
township and county officials above it): they open and close motions, record attendance for
someone present in person, write the minutes and close it with its decision. Its expected
attendees follow the poll rule on its `voters`: RESIDENTS (a role in the village: a digital
villager who only follows it is not one) or MEMBERS (whoever may read the feed). An expected
attendee checks in; attendees vote on motions.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from core.identity import Viewer
from models.discussions import Discussion, DiscussionKind, Voters
from resolvers.posts.policy import is_village_official
from resolvers.villages import policy as villages


def can_read(viewer: Viewer, d: Discussion, followed: Collection[int]) -> bool:
    return villages.can_read_feed(viewer, d.region_path, d.village_id, followed)


def can_start(viewer: Viewer, village_path: str, kind: DiscussionKind) -> bool:
    if is_village_official(viewer, village_path):
        return True
    return kind is DiscussionKind.TOPIC and villages.lives_in(viewer, village_path)


def is_open(d: Discussion, now: datetime) -> bool:
    return d.closed_at is None and (d.closes_at is None or d.closes_at > now)


def can_vote(viewer: Viewer, d: Discussion, followed: Collection[int]) -> bool:
    if d.voters is Voters.RESIDENTS:
        return villages.lives_in(viewer, d.region_path)
    return can_read(viewer, d, followed)


def can_close(viewer: Viewer, d: Discussion) -> bool:
    if d.kind is DiscussionKind.MEETING:
        return can_run_meeting(viewer, d)
    return viewer.is_(d.author_id) or is_village_official(viewer, d.region_path)


def can_run_meeting(viewer: Viewer, d: Discussion) -> bool:
    """Open and close motions, record attendance, write minutes, close with the decision."""
    return is_village_official(viewer, d.region_path)


def is_expected(viewer: Viewer, d: Discussion, followed: Collection[int]) -> bool:
    """May attend the meeting (check in, or be recorded present): its `voters` rule."""
    return can_vote(viewer, d, followed)


def shows_results(d: Discussion, now: datetime) -> bool:
    """Tallies: live if the author chose so, else once the poll is closed."""
    return d.results_live or not is_open(d, now)
