"""Region types and queries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.ids import node_pk
from core.loaders import present
from models import regions as m
from resolvers import regions as r
from schema.common import AFTER, FIRST, Connection, graphql_enum

if TYPE_CHECKING:
    from schema.villages import VillageProfile

RegionLevel = m.RegionLevel  # the model's enum, registered as a GraphQL enum:
graphql_enum(
    RegionLevel,
    "The four levels of the administrative tree, and of issue handling: "
    "county > township > village > courtyard.",
    {
        RegionLevel.COUNTY: "County (县): the top level, holding townships.",
        RegionLevel.TOWNSHIP: "Township (乡/镇): holds villages.",
        RegionLevel.VILLAGE: "Village or community (村/社区): holds courtyards.",
        RegionLevel.COURTYARD: "Courtyard (院落), a group of households with a grid head.",
    },
)


@strawberry.type(description="A node of the administrative tree (行政区划).")
class Region(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Its name, e.g. 天星村.")
    level: RegionLevel = strawberry.field(description="Where it sits in the tree.")
    code: str = strawberry.field(description="The official administrative code.")
    parent_id: strawberry.Private[int | None]
    row: strawberry.Private[m.Region]

    @classmethod
    def from_model(cls, row: m.Region) -> Region:
        return cls(
            id=row.id,
            name=row.name,
            level=row.level,
            code=row.code,
            parent_id=row.parent_id,
            row=row,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        rows = await r.RegionByIdLoader(info).load_many([node_pk(i) for i in node_ids])
        return [cls.from_model(row) if row else None for row in rows]

    @strawberry.field(description="The region it belongs to; null for a county.")
    async def parent(self, info: Info) -> Region | None:
        if self.parent_id is None:
            return None
        return Region.from_model(present(await r.RegionByIdLoader(info).load(self.parent_id)))

    @strawberry.field(
        description="A village's profile (its home page: population, introduction, cover "
        "photo, committee, courtyards and grid heads, figures); null for other levels."
    )
    def profile(
        self,
    ) -> Annotated[VillageProfile, strawberry.lazy("schema.villages")] | None:
        from schema.villages import VillageProfile

        return VillageProfile.of(self.row) if self.level is RegionLevel.VILLAGE else None

    @strawberry.field(description="The regions one level down, by ID.")
    async def children(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[Region]:
        page = await r.children(info.context, self.id, first, after)
        return Connection.of(page, Region.from_model)


@strawberry.type
class RegionQueries:
    @strawberry.field(description="One region by ID; null when there is none.")
    async def region(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A region's ID.")],
    ) -> Region | None:
        row = await r.region(info.context, id)
        return Region.from_model(row) if row else None

    @strawberry.field(description="Villages (村/社区), optionally under a region and by name.")
    async def villages(
        self,
        info: Info,
        under: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only villages under this region (a county or township)."
            ),
        ] = None,
        search: Annotated[
            str | None, strawberry.argument(description="Words in the village's name.")
        ] = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[Region]:
        page = await r.villages(info.context, under, search, first, after)
        return Connection.of(page, Region.from_model)
