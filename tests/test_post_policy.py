"""The feed's read rule, written twice (Python `can_read_post`, SQL `visible_posts`), agrees
over generated posts, viewers, grants and follows (as tests/test_policy.py does for issues)."""

from __future__ import annotations

import asyncio
import random
import uuid

from sqlalchemy import select

from core.db import Database, create_engine
from core.identity import ANONYMOUS, Grant, Viewer
from models.accounts import Account, Role
from models.base import utcnow
from models.posts import Post, PostKind
from models.regions import Region, RegionLevel
from models.villages import Follow
from resolvers.posts import policy
from resolvers.villages.policy import ancestors
from tests.conftest import Api


def test_ancestors_are_every_covering_path():
    assert ancestors("/1/4/9/") == ["/1/", "/1/4/", "/1/4/9/"]
    assert ancestors("/7/") == ["/7/"]


def test_can_read_post_and_visible_posts_agree(api: Api):
    async def check() -> None:
        db = Database(create_engine(api.settings.database_url))
        rng = random.Random(7)
        tag = uuid.uuid4().hex[:12]
        try:
            regions = list(await db.all(select(Region)))
            villages = [r for r in regions if r.level is RegionLevel.VILLAGE]
            now = utcnow()
            async with db.transaction() as session:
                people = [
                    Account(
                        phone=f"19{rng.randrange(10**9):09d}", display_name=tag, password_hash="-"
                    )
                    for _ in range(30)
                ]
                session.add_all(people)
                await session.flush()
                posts = []
                for _ in range(120):
                    village = rng.choice(villages)
                    post = Post(
                        village_id=village.id,
                        region_path=village.path,
                        author_id=rng.choice(people).id,  # the viewers below
                        kind=rng.choice(list(PostKind)),
                        title=tag,
                        body="generated",
                        pin=rng.choice([0, 1]),
                        created_at=now,
                        deleted_at=now if rng.random() < 0.2 else None,
                        hidden_at=now if rng.random() < 0.2 else None,
                    )
                    session.add(post)
                    posts.append(post)
                follows: dict[int, set[int]] = {p.id: set() for p in people}
                for person in people:
                    for village in rng.sample(villages, rng.randint(0, 2)):
                        session.add(Follow(account_id=person.id, village_id=village.id))
                        follows[person.id].add(village.id)
            viewers: list[Viewer] = [ANONYMOUS]
            for person in people:
                grants = [
                    Grant(role, region.id, region.path, region.level)
                    for role, region in (
                        (rng.choice(list(Role)), rng.choice(regions))
                        for _ in range(rng.randint(0, 2))
                    )
                ]
                viewers.append(Viewer(account=person, grants=grants))
            kinds = {"none": 0, "some": 0, "all": 0}
            for viewer in viewers:
                marks = follows.get(viewer.id, set()) if viewer.id else set()
                in_sql = set(
                    await db.all(
                        select(Post.id).where(policy.visible_posts(viewer), Post.title == tag)
                    )
                )
                in_python = {p.id for p in posts if policy.can_read_post(viewer, p, marks)}
                assert in_sql == in_python, (viewer.id, viewer.grants, marks)
                live = [p for p in posts if p.deleted_at is None]
                share = len(in_python) / len(live)
                kinds["none" if share == 0 else "all" if share == 1 else "some"] += 1
            assert kinds["none"] and kinds["some"], kinds  # the data varies
        finally:
            await db.engine.dispose()

    asyncio.run(check())
