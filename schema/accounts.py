"""Account types, the viewer, login and logout."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.ids import node_pk
from core.loaders import present
from models import accounts as m
from resolvers import accounts as r
from resolvers.regions import RegionByIdLoader
from schema.common import UserError, payload
from schema.regions import Region

Role = m.Role  # the model's enum, registered as a GraphQL enum:
strawberry.enum(Role, description="What a person may do, on a region and below.")


@strawberry.type(description="A role held on a region (and everything under it).")
class RoleGrant:
    role: Role
    region_id: strawberry.Private[int]

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return Region.from_model(present(await RegionByIdLoader(info).load(self.region_id)))


@strawberry.type(description="A person who signs in: resident, official, staff or deputy.")
class Account(relay.Node):
    id: relay.NodeID[int]
    display_name: str
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

    @strawberry.field
    async def roles(self, info: Info) -> list[RoleGrant]:
        grants = await r.GrantsByAccountIdLoader(info).load(self.id)
        return [RoleGrant(role=role, region_id=region_id) for role, region_id, _ in grants]


async def account_or_none(info: Info, account_id: int | None) -> Account | None:
    if account_id is None:
        return None
    row = await r.AccountByIdLoader(info).load(account_id)
    return Account.from_model(row) if row else None


@strawberry.type
class LoginPayload:
    token: str | None
    account: Account | None
    errors: list[UserError]


@strawberry.type
class AccountQueries:
    @strawberry.field(description="The signed-in account; null when anonymous.")
    def viewer(self, info: Info) -> Account | None:
        account = info.context.viewer.account
        return Account.from_model(account) if account else None


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="Sign in; send the token as `Authorization: Bearer <token>`.")
    async def login(self, info: Info, phone: str, password: str) -> LoginPayload:
        async def signed_in() -> dict:
            token, account = await r.login(info.context, phone, password)
            return {"token": token, "account": Account.from_model(account)}

        return await payload(info, LoginPayload, signed_in())

    @strawberry.mutation(description="Revoke the token this request was made with.")
    async def logout(self, info: Info) -> bool:
        return await r.logout(info.context, info.context.require_viewer())
