"""Demo deputies: the contract's DEPUTY account (13800000006), elected in the first township."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from demo.people import World
from models.base import utcnow
from models.deputies import CongressLevel, Deputy
from resolvers.deputies.codes import new_token

# phone, name, congress, constituency code, term
DEPUTIES = [
    (
        "13800000006",
        "曹新生",
        CongressLevel.TOWNSHIP,
        "500237101",
        date(2022, 1, 1),
        date(2027, 12, 31),
    ),
]


async def load(session: AsyncSession, world: World) -> None:
    for phone, name, level, code, start, end in DEPUTIES:
        region = world.regions[code]
        session.add(
            Deputy(
                account_id=world.accounts[phone].id,
                name=name,
                congress_level=level,
                region_id=region.id,
                region_path=region.path,
                term_start=start,
                term_end=end,
                code_token=new_token(),
                code_issued_at=utcnow(),
            )
        )
    await session.flush()
