"""Region types and queries."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.ids import node_pk
from core.loaders import present
from models import regions as m
from resolvers import regions as r
from schema.common import Connection

RegionLevel = m.RegionLevel  # the model's enum, registered as a GraphQL enum:
strawberry.enum(RegionLevel, description="County > township > village > courtyard.")


@strawberry.type(description="A node of the administrative tree (行政区划).")
class Region(relay.Node):
    id: relay.NodeID[int]
    name: str
    level: RegionLevel
    code: str = strawberry.field(description="The official administrative code.")
    parent_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: m.Region) -> Region:
        return cls(
            id=row.id, name=row.name, level=row.level, code=row.code, parent_id=row.parent_id
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        rows = await r.RegionByIdLoader(info).load_many([node_pk(i) for i in node_ids])
        return [cls.from_model(row) if row else None for row in rows]

    @strawberry.field
    async def parent(self, info: Info) -> Region | None:
        if self.parent_id is None:
            return None
        return Region.from_model(present(await r.RegionByIdLoader(info).load(self.parent_id)))

    @strawberry.field
    async def children(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Region]:
        page = await r.children(info.context, self.id, first, after)
        return Connection.of(page, Region.from_model)


@strawberry.type
class RegionQueries:
    @strawberry.field(description="One region by ID; null when there is none.")
    async def region(self, info: Info, id: strawberry.ID) -> Region | None:
        row = await r.region(info.context, id)
        return Region.from_model(row) if row else None

    @strawberry.field(description="Villages (村/社区), optionally under a region and by name.")
    async def villages(
        self,
        info: Info,
        under: strawberry.ID | None = None,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Region]:
        page = await r.villages(info.context, under, search, first, after)
        return Connection.of(page, Region.from_model)
