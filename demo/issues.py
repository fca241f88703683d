"""Demo issues in every status, each driven through the lifecycle with photos where due."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.images import check_image
from core.storage import StagedFiles, Storage
from demo.people import World
from models.base import utcnow
from models.issues import Channel, Issue, IssueCategory, IssueStatus
from resolvers.issues.deadlines import deadlines_from_json
from resolvers.issues.lifecycle import apply, open_issue
from resolvers.issues.photos import record, stage

C = IssueCategory
COURTYARD, COURTYARD2, VILLAGE, VILLAGE_OTHER = (
    "500237101201001",
    "500237101201002",
    "500237101201",
    "500237102201001",
)
# 梨园村 and its courtyard: the same township (龙溪镇) as 天星村.
PEAR_VILLAGE, PEAR_COURTYARD = "500237101202", "500237101202001"
RESIDENT, GRID, VILLAGE_OFF, TOWNSHIP_OFF, COUNTY_OFF = (
    "13800000005",
    "13800000004",
    "13800000003",
    "13800000002",
    "13800000001",
)
AGRONOMIST, LAWYER, OTHER_RESIDENT, ELDER = (
    "13800000008",
    "13800000009",
    "13800000007",
    "13800000010",
)

# title, description, category, region, reporter, age in hours, steps, options
# A step is (action, actor phone, note, photos?, extra apply kwargs).
Step = tuple[str, str, str | None, int, dict[str, Any]]
Scenario = tuple[str, str, IssueCategory, str, str, float, list[Step], dict[str, Any]]
SCENARIOS: list[Scenario] = [
    (
        "村道塌方",
        "天星村三组通往镇上的村道雨后塌方，车辆无法通行。",
        C.ROADS,
        COURTYARD,
        RESIDENT,
        2,
        [],
        {},
    ),
    (
        "自来水浑浊",
        "最近三天自来水发黄，有异味。",
        C.WATER,
        VILLAGE,
        RESIDENT,
        5,
        [("accept", VILLAGE_OFF, "已受理，明天安排人员检测水质。", 0, {})],
        {},
    ),
    (
        "玉米地干旱",
        "连续一个月无雨，玉米叶子卷曲发黄，请农技员指导抗旱。",
        C.AGRICULTURE,
        COURTYARD,
        RESIDENT,
        30,
        [
            ("accept", GRID, "已受理。", 0, {}),
            ("assign", GRID, "请周技术员上门指导。", 0, {"assignee": AGRONOMIST}),
            ("start", AGRONOMIST, "已到现场查看，正在协调抽水设备。", 1, {}),
        ],
        {},
    ),
    (
        "路灯不亮",
        "院坝路灯坏了一个月，晚上出行不便。",
        C.ENVIRONMENT,
        COURTYARD,
        RESIDENT,
        60,
        [
            ("accept", GRID, None, 0, {}),
            ("start", GRID, "已联系电工。", 0, {}),
            ("resolve", GRID, "已更换灯泡，恢复照明。", 1, {}),
        ],
        {},
    ),
    (
        "垃圾清运不及时",
        "垃圾桶已满两天无人清运。",
        C.ENVIRONMENT,
        COURTYARD,
        RESIDENT,
        120,
        [
            ("accept", GRID, None, 0, {}),
            ("resolve", GRID, "已清运并增加清运频次。", 1, {}),
            ("rate", RESIDENT, None, 0, {"rating": 5}),
        ],
        {},
    ),
    (
        "想咨询养老保险",
        "请问养老保险怎么补缴？",
        C.CONSULTATION,
        VILLAGE,
        RESIDENT,
        48,
        [("reject", VILLAGE_OFF, "请到镇社保所窗口办理，已电话告知流程。", 0, {})],
        {},
    ),
    (
        "三组村道塌方",
        "和之前反映的是同一处塌方。",
        C.ROADS,
        COURTYARD,
        GRID,
        1,
        [("mark_duplicate", GRID, "与已上报的村道塌方为同一问题。", 0, {"duplicate_of": 0})],
        {},
    ),
    (
        "邻居噪音",
        "已经自行协商解决。",
        C.DISPUTE,
        COURTYARD,
        RESIDENT,
        10,
        [("cancel", RESIDENT, "已协商解决。", 0, {})],
        {},
    ),
    (
        "暖气不热",
        "室内只有十二度，供热公司电话打不通。",
        C.HEATING,
        VILLAGE,
        RESIDENT,
        3,
        [("escalate", VILLAGE_OFF, "需供热公司处理，上报镇里。", 0, {})],
        {},
    ),
    (
        "桥面护栏松动",
        "村口小桥护栏松动，孩子上学经过很危险。",
        C.ROADS,
        COURTYARD2,
        ELDER,
        80,
        [],
        {"channel": Channel.WALK_IN, "filed_by": GRID},
    ),
    (
        "工资被拖欠",
        "在工地干了半年，老板拖欠工资两万元，想申请法律援助。",
        C.LEGAL_AID,
        VILLAGE_OTHER,
        OTHER_RESIDENT,
        20,
        [],
        {"anonymous": True},
    ),
    (
        "上门办理高龄补贴",
        "父母九十多岁行动不便，想请工作人员上门办理高龄补贴。",
        C.HOME_SERVICE,
        COURTYARD,
        RESIDENT,
        4,
        [],
        {"home": True},
    ),
    # A burst of heating reports across 龙溪镇 (two courtyards of 天星村, 梨园村 and its
    # courtyard), worded differently: with the escalated "暖气不热" above, one common demand
    # of five (`commonDemands`). The one in 南大里乡 is another township's: not in it.
    (
        "暖气片不热",
        "暖气片不热，家里只有十几度，老人孩子都冻得受不了。",
        C.HEATING,
        COURTYARD,
        RESIDENT,
        1.5,
        [("accept", GRID, "已受理，已联系镇供热站。", 0, {})],
        {},
    ),
    (
        "暖气不热",
        "这几天暖气不热，屋里只有十几度。",
        C.HEATING,
        COURTYARD2,
        ELDER,
        1.2,
        [],
        {},
    ),
    (
        "梨园村暖气不热",
        "暖气片不热，家里只有十几度，供热站电话打不通。",
        C.HEATING,
        PEAR_COURTYARD,
        "",
        1.0,
        [],
        {"channel": Channel.PHONE, "filed_by": TOWNSHIP_OFF, "contact": ("赵桂兰", "13912340001")},
    ),
    (
        "暖气不热，屋里冷",
        "村委会附近几户暖气都不热，屋里只有十度左右。",
        C.HEATING,
        PEAR_VILLAGE,
        "",
        0.8,
        [],
        {"channel": Channel.PHONE, "filed_by": TOWNSHIP_OFF, "contact": ("孙德明", "13912340002")},
    ),
    (
        "暖气不热",
        "柳树坪暖气不热，家里只有十几度。",
        C.HEATING,
        VILLAGE_OTHER,
        OTHER_RESIDENT,
        0.6,
        [],
        {},
    ),
]


def demo_photo(text_colour: str, label: str) -> bytes:
    image = Image.new("RGB", (320, 240), text_colour)
    ImageDraw.Draw(image).text((20, 110), label, fill="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def attach(session: AsyncSession, storage: Storage, data: bytes, event) -> None:
    staged = await stage(StagedFiles(storage), [check_image(data, strip_location=False)])
    record(session, staged, event.issue_id, event.id)


async def load(session: AsyncSession, storage: Storage, settings: Settings, world: World) -> None:
    deadlines = deadlines_from_json(settings.issue_deadlines)
    now = utcnow()
    made: list[Issue] = []
    for n, (title, text, category, code, who, age, steps, opts) in enumerate(SCENARIOS):
        region = world.regions[code]
        at = now - timedelta(hours=age)
        filer = world.accounts[opts.get("filed_by", who)]
        issue = Issue(
            title=title,
            description=text,
            category=category,
            status=IssueStatus.SUBMITTED,
            level=region.level,
            region_id=region.id,
            region_path=region.path,
            reporter_id=world.accounts[who].id if who else None,
            contact_name=opts["contact"][0] if "contact" in opts else None,
            contact_phone=opts["contact"][1] if "contact" in opts else None,
            filed_by_id=filer.id,
            channel=opts.get("channel", Channel.APP),
            anonymous=opts.get("anonymous", False),
            created_at=at,
            level_since=at,
            due_at=at + deadlines.window(category, region.level).accept,
            service_address="天星村老槐树院落 3 号" if opts.get("home") else None,
            service_from=now + timedelta(days=1, hours=1) if opts.get("home") else None,
            service_until=now + timedelta(days=1, hours=4) if opts.get("home") else None,
        )
        event = await open_issue(session, issue, filer.id)
        await attach(session, storage, demo_photo("#7a5c3a", f"report {n + 1}"), event)
        for i, (action, actor, note, photos, extra) in enumerate(steps):
            step_at = at + timedelta(hours=(i + 1) * 0.5)
            kwargs: dict[str, Any] = {"note": note}
            if "assignee" in extra:
                kwargs["assignee_id"] = world.accounts[extra["assignee"]].id
            if "rating" in extra:
                kwargs["rating"] = extra["rating"]
            if "duplicate_of" in extra:
                kwargs["changes"] = {"duplicate_of_id": made[extra["duplicate_of"]].id}
            event = await apply(
                session,
                issue,
                action,
                actor_id=world.accounts[actor].id,
                now=step_at,
                deadlines=deadlines,
                **kwargs,
            )
            if photos:
                await attach(session, storage, demo_photo("#2f7a3a", f"{action} {n + 1}"), event)
        made.append(issue)
