"""Demo discussions in 天星村: a running poll on repainting the courtyard wall, with ballots,
a closed discussion with its outcome, and last month's decision meeting (议事会): quorum
reached, two motions voted, minutes (edited once) and its decision."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from demo.people import World
from models.base import utcnow
from models.discussions import (
    AgendaItem,
    Attendance,
    BallotChoice,
    Discussion,
    DiscussionComment,
    DiscussionKind,
    Meeting,
    MinutesRevision,
    Motion,
    MotionChoice,
    MotionResult,
    MotionVote,
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
    await _past_meeting(session, world)


async def _past_meeting(session: AsyncSession, world: World) -> None:
    village, now = world.regions[TIANXING], utcnow()
    official = world.accounts[VILLAGE_OFF].id
    starts = now - timedelta(days=20)
    meeting = Discussion(
        village_id=village.id,
        region_path=village.path,
        author_id=official,
        kind=DiscussionKind.MEETING,
        title="十月村民议事会：村道硬化和垃圾清运",
        body="请各户派代表参加，不能到场的可以线上参加。",
        created_at=starts - timedelta(days=7),
        voters=Voters.RESIDENTS,
        closed_at=starts + timedelta(hours=2),
        closed_by_id=official,
        outcome="通过村道硬化方案（村集体出资六成）；垃圾清运改为每周三次，下次议事会再议费用。",
    )
    session.add(meeting)
    await session.flush()
    session.add(
        Meeting(
            discussion_id=meeting.id,
            starts_at=starts,
            place="天星村村委会议室",
            online_url="https://meeting.example.cn/tianxing-10",
            quorum=3,
        )
    )
    for n, item in enumerate(["村道硬化方案和出资", "垃圾清运次数", "其他事项"]):
        session.add(AgendaItem(discussion_id=meeting.id, position=n, title=item))
    for n, who in enumerate((VILLAGE_OFF, GRID, RESIDENT, ELDER)):
        account = world.accounts[who].id
        session.add(
            Attendance(
                discussion_id=meeting.id,
                account_id=account,
                # The elder came in person; the official recorded him.
                recorded_by_id=official if who == ELDER else account,
                at=starts + timedelta(minutes=n),
            )
        )
    road = Motion(
        discussion_id=meeting.id,
        title="村道硬化，村集体出资六成、各户四成",
        body="全长 1.2 公里，预算 36 万元。",
        opened_by_id=official,
        opened_at=starts + timedelta(minutes=20),
        closed_at=starts + timedelta(minutes=50),
        closed_by_id=official,
        result=MotionResult.PASSED,
    )
    fee = Motion(
        discussion_id=meeting.id,
        title="垃圾清运每户每月加收五元",
        body="",
        opened_by_id=official,
        opened_at=starts + timedelta(minutes=60),
        closed_at=starts + timedelta(minutes=80),
        closed_by_id=official,
        result=MotionResult.FAILED,
    )
    session.add_all([road, fee])
    await session.flush()
    ballots = {
        road.id: {
            VILLAGE_OFF: MotionChoice.FOR,
            GRID: MotionChoice.FOR,
            RESIDENT: MotionChoice.FOR,
            ELDER: MotionChoice.ABSTAIN,
        },
        fee.id: {
            VILLAGE_OFF: MotionChoice.FOR,
            GRID: MotionChoice.AGAINST,
            RESIDENT: MotionChoice.AGAINST,
            ELDER: MotionChoice.AGAINST,
        },
    }
    for motion_id, votes in ballots.items():
        for who, choice in votes.items():
            session.add(
                MotionVote(motion_id=motion_id, account_id=world.accounts[who].id, choice=choice)
            )
    for minutes, at in (
        ("到会四人，达到法定人数。村道硬化方案通过。", starts + timedelta(minutes=90)),
        (
            "到会四人（王大爷现场到会，由何勇登记），达到法定人数三人。\n"
            "一、村道硬化：赞成三票、弃权一票，通过。\n"
            "二、垃圾清运加收费用：赞成一票、反对三票，未通过；清运改为每周三次。",
            starts + timedelta(minutes=110),
        ),
    ):
        session.add(
            MinutesRevision(discussion_id=meeting.id, author_id=official, body=minutes, at=at)
        )
