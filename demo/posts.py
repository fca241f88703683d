"""A lively demo feed for 天星村 (and a little for 柳树村): every kind of post, photos,
comments with replies, likes, a pinned notice and an edited post."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.images import check_image
from core.photos import stage
from core.storage import StagedFiles, Storage
from demo.issues import demo_photo
from demo.people import World
from models.base import utcnow
from models.posts import AffairsKind, Comment, Post, PostKind, PostLike, PostPhoto, PostRevision

TIANXING, LIUSHU = "500237101201", "500237102201"
COUNTY_OFF, TOWNSHIP_OFF, VILLAGE_OFF, GRID, RESIDENT, OTHER, ELDER = (
    "13800000001",
    "13800000002",
    "13800000003",
    "13800000004",
    "13800000005",
    "13800000007",
    "13800000010",
)
K = PostKind

# (village, author, kind, title, body, hours ago, photos, extra columns)
POSTS: list[tuple[str, str, PostKind, str | None, str, float, int, dict[str, Any]]] = [
    (
        TIANXING,
        TOWNSHIP_OFF,
        K.POLICY,
        "农村低保申请条件",
        "家庭年人均收入低于当地农村低保标准、且财产状况符合规定的农村居民，可向户籍所在地乡镇"
        "提出申请。需准备：户口簿、身份证、家庭收入及财产情况说明。村委会协助代办。",
        240,
        0,
        {},
    ),
    (
        TIANXING,
        VILLAGE_OFF,
        K.POLICY,
        "城乡居民基本医疗保险缴费指南",
        "2027 年度城乡居民医保个人缴费标准为每人 400 元，可在“小院家”或村便民服务中心缴纳。",
        200,
        0,
        {},
    ),
    (
        TIANXING,
        VILLAGE_OFF,
        K.AFFAIRS,
        "十月财务公开",
        "本月收入：集体果园承包费 12,000 元；支出：村道维修 8,600 元，办公费 1,150 元。"
        "明细见附图，如有疑问请到村委会查询。",
        120,
        1,
        {"affairs_kind": AffairsKind.FINANCE},
    ),
    (
        TIANXING,
        GRID,
        K.ACTIVITY,
        "老槐树院落厨艺大赛报名",
        "下周六在院坝举行厨艺大赛，每户一道拿手菜，欢迎报名！",
        96,
        1,
        {},
    ),
    (
        TIANXING,
        VILLAGE_OFF,
        K.HONOR,
        "十月“最美清洁户”光荣榜",
        "感谢以下家庭保持房前屋后整洁，为全村做了榜样。",
        72,
        0,
        {"honorees": ["崔玉环家", "王大爷家", "刘秀英家"]},
    ),
    (
        TIANXING,
        RESIDENT,
        K.MARKET,
        None,
        "自家种的青菜和萝卜，新鲜采摘，有需要的联系我。",
        30,
        1,
        {
            "price_cents": 250,
            "unit": "斤",
            "quantity": 80.0,
            "available_until": utcnow() + timedelta(days=5),
        },
    ),
    (TIANXING, ELDER, K.MOMENT, None, "孙女画的咱们村，画得真像！", 20, 1, {}),
    (
        TIANXING,
        RESIDENT,
        K.MOMENT,
        None,
        "三组的路修好了，感谢村委会，下雨天再也不怕了。",
        8,
        1,
        {},
    ),
    (
        TIANXING,
        VILLAGE_OFF,
        K.ANNOUNCEMENT,
        "停水通知",
        "因管网检修，本周四 9:00-15:00 老槐树院落停水，请提前储水。",
        4,
        0,
        {"pin": 1},
    ),
    (LIUSHU, OTHER, K.MOMENT, None, "柳树村的核桃丰收了。", 10, 1, {}),
]

# (post index, author, text, reply to comment index or None)
COMMENTS = [
    (2, RESIDENT, "果园承包费比去年多了，好事。", None),
    (2, VILLAGE_OFF, "是的，今年重新招标。", 0),
    (5, ELDER, "给我留五斤青菜。", None),
    (5, RESIDENT, "好的王大爷，下午送过去。", 2),
    (7, GRID, "路修好了大家出行方便多了。", None),
    (8, RESIDENT, "收到，谢谢提醒。", None),
]
LIKES = [(7, RESIDENT), (7, GRID), (7, VILLAGE_OFF), (6, RESIDENT), (4, ELDER), (8, GRID)]


async def load(session: AsyncSession, storage: Storage, world: World) -> None:
    now = utcnow()
    posts: list[Post] = []
    for n, (code, author, kind, title, body, hours, photos, given) in enumerate(POSTS):
        extra = dict(given)  # the module's table stays as it is for the next load
        village = world.regions[code]
        at = now - timedelta(hours=hours)
        post = Post(
            village_id=village.id,
            region_path=village.path,
            author_id=world.accounts[author].id,
            kind=kind,
            title=title,
            body=body,
            pin=extra.pop("pin", 0),
            created_at=at,
            **extra,
        )
        if post.pin:
            post.pinned_at = at
        session.add(post)
        await session.flush()
        posts.append(post)
        images = [
            check_image(demo_photo("#5a8f3a", f"post {n + 1}"), strip_location=True)
            for _ in range(photos)
        ]
        for key, image in await stage(StagedFiles(storage), images):
            session.add(
                PostPhoto(
                    post_id=post.id,
                    storage_key=key,
                    content_type=image.content_type,
                    width=image.width,
                    height=image.height,
                    size=len(image.data),
                )
            )
    # The resident edited her vegetables: the first text stays visible as a revision.
    market = posts[5]
    session.add(
        PostRevision(
            post_id=market.id,
            title=None,
            body="自家种的青菜，新鲜采摘。",
            written_at=market.created_at,
            replaced_at=market.created_at + timedelta(minutes=20),
        )
    )
    market.edited_at = market.created_at + timedelta(minutes=20)
    comments: list[Comment] = []
    for n, (index, author, text, reply_to) in enumerate(COMMENTS):
        comment = Comment(
            post_id=posts[index].id,
            parent_id=comments[reply_to].id if reply_to is not None else None,
            author_id=world.accounts[author].id,
            body=text,
            created_at=posts[index].created_at + timedelta(minutes=30 + n),
        )
        session.add(comment)
        await session.flush()
        comments.append(comment)
    for index, who in LIKES:
        session.add(PostLike(post_id=posts[index].id, account_id=world.accounts[who].id))
