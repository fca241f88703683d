"""Deputy (人大代表) types, queries and mutations."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.ids import node_pk
from core.loaders import present
from models import deputies as m
from resolvers.deputies import codes, mutations, policy, queries
from resolvers.deputies.loaders import DeputyByIdLoader
from resolvers.regions import RegionByIdLoader
from schema.accounts import Account, account_or_none
from schema.common import AFTER, FIRST, Connection, UserError, graphql_enum, payload
from schema.regions import Region

CongressLevel = m.CongressLevel
graphql_enum(
    CongressLevel,
    "Which people's congress (人民代表大会) a deputy sits in.",
    {
        CongressLevel.COUNTY: "The county's people's congress (县人大).",
        CongressLevel.TOWNSHIP: "A township's people's congress (乡镇人大).",
    },
)

DEPUTY_ID = "The deputy's ID."


@strawberry.type(
    description="A deputy's QR code (代表二维码): it encodes `link`, the deputy's message box. "
    "Post it anywhere: whoever scans it may leave the deputy a message. `rotateDeputyCode` "
    "replaces it, and the old one stops working."
)
class DeputyCode:
    token: str = strawberry.field(
        description="The unguessable token in the link (what `leaveDeputyMessage` takes)."
    )
    link: str = strawberry.field(
        description="What the code encodes: `{PUBLIC_BASE_URL}/d/{token}` (without "
        "PUBLIC_BASE_URL, on the scheme and host the request came to)."
    )
    svg_url: str = strawberry.field(
        description="The code as an SVG image (public: no sign-in needed to load it)."
    )
    png_url: str = strawberry.field(description="The code as a PNG image (public).")
    issued_at: datetime = strawberry.field(description="When this code replaced the last one.")

    @classmethod
    def of(cls, info: Info, row: m.Deputy) -> DeputyCode:
        ctx = info.context
        text = codes.link(codes.base_url(ctx.settings, ctx.request), row.code_token)
        return cls(
            token=row.code_token,
            link=text,
            svg_url=f"{text}/qr.svg",
            png_url=f"{text}/qr.png",
            issued_at=row.code_issued_at,
        )


@strawberry.type(
    description="A people's congress deputy (人大代表): the public profile of one seat."
)
class Deputy(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The deputy's name, e.g. 曹新生.")
    congress_level: CongressLevel = strawberry.field(description="The congress they sit in.")
    term_start: date = strawberry.field(description="The first day of the term.")
    term_end: date = strawberry.field(description="The last day of the term.")
    row: strawberry.Private[m.Deputy]

    @classmethod
    def from_model(cls, row: m.Deputy) -> Deputy:
        return cls(
            id=row.id,
            name=row.name,
            congress_level=row.congress_level,
            term_start=row.term_start,
            term_end=row.term_end,
            row=row,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        rows = [await queries.readable_deputy(info.context, node_pk(i)) for i in node_ids]
        return [cls.from_model(row) if row else None for row in rows]

    @strawberry.field(description="The constituency (选区): the region they were elected in.")
    async def constituency(self, info: Info) -> Region:
        return Region.from_model(present(await RegionByIdLoader(info).load(self.row.region_id)))

    @strawberry.field(
        description="The deputy's account (its `phone` follows the account rules: shown to "
        "its owner and to officials whose jurisdiction covers it)."
    )
    async def account(self, info: Info) -> Account | None:
        return await account_or_none(info, self.row.account_id)

    @strawberry.field(
        description="The deputy's QR code: for the deputy and for the officials of their "
        "congress level who print it; null to everyone else."
    )
    def code(self, info: Info) -> DeputyCode | None:
        if not policy.can_see_code(info.context.viewer, self.row):
            return None
        return DeputyCode.of(info, self.row)

    @strawberry.field(description="Whether the viewer is this deputy.")
    def is_viewer(self, info: Info) -> bool:
        return policy.is_the_deputy(info.context.viewer, self.row)


@strawberry.input(description="Which deputies to list; the conditions given must all hold.")
class DeputyFilter:
    region_id: strawberry.ID | None = strawberry.field(
        default=None, description="Elected in that region or anywhere under it."
    )
    representing: strawberry.ID | None = strawberry.field(
        default=None,
        description="Whose constituency contains this region: a resident's own deputies "
        "(the courtyard's, the village's, the township's, the county's).",
    )
    congress_levels: list[CongressLevel] | None = strawberry.field(
        default=None, description="Sitting in one of these congresses."
    )


@strawberry.type
class DeputyQueries:
    @strawberry.field(description="One deputy by ID; null when there is none. Profiles are public.")
    async def deputy(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description=DEPUTY_ID)]
    ) -> Deputy | None:
        row = await queries.deputy(info.context, id)
        return Deputy.from_model(row) if row else None

    @strawberry.field(description="Deputies, in the order they were registered. Public.")
    async def deputies(
        self,
        info: Info,
        filter: Annotated[
            DeputyFilter | None, strawberry.argument(description="Which deputies; all by default.")
        ] = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> Connection[Deputy]:
        page = await queries.deputies(info.context, filter, first, after)
        return Connection.of(page, Deputy.from_model)

    @strawberry.field(
        description="The deputy a scanned QR code belongs to (no sign-in needed): what a "
        "citizen's phone shows before leaving a message. An unknown token is a `NOT_FOUND` "
        "error at `token`; a replaced one too, worded to say the code was replaced."
    )
    async def deputy_by_code(
        self,
        info: Info,
        token: Annotated[str, strawberry.argument(description="The token from the code's link.")],
    ) -> Deputy:
        return Deputy.from_model(await queries.deputy_by_code(info.context, token))


# --- mutations ---------------------------------------------------------------------------


@strawberry.type(description="What a deputy mutation did.")
class DeputyPayload:
    deputy: Deputy | None = strawberry.field(
        description="The deputy after the change; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success."
    )


async def _payload(info: Info, work: Awaitable[m.Deputy]) -> DeputyPayload:
    async def deputy() -> dict:
        row = await work
        DeputyByIdLoader(info).prime(row.id, row)
        return {"deputy": Deputy.from_model(row)}

    return await payload(info, DeputyPayload, deputy())


@strawberry.input(description="Input of `registerDeputy`.")
class RegisterDeputyInput:
    account_id: strawberry.ID = strawberry.field(description="The deputy's account.")
    name: str = strawberry.field(description="The name on the profile (at most 50 characters).")
    congress_level: CongressLevel = strawberry.field(description="The congress they sit in.")
    constituency_id: strawberry.ID = strawberry.field(
        description="The region they were elected in: at the congress's level or below it."
    )
    term_start: date = strawberry.field(description="The first day of the term.")
    term_end: date = strawberry.field(description="The last day of the term; after the first.")


@strawberry.input(description="Input of `rotateDeputyCode`.")
class RotateDeputyCodeInput:
    id: strawberry.ID = strawberry.field(description=DEPUTY_ID)


def _input(description: str) -> Any:
    return strawberry.argument(description=description)


@strawberry.type
class DeputyMutations:
    @strawberry.mutation(
        description="Record a deputy's seat (officials of that congress's level or above, "
        "whose jurisdiction covers the constituency); the account gets the DEPUTY role there "
        "and the deputy a QR code."
    )
    async def register_deputy(
        self, info: Info, input: Annotated[RegisterDeputyInput, _input("The seat.")]
    ) -> DeputyPayload:
        return await _payload(info, mutations.register(info.context, input))

    @strawberry.mutation(
        description="Replace the deputy's QR code (the deputy): the old code, its link and "
        "its images stop working, and scans of it are told it was replaced."
    )
    async def rotate_deputy_code(
        self, info: Info, input: Annotated[RotateDeputyCodeInput, _input("Which deputy.")]
    ) -> DeputyPayload:
        return await _payload(info, mutations.rotate_code(info.context, input))
