"""Per-request DataLoaders, Saleor style: `RegionByIdLoader(info).load(pk)`.

Each loader class is instantiated once per request (cached on the context), so every field
of a response shares its batches and its cache.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core.pagination import EMPTY, Page, Span, pages_by_parent

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
C = TypeVar("C")


class Loader(DataLoader[K, V], Generic[K, V]):
    """Loaders load rows and never decide who may see them (policies do, with the viewer):
    so every render of one live event may share them (subscriptions/hub.Fanout)."""

    context: Any  # what it was created for: a request's Context, or a live event's Fanout

    def __new__(cls, info_or_context: Any) -> Loader[K, V]:
        context = getattr(info_or_context, "context", info_or_context)
        loader = context.loaders.get(cls)
        if loader is None:
            loader = super().__new__(cls)
            DataLoader.__init__(loader, load_fn=loader.batch_load)
            loader.context = context
            context.loaders[cls] = loader
        return loader

    def __init__(self, info_or_context: Any) -> None:  # state is set once, in __new__
        pass

    @property
    def reads(self):
        """The request's reads (one connection), or a live event's (the hub's database)."""
        return self.context.reads

    async def batch_load(self, keys: list[K]) -> Sequence[V]:
        raise NotImplementedError


class ChildrenLoader(Loader[int, list[C]], Generic[C]):
    """All of each parent's children, by id unless `order` says otherwise: one statement
    for a whole batch of parents. A subclass names `entity`, its `parent` column (the
    table's column, as for `ChildPagesLoader`) and, if some children are not listed, the
    `where` conditions. Lists that can grow without bound page instead (ChildPagesLoader)."""

    entity: Any
    parent: Any
    order: tuple[Any, ...] = ()
    where: tuple[Any, ...] = ()

    async def batch_load(self, keys: list[int]) -> Sequence[list[C]]:
        order = self.order or (self.entity.__table__.c.id,)
        rows = await self.reads.all(
            select(self.entity)
            .where(self.parent.in_(keys), *self.where)
            .order_by(self.parent, *order)
        )
        attribute = self.parent.key
        return group_by_key(keys, rows, lambda row: getattr(row, attribute))


class ChildPagesLoader(Loader[tuple[int, Span], Page]):
    """A page of each parent's children, keyed `(parent id, Span)`, cut in the database
    (`core.pagination.pages_by_parent`): one statement per distinct `Span`, usually one for
    a whole page of parents. A subclass names `entity`, its `parent` column (the table's
    column: a mapped attribute on a class would be a descriptor bound to the loader) and,
    if some children are not listed, the `where` conditions."""

    entity: Any
    parent: Any
    where: tuple[Any, ...] = ()

    async def batch_load(self, keys: list[tuple[int, Span]]) -> Sequence[Page]:
        parents: dict[Span, list[int]] = defaultdict(list)
        for parent_id, span in keys:
            parents[span].append(parent_id)
        pages: dict[tuple[int, Span], Page] = {}
        for span, ids in parents.items():
            found = await pages_by_parent(
                self.reads, self.entity, self.parent, ids, span, *self.where
            )
            pages.update(((parent_id, span), page) for parent_id, page in found.items())
        return [pages.get(key, EMPTY) for key in keys]


def present(row: V | None) -> V:
    """A row that must exist (a foreign key points at it)."""
    if row is None:
        raise LookupError("a row a foreign key points at is missing")
    return row


def by_key(keys: Iterable[K], items: Iterable[Any], key: Callable[[Any], K]) -> list[Any]:
    """One item (or None) per key, in key order."""
    found = {key(item): item for item in items}
    return [found.get(k) for k in keys]


def group_by_key(keys: Iterable[K], items: Iterable[Any], key: Callable[[Any], K]) -> list[list]:
    """All items per key, in key order, keeping the items' own order."""
    groups: dict[K, list] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return [groups.get(k, []) for k in keys]


__all__ = ["ChildPagesLoader", "Info", "Loader", "by_key", "group_by_key", "present"]
