"""Demo discussions in 天星村: a running poll on repainting the courtyard wall, with ballots,
and a closed discussion with its outcome."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from demo.people import World
from models.base import utcnow
from models.discussions import (
    BallotChoice,
    Discussion,
    DiscussionComment,
    DiscussionKind,
    PollOption,
    Voters,
)

TIANXING = "500237101201"
VILLAGE_OFF, GRID, RESIDENT, ELDER = "13800000003", "13800000004", "13800000005", "13800000010"


async def load(session: AsyncSession, world: World) -> None:
    village, now = world.regions[TIANXING], utcnow()
    official = world.accounts[VILLAGE_OFF].id
    poll = Discussion(
        village_id=village.id,
        region_path=village.path,
        author_id=official,
        kind=DiscussionKind.POLL,
        title="老槐树院落围墙刷成什么颜色？",
        body="院墙翻新，按多数意见定颜色，投票一周。",
        created_at=now - timedelta(days=1),
        voters=Voters.RESIDENTS,
        multiple_choice=False,
        closes_at=now + timedelta(days=6),
        results_live=True,
    )
    topic = Discussion(
        village_id=village.id,
        region_path=village.path,
        author_id=world.accounts[RESIDENT].id,
        kind=DiscussionKind.TOPIC,
        title="村口路灯晚上几点关？",
        body="大家说说，晚上十点关是不是太早了。",
        created_at=now - timedelta(days=10),
        closed_at=now - timedelta(days=3),
        closed_by_id=official,
        outcome="村委会决定：路灯开到晚上十一点。",
    )
    session.add_all([poll, topic])
    await session.flush()
    options = [
        PollOption(discussion_id=poll.id, position=n, label=label)
        for n, label in enumerate(["白色", "米黄色", "浅灰色"])
    ]
    session.add_all(options)
    await session.flush()
    for who, option in ((RESIDENT, 1), (GRID, 1), (ELDER, 0)):
        session.add(
            BallotChoice(
                discussion_id=poll.id,
                account_id=world.accounts[who].id,
                option_id=options[option].id,
            )
        )
    for who, text in ((RESIDENT, "十一点比较好"), (ELDER, "我们老年人早睡，十点也行")):
        session.add(
            DiscussionComment(
                discussion_id=topic.id,
                author_id=world.accounts[who].id,
                body=text,
                created_at=topic.created_at + timedelta(hours=2),
            )
        )
