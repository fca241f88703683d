"""Demo village profiles: 天星村 with its committee, cover photo and figures; 柳树村 in brief."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.images import check_image
from core.photos import stage
from core.storage import StagedFiles, Storage
from demo.issues import demo_photo
from demo.people import World
from models.villages import CommitteeMember, VillageCover, VillageProfile

TIANXING, LIUSHU = "500237101201", "500237102201"
VILLAGE_OFF = "13800000003"

# (region code, population, households, km², introduction)
PROFILES = [
    (
        TIANXING,
        1268,
        412,
        8.6,
        "天星村位于龙溪镇东部，辖老槐树、竹林湾两个院落。以柑橘、蔬菜种植为主，"
        "2024 年建成村级便民服务中心，村民可在“小院家”上反映诉求、查看村务公开。",
    ),
    (LIUSHU, 836, 271, 5.2, "柳树村地处南大里乡山谷，以核桃和中药材种植为主。"),
]

# (name, post, office hours, public phone, account phone or None)
COMMITTEE = [
    (
        "何勇",
        "党支部书记、村委会主任",
        "周一至周五 9:00-17:00 村便民服务中心",
        "023-57001201",
        VILLAGE_OFF,
    ),
    ("王春梅", "村委会副主任（妇女主任）", "周一、三、五 9:00-12:00", "023-57001202", None),
    ("李成", "村务监督委员会主任", "每月 10 日村务公开日", None, None),
]


async def load(session: AsyncSession, storage: Storage, world: World) -> None:
    official = world.accounts[VILLAGE_OFF]
    for code, population, households, area, introduction in PROFILES:
        session.add(
            VillageProfile(
                region_id=world.regions[code].id,
                population=population,
                households=households,
                area_km2=area,
                introduction=introduction,
                updated_by_id=official.id,
            )
        )
    tianxing = world.regions[TIANXING]
    for position, (name, post, hours, phone, account) in enumerate(COMMITTEE):
        session.add(
            CommitteeMember(
                region_id=tianxing.id,
                position=position,
                account_id=world.accounts[account].id if account else None,
                name=name,
                post=post,
                office_hours=hours,
                public_phone=phone,
            )
        )
    image = check_image(demo_photo("#3a6e8f", "Tianxing village"), strip_location=True)
    ((key, checked),) = await stage(StagedFiles(storage), [image])
    session.add(
        VillageCover(
            region_id=tianxing.id,
            storage_key=key,
            content_type=checked.content_type,
            width=checked.width,
            height=checked.height,
            size=len(checked.data),
        )
    )
