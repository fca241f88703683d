"""Who may read, publish and act on posts: every post rule, in Python and in SQL.

A village's feed is for its members and followers (`resolvers.villages.policy`). Who may
publish depends on the kind: the village's officials publish notices, policies, open
affairs and honour lists; grid heads also activities; whoever lives in the village also
produce for sale and moments. Followers (digital villagers) read, comment and like. Authors
edit (the edit stays visible) and delete their own; officials pin and delete any.
A deleted post is kept (the trace) and reads as missing to everyone.

Moderation: anyone who may read a post reports it, or a comment of it, with a reason; the
village's officials hide either with a reason (and unhide). A hidden post disappears from
feeds and search for everyone but its author and the officials; a hidden comment keeps its
place in the thread with its text shown only to them. Nobody comments on or likes a hidden
post. Every step is in the moderation log.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, or_, true

from core.identity import Viewer
from core.permissions import covers, is_admin, paths, under
from models.accounts import Role
from models.posts import Post, PostKind
from resolvers.villages import policy as villages
from resolvers.villages.policy import EDITOR_ROLES

OFFICIAL_KINDS = frozenset(
    {PostKind.ANNOUNCEMENT, PostKind.POLICY, PostKind.AFFAIRS, PostKind.HONOR}
)
RESIDENT_KINDS = frozenset({PostKind.MARKET, PostKind.MOMENT})


def is_village_official(viewer: Viewer, village_path: str) -> bool:
    """A village, township or county official covering the village."""
    return covers(viewer, village_path, EDITOR_ROLES)


def can_publish(viewer: Viewer, village_path: str, kind: PostKind) -> bool:
    if is_village_official(viewer, village_path):
        return True
    if kind is PostKind.ACTIVITY:
        return villages.lives_in(viewer, village_path, {Role.GRID_HEAD})
    return kind in RESIDENT_KINDS and villages.lives_in(viewer, village_path)


def can_read_post(viewer: Viewer, post: Post, followed: Collection[int]) -> bool:
    return (
        post.deleted_at is None
        and villages.can_read_feed(viewer, post.region_path, post.village_id, followed)
        and (post.hidden_at is None or sees_hidden(viewer, post.author_id, post.region_path))
    )


def shown_in_feed(viewer: Viewer, post: Post) -> bool:
    """`can_read_post` for a viewer already known to read the post's feed (a live event
    passed `PostTopic.allowed`): not deleted, and not hidden from this viewer."""
    return post.deleted_at is None and (
        post.hidden_at is None or sees_hidden(viewer, post.author_id, post.region_path)
    )


def visible_posts(viewer: Viewer) -> ColumnElement[bool]:
    """SQL condition matching exactly the posts `can_read_post` allows."""
    return and_(
        Post.deleted_at.is_(None),
        villages.readable_villages(viewer, Post.region_path, Post.village_id),
        unhidden(viewer),
    )


def sees_hidden(viewer: Viewer, author_id: int, village_path: str) -> bool:
    """Hidden content is seen by its author and the village's officials."""
    return viewer.is_(author_id) or is_village_official(viewer, village_path)


def unhidden(viewer: Viewer) -> ColumnElement[bool]:
    """SQL: posts not hidden, or hidden from others but not from this viewer."""
    if is_admin(viewer):
        return true()
    clauses: list[ColumnElement[bool]] = [Post.hidden_at.is_(None)]
    if viewer.signed_in:
        clauses.append(Post.author_id == viewer.id)
    clauses += [under(Post.region_path, p) for p in paths(viewer, EDITOR_ROLES)]
    return or_(*clauses)


def can_take_part(viewer: Viewer, post: Post, followed: Collection[int]) -> bool:
    """Comment and like: whoever may read it, members and followers alike; nobody on a
    hidden post (`mutations` says so with INVALID_TRANSITION to those who may read it)."""
    return can_read_post(viewer, post, followed) and post.hidden_at is None


def can_report(viewer: Viewer, post: Post, followed: Collection[int]) -> bool:
    """Whoever may read it."""
    return can_read_post(viewer, post, followed)


def can_moderate(viewer: Viewer, post: Post) -> bool:
    """Hide and unhide the post or its comments: the village's officials."""
    return is_village_official(viewer, post.region_path)


def can_edit_post(viewer: Viewer, post: Post) -> bool:
    return viewer.is_(post.author_id)


def can_delete_post(viewer: Viewer, post: Post) -> bool:
    return viewer.is_(post.author_id) or is_village_official(viewer, post.region_path)


def can_pin(viewer: Viewer, post: Post) -> bool:
    return is_village_official(viewer, post.region_path)
