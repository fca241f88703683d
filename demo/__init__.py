"""The demo county of the API contract, loaded into an empty embedded database.

One module per domain; each takes what the earlier ones made. Every issue is driven through
the real lifecycle code, so its timeline is exactly what the API would have written.
"""

from __future__ import annotations

from core.config import Settings
from core.db import Database
from core.storage import Storage
from demo import deputies, discussions, issues, people, posts, villages

PASSWORD = "demo-password"


async def load_demo(db: Database, storage: Storage, settings: Settings) -> None:
    async with db.transaction() as session:
        world = await people.load(session, PASSWORD)
        await villages.load(session, storage, world)
        await posts.load(session, storage, world)
        await discussions.load(session, world)
        await issues.load(session, storage, settings, world)
        await deputies.load(session, world)
