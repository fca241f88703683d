"""Per-request loaders for posts and what hangs off them: one statement per batch."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import aliased

from core.loaders import Loader, by_key, group_by_key
from core.pagination import Page, known
from models.posts import Comment, Post, PostLike, PostPhoto, PostRevision


class PostByIdLoader(Loader[int, Post | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(Post).where(Post.id.in_(keys)))
        return by_key(keys, rows, lambda p: p.id)


class PhotosByPostIdLoader(Loader[int, list[PostPhoto]]):
    async def batch_load(self, keys):
        rows = await self.reads.all(
            select(PostPhoto).where(PostPhoto.post_id.in_(keys)).order_by(PostPhoto.id)
        )
        return group_by_key(keys, rows, lambda p: p.post_id)


class RevisionsByPostIdLoader(Loader[int, list[PostRevision]]):
    async def batch_load(self, keys):
        rows = await self.reads.all(
            select(PostRevision).where(PostRevision.post_id.in_(keys)).order_by(PostRevision.id)
        )
        return group_by_key(keys, rows, lambda r: r.post_id)


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


class RepliesByCommentIdLoader(Loader[int, list[Comment]]):
    async def batch_load(self, keys):
        rows = await self.reads.all(
            select(Comment).where(Comment.parent_id.in_(keys)).order_by(Comment.id)
        )
        return group_by_key(keys, rows, lambda c: c.parent_id)


class Span(NamedTuple):
    """Which comments of a post a field asks for, forward: `first` after the cursor's id."""

    first: int
    after: int | None = None


class CommentPageByPostIdLoader(Loader[tuple[int, Span], Page]):
    """A page of each post's comments (not replies), oldest first, cut in the database: a
    window numbers each post's comments and only the page's rows come back (plus, for an
    empty page, one row to carry the counts). One statement per distinct `Span`."""

    async def batch_load(self, keys):
        by_span: dict[Span, list[int]] = defaultdict(list)
        for post_id, span in keys:
            by_span[span].append(post_id)
        pages: dict[tuple[int, Span], Page] = {}
        for span, post_ids in by_span.items():
            for post_id, page in (await self._pages(span, post_ids)).items():
                pages[post_id, span] = page
        return [pages.get(key) or _EMPTY for key in keys]

    async def _pages(self, span: Span, post_ids: list[int]) -> dict[int, Page]:
        c = Comment
        whole: dict[str, Any] = {"partition_by": c.post_id}
        start = (
            literal(0)
            if span.after is None
            else func.sum(case((c.id <= span.after, 1), else_=0)).over(**whole)
        )
        numbered = (
            select(
                c,
                func.row_number().over(order_by=c.id, **whole).label("position"),
                func.count().over(**whole).label("total"),
                start.label("start"),
            )
            .where(c.post_id.in_(post_ids), c.parent_id.is_(None))
            .subquery()
        )
        n = numbered.c
        end = n.start + span.first
        rows = await self.reads.rows(
            select(aliased(Comment, numbered), n.position, n.total, n.start)
            .where(((n.position > n.start) & (n.position <= end)) | (n.position == 1))
            .order_by(n.id)
        )
        pages: dict[int, Page] = {}
        for comment, position, total, start in rows:
            page = pages.get(comment.post_id)
            if page is None:
                page = pages[comment.post_id] = Page(
                    items=[],
                    keys=[],
                    has_next=start + span.first < total,
                    total=known(total),
                    has_previous=start > 0,
                )
            if start < position <= start + span.first:
                page.items.append(comment)  # type: ignore[attr-defined]
                page.keys.append(comment.id)  # type: ignore[attr-defined]
        return pages


_EMPTY: Page = Page(items=[], keys=[], has_next=False, total=known(0))


class CommentByIdLoader(Loader[int, Comment | None]):
    async def batch_load(self, keys):
        rows = await self.reads.all(select(Comment).where(Comment.id.in_(keys)))
        return by_key(keys, rows, lambda c: c.id)
