"""Account types, the viewer, login and logout."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.ids import node_pk
from core.loaders import present
from models import accounts as m
from resolvers import accounts as r
from resolvers.regions import RegionByIdLoader
from schema.common import UserError, graphql_enum, payload
from schema.regions import Region

Role = m.Role  # the model's enum, registered as a GraphQL enum:
graphql_enum(
    Role,
    "What a person may do, on a region and below.",
    {
        Role.RESIDENT: "Lives in the region: reports issues, follows and rates their own.",
        Role.GRID_HEAD: "Head of a courtyard (网格长): reports for residents, handles "
        "courtyard-level issues.",
        Role.VILLAGE_OFFICIAL: "Official of a village: handles village-level issues under it.",
        Role.TOWNSHIP_OFFICIAL: "Official of a township: handles township-level issues under it.",
        Role.COUNTY_OFFICIAL: "Official of the county: handles county-level issues.",
        Role.STAFF: "A named handler (an agronomist, a lawyer, a utility worker) who works "
        "the issues assigned to them.",
        Role.DEPUTY: "People's-congress deputy elected in the region: reads its issues.",
        Role.ADMIN: "Operator of the system: may read and act on everything, whatever "
        "the region of the grant.",
    },
)


@strawberry.type(description="A role held on a region (and everything under it).")
class RoleGrant:
    role: Role = strawberry.field(description="The role.")
    region_id: strawberry.Private[int]

    @strawberry.field(description="Where the role holds: this region and everything under it.")
    async def region(self, info: Info) -> Region:
        return Region.from_model(present(await RegionByIdLoader(info).load(self.region_id)))


@strawberry.type(description="A person who signs in: resident, official, staff or deputy.")
class Account(relay.Node):
    id: relay.NodeID[int]
    display_name: str = strawberry.field(description="The name shown to others, e.g. 刘秀英.")
    row: strawberry.Private[m.Account]

    @classmethod
    def from_model(cls, row: m.Account) -> Account:
        return cls(id=row.id, display_name=row.display_name, row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False):
        """Looked up directly, an account is visible to its owner and to officials whose
        jurisdiction covers it: the directory of residents is not for everyone to walk."""
        info.context.require_viewer()
        rows = await r.AccountByIdLoader(info).load_many([node_pk(i) for i in node_ids])
        return [
            cls.from_model(row) if row and await r.may_look_up(info.context, row) else None
            for row in rows
        ]

    @strawberry.field(
        description="Shown to its owner and to officials whose jurisdiction covers the account."
    )
    async def phone(self, info: Info) -> str | None:
        return await r.phone_of(info.context, self.row)

    @strawberry.field(description="Every role the account holds, each on its region.")
    async def roles(self, info: Info) -> list[RoleGrant]:
        grants = await r.GrantsByAccountIdLoader(info).load(self.id)
        return [RoleGrant(role=role, region_id=region_id) for role, region_id, _ in grants]


async def account_or_none(info: Info, account_id: int | None) -> Account | None:
    if account_id is None:
        return None
    row = await r.AccountByIdLoader(info).load(account_id)
    return Account.from_model(row) if row else None


@strawberry.type(description="The result of `login`.")
class LoginPayload:
    token: str | None = strawberry.field(
        description="Send as `Authorization: Bearer <token>` (over the websocket: in "
        "`connection_init`); null when `errors` is not empty."
    )
    account: Account | None = strawberry.field(description="Who signed in.")
    errors: list[UserError] = strawberry.field(description="Why not; empty on success.")


@strawberry.type
class AccountQueries:
    @strawberry.field(description="The signed-in account; null when anonymous.")
    def viewer(self, info: Info) -> Account | None:
        account = info.context.viewer.account
        return Account.from_model(account) if account else None


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="Sign in; send the token as `Authorization: Bearer <token>`.")
    async def login(
        self,
        info: Info,
        phone: Annotated[str, strawberry.argument(description="The account's mobile number.")],
        password: Annotated[str, strawberry.argument(description="Its password.")],
    ) -> LoginPayload:
        async def signed_in() -> dict:
            token, account = await r.login(info.context, phone, password)
            return {"token": token, "account": Account.from_model(account)}

        return await payload(info, LoginPayload, signed_in())

    @strawberry.mutation(description="Revoke the token this request was made with.")
    async def logout(self, info: Info) -> bool:
        return await r.logout(info.context, info.context.require_viewer())
