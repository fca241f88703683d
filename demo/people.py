"""Demo regions and accounts: the phones and roles the contract lists, and a few more."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.identity import hash_password
from models.accounts import Account, Role, RoleGrant
from models.regions import Region, RegionLevel

L = RegionLevel

# (name, code, children)
TREE: tuple[str, str, list[Any]] = (
    "青山县",
    "500237",
    [
        (
            "龙溪镇",
            "500237101",
            [
                (
                    "天星村",
                    "500237101201",
                    [("老槐树院落", "500237101201001", []), ("竹林湾院落", "500237101201002", [])],
                ),
                ("梨园村", "500237101202", [("梨园一组院落", "500237101202001", [])]),
            ],
        ),
        (
            "南大里乡",
            "500237102",
            [
                ("柳树村", "500237102201", [("柳树坪院落", "500237102201001", [])]),
                ("石门村", "500237102202", []),
            ],
        ),
    ],
)

# (phone, name, role, region code); the first seven are the contract's demo accounts.
ACCOUNTS = [
    ("13800000001", "李建国", Role.COUNTY_OFFICIAL, "500237"),
    ("13800000002", "张志荣", Role.TOWNSHIP_OFFICIAL, "500237101"),
    ("13800000003", "何勇", Role.VILLAGE_OFFICIAL, "500237101201"),
    ("13800000004", "刘秀英", Role.GRID_HEAD, "500237101201001"),
    ("13800000005", "崔玉环", Role.RESIDENT, "500237101201001"),
    ("13800000006", "曹新生", Role.DEPUTY, "500237101"),
    ("13800000007", "冯景凯", Role.RESIDENT, "500237102201001"),
    ("13800000008", "周丰收", Role.STAFF, "500237101"),  # township agronomist 农技员
    ("13800000009", "陈立媛", Role.STAFF, "500237"),  # trade-union lawyer 法律援助
    ("13800000010", "王大爷", Role.RESIDENT, "500237101201002"),
]


@dataclass
class World:
    regions: dict[str, Region] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)


async def load(session: AsyncSession, password: str) -> World:
    world = World()

    async def add(node, parent: Region | None, level_index: int) -> None:
        name, code, children = node
        region = Region(
            name=name,
            code=code,
            level=list(L)[level_index],
            parent_id=parent.id if parent else None,
            path="",
        )
        session.add(region)
        await session.flush()
        region.path = f"{parent.path if parent else '/'}{region.id}/"
        world.regions[code] = region
        for child in children:
            await add(child, region, level_index + 1)

    await add(TREE, None, 0)
    password_hash = await hash_password(password)
    for phone, name, role, code in ACCOUNTS:
        account = Account(phone=phone, display_name=name, password_hash=password_hash)
        session.add(account)
        await session.flush()
        session.add(RoleGrant(account_id=account.id, role=role, region_id=world.regions[code].id))
        world.accounts[phone] = account
    await session.flush()
    return world
