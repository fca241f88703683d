"""Per-request loaders for posts and what hangs off them: one statement per batch."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from core.loaders import ChildPagesLoader, ChildrenLoader, Loader, by_key
from models.posts import Comment, Post, PostLike, PostPhoto, PostRevision


class PostByIdLoader(Loader[int, Post | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(Post).where(Post.id.in_(keys)))
        return by_key(keys, rows, lambda p: p.id)


class PhotosByPostIdLoader(ChildrenLoader[PostPhoto]):
    entity = PostPhoto
    parent = PostPhoto.__table__.c.post_id


class RevisionsByPostIdLoader(ChildrenLoader[PostRevision]):
    entity = PostRevision
    parent = PostRevision.__table__.c.post_id


class LikeCountByPostIdLoader(Loader[int, int]):
    async def batch_load(self, keys):
        rows = await self.reads.rows(
            select(PostLike.post_id, func.count())
            .where(PostLike.post_id.in_(keys))
            .group_by(PostLike.post_id)
        )
        counts = dict(rows)
        return [counts.get(k, 0) for k in keys]


class CommentCountByPostIdLoader(Loader[int, int]):
    """Every comment of each post, replies included."""

    async def batch_load(self, keys):
        rows = await self.reads.rows(
            select(Comment.post_id, func.count())
            .where(Comment.post_id.in_(keys))
            .group_by(Comment.post_id)
        )
        counts = dict(rows)
        return [counts.get(k, 0) for k in keys]


class LikedByAccountLoader(Loader[tuple[int, int], bool]):
    """Keyed (account id, post id): whether the account likes the post."""

    async def batch_load(self, keys):
        liked: set[tuple[int, int]] = set()
        posts: dict[int, list[int]] = defaultdict(list)
        for account_id, post_id in keys:
            posts[account_id].append(post_id)
        for account_id, post_ids in posts.items():
            rows = await self.reads.all(
                select(PostLike.post_id).where(
                    PostLike.account_id == account_id, PostLike.post_id.in_(post_ids)
                )
            )
            liked.update((account_id, pk) for pk in rows)
        return [key in liked for key in keys]


class RepliesByCommentIdLoader(ChildrenLoader[Comment]):
    entity = Comment
    parent = Comment.__table__.c.parent_id


class CommentPageByPostIdLoader(ChildPagesLoader):
    """A page of each post's comments (not replies), oldest first."""

    entity, parent, where = Comment, Comment.__table__.c.post_id, (Comment.parent_id.is_(None),)


class CommentByIdLoader(Loader[int, Comment | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(Comment).where(Comment.id.in_(keys)))
        return by_key(keys, rows, lambda c: c.id)
