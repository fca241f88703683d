"""A county at scale: a deterministic, realistically skewed county for the query benchmarks.

    .venv/bin/python -m benchmarks.county [--database-url URL] [--scale 1] [--seed 8]
                                          [--now 2026-11-20T08:00:00+00:00] [--replace]
                                          [--manifest FILE]

Builds, into the database given by `--database-url` (default: the settings' DATABASE_URL),
after applying the app's migrations (`core.bootstrap.migrate`, as `server.py migrate` does),
at `--scale 1` (the issue's county):

- regions: 1 county, 30 townships, 1,800 villages, 7,200 courtyards;
- accounts: 20,000, each with its `RoleGrant`: county and township officials and staff,
  deputies, an official per village, a grid head per courtyard, and residents;
- issues: 100,000 over the year before `--now`, more of them recent;
- timeline events: about 620,000, each with its `event_log` entry (ids in time order);
- photos: about 180,000 rows on reports, updates and resolutions (no files).

`--scale 0.01` shrinks every count proportionally (with at least 2 townships, 2 villages a
township and a courtyard a village; per-region roles keep their number per region, and the
residents, at least one per courtyard, fill the rest of the accounts).

Realism, from one seeded random generator (the same seed and `--now` give the same county):
villages are busy or quiet (a lognormal weight per village, times one per township); issues
are reported in courtyards (70%) and villages by their residents (some through the grid head,
by phone or walk-in; some anonymous); each issue is driven through the lifecycle table of
`resolvers/issues/lifecycle.py` as `apply` would drive it, by the officials of its handling
level (its courtyard's grid head, its village's official, an official of its township, of the
county), named staff when assigned, and its reporter (updates, cancelling, rating, appeals).
Deadlines are the app's (`ISSUE_DEADLINES`, `resolvers/issues/deadlines.py`): a level that
lets one pass is escalated by the overdue sweep at that moment (no actor, the sweep's note), so
the county is as the sweep would leave it at `--now`: the overdue issues are the open ones at
county level. Old issues are resolved and rated (a rating of 1-2 reopens one level up), recent
ones open.

Loading is bulk: COPY (asyncpg `copy_records_to_table`) on PostgreSQL, then the sequences
are set past the ids written and the tables vacuumed and analysed; `executemany` in one
transaction on SQLite, then ANALYZE. Every row goes into the real models' tables
(`Model.__table__`), whose columns are checked against what is written.

The database must be empty (migrated or not); `--replace` empties it first (PostgreSQL:
TRUNCATE of the app's tables; SQLite: a new file). Every account's password is
`demo-password` (one argon2 hash shared by all); benchmarks sign in by writing `AuthToken`s
(`sign_in`). `--manifest FILE` writes sample accounts per role (`sample`) as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import json
import math
import os
import random
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, TypeDecorator
from sqlalchemy.engine import make_url

from models.accounts import Account, AuthToken, Role, RoleGrant
from models.events import LogEntry
from models.issues import (
    OPEN_STATUSES,
    Channel,
    Issue,
    IssueCategory,
    IssueEvent,
    IssueEventKind,
    IssueStatus,
    Photo,
)
from models.regions import Region, RegionLevel
from resolvers.issues.deadlines import Deadlines, deadlines_from_json
from resolvers.issues.filters import level_bit
from resolvers.issues.lifecycle import TOPIC, TRANSITIONS
from resolvers.issues.sweep import OVERDUE_NOTE

PASSWORD = "demo-password"
S, K, L = IssueStatus, IssueEventKind, RegionLevel
COUNTY_CODE = "510923"

# --- sizes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How many of everything, for one `--scale`."""

    scale: float
    townships: int
    villages: int
    courtyards: int
    county_officials: int
    county_staff: int
    township_officials: int  # per township
    township_staff: int  # per township
    deputies: int  # per township
    village_officials: int  # per village
    residents: int
    issues: int

    @classmethod
    def of(cls, scale: float) -> Plan:
        if not 0 < scale <= 10:
            raise ValueError("scale must be in (0, 10]")
        townships = max(2, round(30 * scale))
        villages = max(2 * townships, round(1800 * scale))
        courtyards = max(villages, round(7200 * scale))
        plan = cls(
            scale=scale,
            townships=townships,
            villages=villages,
            courtyards=courtyards,
            county_officials=max(2, round(20 * scale)),
            county_staff=max(1, round(10 * scale)),
            township_officials=4,
            township_staff=3,
            deputies=5,
            village_officials=1,
            residents=0,
            issues=max(20, round(100_000 * scale)),
        )
        # Residents are whatever the 20,000 accounts leave (at least one per courtyard).
        residents = max(courtyards, round(20_000 * scale) - plan.officials)
        return cls(**{**asdict(plan), "residents": residents})

    @property
    def officials(self) -> int:
        """Every account that is not a resident."""
        return (
            self.county_officials
            + self.county_staff
            + self.townships * (self.township_officials + self.township_staff + self.deputies)
            + self.villages * self.village_officials
            + self.courtyards  # a grid head each
        )

    @property
    def accounts(self) -> int:
        return self.officials + self.residents

    @property
    def regions(self) -> int:
        return 1 + self.townships + self.villages + self.courtyards


# --- names and words ----------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "建国志荣勇秀英玉环新生丰收立媛明华伟芳敏静丽强磊军洋艳杰娟涛超霞平刚桂兰红梅海燕春花国庆德福文斌金凤建华晓东淑珍永红小龙彩云光明宏亮学军"  # noqa: E501
PLACE = "青龙白虎石门柳树梨园桃花杏林竹林松柏槐树枫香荷塘清水长河大坪小溪黄泥红岩金竹银杏凤凰鹿鸣龙泉狮子马鞍双河三合四方五福六合七星八角九龙"  # noqa: E501

TITLES: dict[IssueCategory, list[str]] = {
    IssueCategory.ROADS: ["村道塌方", "路面坑洼", "桥面护栏松动", "路灯不亮", "排水沟堵塞"],
    IssueCategory.WATER: ["自来水浑浊", "停水三天", "水管爆裂", "水压太低"],
    IssueCategory.HEATING: ["暖气不热", "供暖管道漏水", "暖气片不热"],
    IssueCategory.ENVIRONMENT: ["垃圾清运不及时", "河道有垃圾", "养殖场异味", "焚烧秸秆"],
    IssueCategory.DISPUTE: ["邻居噪音", "宅基地纠纷", "排水纠纷", "家庭矛盾调解"],
    IssueCategory.AGRICULTURE: ["玉米地干旱", "病虫害防治", "农机补贴咨询", "灌溉渠破损"],
    IssueCategory.LEGAL_AID: ["工资被拖欠", "土地承包合同纠纷", "工伤赔偿咨询"],
    IssueCategory.CONSULTATION: ["想咨询养老保险", "医保报销流程", "低保申请条件"],
    IssueCategory.HOME_SERVICE: ["上门办理高龄补贴", "上门办理残疾证", "上门认证养老金"],
    IssueCategory.OTHER: ["公告栏损坏", "建议增设健身器材", "其他问题"],
}
# How often each category is reported (heating only in the heating season, below).
CATEGORY_WEIGHTS = {
    IssueCategory.ROADS: 18,
    IssueCategory.WATER: 10,
    IssueCategory.HEATING: 6,
    IssueCategory.ENVIRONMENT: 17,
    IssueCategory.DISPUTE: 10,
    IssueCategory.AGRICULTURE: 12,
    IssueCategory.LEGAL_AID: 5,
    IssueCategory.CONSULTATION: 12,
    IssueCategory.HOME_SERVICE: 4,
    IssueCategory.OTHER: 6,
}
NOTES: dict[str, list[str | None]] = {
    "accept": ["已受理。", "已受理，尽快安排。", None, None],
    "assign": ["请技术员上门处理。", "已派单。"],
    "start": ["已到现场查看。", "已联系施工队。", "正在协调处理。"],
    "work_update": ["材料已到位，明天施工。", "正在处理中。", "已协调相关部门。"],
    "party_update": ["请尽快处理，谢谢。", "问题还在，请跟进。", "补充照片。"],
    "resolve": ["已处理完毕。", "已修复，恢复正常。", "已协调解决。"],
    "reject": ["不属于本级受理范围，已电话告知办理渠道。", "经核实情况不属实。"],
    "escalate": ["需上级协调处理，上报。", "超出本级处理能力，上报。"],
    "mark_duplicate": ["与已上报的问题为同一问题。"],
    "cancel": ["已自行解决。", "已协商解决。"],
    "appeal": ["对处理结果不满意，申请复核。"],
}
COMMENTS = ["处理及时，谢谢！", "满意。", "态度很好。", None, None, None]
PHOTO_SHAPES = [(4000, 3000), (3000, 4000), (4032, 3024), (1920, 1080), (1280, 960)]
PHOTO_TYPES = ["image/jpeg"] * 8 + ["image/png", "image/webp"]
PHOTO_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}

# --- the county in memory -------------------------------------------------------------------


@dataclass
class County:
    """Rows per table, each a tuple in the order of `COLUMNS[table]`."""

    plan: Plan
    seed: int
    now: datetime
    rows: dict[str, list[tuple]] = field(default_factory=dict)

    def count(self, table: str) -> int:
        return len(self.rows[table])


# The columns written, per table, in the order of the tuples. Columns of the table that are
# not listed must be nullable or have a default (checked before loading).
COLUMNS: dict[str, tuple[str, ...]] = {
    "regions": ("id", "parent_id", "level", "name", "code", "path"),
    "accounts": ("id", "phone", "display_name", "password_hash", "created_at"),
    "role_grants": ("id", "account_id", "role", "region_id"),
    "issues": (
        "id",
        "number",
        "title",
        "description",
        "category",
        "status",
        "level",
        "region_id",
        "region_path",
        "reporter_id",
        "filed_by_id",
        "contact_name",
        "contact_phone",
        "channel",
        "anonymous",
        "client_request_id",
        "assignee_id",
        "duplicate_of_id",
        "service_address",
        "service_from",
        "service_until",
        "created_at",
        "level_since",
        "accepted_at",
        "resolved_at",
        "closed_at",
        "due_at",
        "rating",
        "rating_comment",
        "first_accepted_at",
        "last_resolved_at",
        "latest_rating",
        "escalated_levels",
        "version",
    ),
    "event_log": ("id", "topic", "subject_id", "region_path"),
    "issue_events": (
        "id",
        "issue_id",
        "kind",
        "from_status",
        "to_status",
        "from_level",
        "level",
        "actor_id",
        "assignee_id",
        "note",
        "rating",
        "at",
    ),
    "photos": (
        "id",
        "issue_id",
        "event_id",
        "storage_key",
        "content_type",
        "width",
        "height",
        "size",
        "created_at",
    ),
}
# In an order that satisfies the foreign keys.
TABLES: dict[str, Table] = {
    "regions": Region.__table__,  # type: ignore[dict-item]
    "accounts": Account.__table__,  # type: ignore[dict-item]
    "role_grants": RoleGrant.__table__,  # type: ignore[dict-item]
    "issues": Issue.__table__,  # type: ignore[dict-item]
    "event_log": LogEntry.__table__,  # type: ignore[dict-item]
    "issue_events": IssueEvent.__table__,  # type: ignore[dict-item]
    "photos": Photo.__table__,  # type: ignore[dict-item]
}


def check_columns() -> None:
    """What we write fits the models' tables: every column exists, and every column we leave
    out may be left out."""
    for name, table in TABLES.items():
        have = {c.name for c in table.columns}
        written = set(COLUMNS[name])
        if written - have:
            raise RuntimeError(f"{name}: no columns {sorted(written - have)} in the model")
        for column in table.columns:
            if column.name in written:
                continue
            if not (column.nullable or column.default is not None or column.server_default):
                raise RuntimeError(f"{name}.{column.name} is required and not generated here")


def _cumulative(weights: Iterable[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


def _place(rng: random.Random) -> str:
    return "".join(rng.choices(PLACE, k=2))


def _photos(rng: random.Random, weights: Sequence[int]) -> int:
    """How many photos, with `weights[n]` the weight of n photos."""
    return rng.choices(range(len(weights)), weights)[0]


# An event while the county is generated: (at, issue id, step, kind, from status, to status,
# from level, level, actor, assignee, note, rating, photos). Ids are given once all are known.
Event = tuple[
    float,
    int,
    int,
    IssueEventKind,
    IssueStatus | None,
    IssueStatus,
    RegionLevel | None,
    RegionLevel,
    int | None,
    int | None,
    str | None,
    int | None,
    int,
]
DONE, SWEPT, LATER = "done", "swept", "later"


class Life:
    """One issue's history, generated step by step: each step is a transition of the
    lifecycle table, applied to the issue's fields as `resolvers.issues.lifecycle.apply`
    applies it, with the overdue sweep stepping in where a level lets its deadline pass."""

    def __init__(
        self,
        rng: random.Random,
        pk: int,
        category: IssueCategory,
        level: RegionLevel,
        born: float,
        now: float,
        windows: dict[tuple[IssueCategory, RegionLevel], tuple[float, float]],
        handlers: dict[RegionLevel, int],
        staff: list[int],
        reporter: int | None,
        filer: int,
    ) -> None:
        self.rng, self.pk, self.category, self.now = rng, pk, category, now
        self.windows, self.handlers, self.staff = windows, handlers, staff
        self.reporter, self.filer = reporter, filer
        # The issue's fields, as `apply` keeps them.
        self.status, self.level, self.level_since = S.SUBMITTED, level, born
        self.due: float | None = born + windows[category, level][0]
        self.accepted_at: float | None = None
        self.resolved_at: float | None = None
        self.closed_at: float | None = None
        self.rating: int | None = None
        self.comment: str | None = None
        self.assignee: int | None = None
        self.duplicate_of: int | None = None
        self.first_accepted_at: float | None = None  # the history `apply` keeps on the row
        self.last_resolved_at: float | None = None
        self.latest_rating: int | None = None
        self.escalated_levels = 0
        self.version = 1
        self.events: list[Event] = [
            (born, pk, 0, K.REPORTED, None, S.SUBMITTED, None, level, filer, None, None, None,
             _photos(rng, (50, 40, 8, 2)))
        ]  # fmt: skip
        self.t = born
        # The work planned when a level accepts it.
        self.worker: int | None = None
        self.resolve_at = 0.0
        self.updates_left = 0
        self.will_start = False
        self.assign_first = False
        self.reminded = False

    def apply(
        self,
        at: float,
        action: str,
        actor: int | None,
        note: str | None = None,
        *,
        rating: int | None = None,
        assignee: int | None = None,
        duplicate_of: int | None = None,
        comment: str | None = None,
        photos: int = 0,
    ) -> None:
        """`lifecycle.apply`, on these fields: the same table, the same stamps and deadlines."""
        t = TRANSITIONS[action]
        before, from_level = self.status, self.level
        to = t.moves[before]
        level = from_level.above if t.level_up and from_level.above is not None else from_level
        accept, resolve = self.windows[self.category, level]
        restart = to is S.SUBMITTED and (before is not S.SUBMITTED or level is not from_level)
        if duplicate_of is not None:
            self.duplicate_of = duplicate_of
        if comment is not None:
            self.comment = comment
        if restart:
            self.level_since = at
            self.accepted_at = self.resolved_at = self.closed_at = None
            self.rating = self.comment = None
        if level is not from_level:
            self.assignee = None
        if to is S.ACCEPTED and before is S.SUBMITTED:
            self.accepted_at = at
        elif to is S.RESOLVED:
            self.resolved_at = at
        elif to not in OPEN_STATUSES:
            self.closed_at = at
        if to is S.ACCEPTED and before is S.SUBMITTED and self.first_accepted_at is None:
            self.first_accepted_at = at
        if to is S.RESOLVED:
            self.last_resolved_at = at
        if rating is not None:
            self.latest_rating = rating
        if t.kind is K.ESCALATED:
            self.escalated_levels |= level_bit(level)
        if assignee is not None:
            self.assignee = assignee
        if rating is not None and not restart:
            self.rating = rating
        if restart:
            self.due = at + accept
        elif to is S.ACCEPTED and before is S.SUBMITTED:
            self.due = at + resolve
        elif to not in OPEN_STATUSES and to not in (S.RESOLVED, S.CLOSED):
            self.due = None  # resolving and closing keep the deadline (lifecycle._due)
        self.status, self.level, self.version = to, level, self.version + 1
        self.events.append(
            (at, self.pk, len(self.events), t.kind, before, to, from_level, level, actor,
             assignee, note, rating, photos)
        )  # fmt: skip
        self.t = at
        if to is S.ACCEPTED and before is S.SUBMITTED:
            self.plan_work(at)

    def plan_work(self, at: float) -> None:
        """Accepted at a level: who works it, whether it is started, its updates, when it is
        resolved (a share of the level's window; some take longer than the window)."""
        rng = self.rng
        resolve = self.windows[self.category, self.level][1]
        slow = 4.0 if self.level is L.COUNTY else 1.0
        self.worker = self.handlers[self.level]
        self.assign_first = bool(self.staff) and rng.random() < 0.2
        self.will_start = rng.random() < 0.65
        self.updates_left = rng.choices((0, 1, 2, 3, 4), (25, 33, 22, 12, 8))[0]
        self.resolve_at = at + resolve * slow * rng.lognormvariate(math.log(0.3), 0.75)

    def attempt(
        self, at: float, action: str, actor: int | None, note: str | None = None, **kwargs: Any
    ) -> str:
        """Do `action` at `at`, unless its level's deadline passes first (the overdue sweep
        then escalates it, below the county) or `at` is still to come (nothing more)."""
        at = max(at, self.t + 1.0)
        due = self.due
        if self.status in OPEN_STATUSES and self.level is not L.COUNTY and due is not None:
            swept = max(due + self.rng.uniform(0.001, 60.0), self.t + 1.0)
            if swept < at:
                if due >= self.now:
                    return LATER  # still within its deadline at `now`
                self.apply(min(swept, max(self.now, self.t + 1.0)), "escalate", None, OVERDUE_NOTE)
                return SWEPT
        if at > self.now:
            return LATER
        self.apply(at, action, actor, note, **kwargs)
        return DONE

    def run(self, duplicates: list[int]) -> None:
        rng, t = self.rng, self.t
        for _ in range(60):
            t = self.t
            status, level = self.status, self.level
            accept = self.windows[self.category, level][0]
            handler = self.handlers[level]
            if status is S.SUBMITTED:
                # The county is the backlog: it takes longer than its window more often
                # than not, so it holds most of what is overdue (the sweep cannot move it).
                median = 1.2 if level is L.COUNTY else 0.15
                at = t + accept * rng.lognormvariate(math.log(median), 0.9)
                r = rng.random()
                if r < 0.03 and self.reporter is not None:
                    outcome = self.attempt(
                        t + accept * rng.uniform(0.05, 0.6),
                        "cancel",
                        self.reporter,
                        rng.choice(NOTES["cancel"]),
                    )
                elif r < 0.07:
                    outcome = self.attempt(at, "reject", handler, rng.choice(NOTES["reject"]))
                elif r < (0.17 if level is L.TOWNSHIP else 0.10) and level.above is not None:
                    outcome = self.attempt(at, "escalate", handler, rng.choice(NOTES["escalate"]))
                elif 0.17 <= r < 0.19 and duplicates:
                    original = duplicates[int(rng.random() * len(duplicates))]
                    outcome = self.attempt(
                        at,
                        "mark_duplicate",
                        handler,
                        NOTES["mark_duplicate"][0],
                        duplicate_of=original,
                    )
                elif 0.19 <= r < 0.26 and self.reporter is not None and not self.reminded:
                    self.reminded = True  # a reminder changes neither status nor deadline
                    outcome = self.attempt(
                        t + accept * rng.uniform(0.05, 0.5),
                        "update",
                        self.reporter,
                        rng.choice(NOTES["party_update"]),
                        photos=_photos(rng, (95, 5)),
                    )
                else:
                    outcome = self.attempt(at, "accept", handler, rng.choice(NOTES["accept"]))
            elif status is S.ACCEPTED or status is S.IN_PROGRESS:
                worker = self.worker
                if self.assign_first:
                    self.assign_first = False
                    self.worker = rng.choice(self.staff)
                    outcome = self.attempt(
                        t + rng.uniform(600, 4 * 3600),
                        "assign",
                        handler,
                        rng.choice(NOTES["assign"]),
                        assignee=self.worker,
                    )
                elif status is S.ACCEPTED and self.will_start:
                    self.will_start = False
                    outcome = self.attempt(
                        t + max(60.0, (self.resolve_at - t) * rng.uniform(0.05, 0.3)),
                        "start",
                        worker,
                        rng.choice(NOTES["start"]),
                    )
                elif self.updates_left > 0:
                    self.updates_left -= 1
                    party = self.reporter is not None and rng.random() < 0.3
                    outcome = self.attempt(
                        t + max(60.0, (self.resolve_at - t) * rng.uniform(0.1, 0.5)),
                        "update",
                        self.reporter if party else worker,
                        rng.choice(NOTES["party_update" if party else "work_update"]),
                        photos=_photos(rng, (95, 5) if party else (90, 10)),
                    )
                else:
                    outcome = self.attempt(
                        max(t + 60.0, self.resolve_at),
                        "resolve",
                        worker,
                        rng.choice(NOTES["resolve"]),
                        photos=_photos(rng, (0, 90, 10)),
                    )
            elif status is S.RESOLVED:
                if self.reporter is None or rng.random() < 0.22:
                    return  # never rated
                stars = rng.choices((5, 4, 3, 2, 1), (50, 27, 11, 7, 5))[0]
                outcome = self.attempt(
                    t + rng.lognormvariate(math.log(86400), 1.0),
                    "rate" if stars > 2 else "rate_low",
                    self.reporter,
                    rating=stars,
                    comment=rng.choice(COMMENTS) if stars > 2 else None,
                )
            elif status is S.REJECTED:
                if self.reporter is None or rng.random() < 0.85:
                    return
                outcome = self.attempt(
                    t + rng.uniform(3600, 10 * 86400),
                    "appeal",
                    self.reporter,
                    NOTES["appeal"][0],
                )
            else:
                return  # closed, duplicate, cancelled
            if outcome is LATER:
                return


def _password_hash(rng: random.Random) -> str:
    """`PASSWORD` hashed as `core.identity.hash_password` hashes (argon2id, its parameters),
    with a salt from the seeded generator: the same county has the same hash."""
    from argon2 import PasswordHasher
    from argon2.low_level import hash_secret

    hasher = PasswordHasher()
    return hash_secret(
        PASSWORD.encode(),
        rng.randbytes(hasher.salt_len),
        time_cost=hasher.time_cost,
        memory_cost=hasher.memory_cost,
        parallelism=hasher.parallelism,
        hash_len=hasher.hash_len,
        type=hasher.type,
    ).decode()


def generate(
    plan: Plan, seed: int, now: datetime, deadlines: Deadlines, progress: Progress | None = None
) -> County:
    """The whole county as rows: the same for the same plan, seed, `now` and deadlines."""
    rng = random.Random(seed)
    county = County(plan=plan, seed=seed, now=now)
    rows = county.rows
    now_ts = now.timestamp()
    year = 365 * 86400.0

    # Regions: the county, then each level in turn; codes as the administrative ones nest.
    regions: list[tuple] = [(1, None, L.COUNTY.value, "清河县", COUNTY_CODE, "/1/")]
    townships = list(range(2, 2 + plan.townships))
    villages = list(range(townships[-1] + 1, townships[-1] + 1 + plan.villages))
    courtyards = list(range(villages[-1] + 1, villages[-1] + 1 + plan.courtyards))
    parent: dict[int, int] = {}
    path = {1: "/1/"}
    code = {1: COUNTY_CODE}
    for t in townships:
        parent[t] = 1
    for n, v in enumerate(villages):
        parent[v] = townships[n * len(townships) // len(villages)]
    for n, c in enumerate(courtyards):
        parent[c] = villages[n * len(villages) // len(courtyards)]
    children: dict[int, list[int]] = defaultdict(list)
    for region in [*townships, *villages, *courtyards]:
        up = parent[region]
        children[up].append(region)
        path[region] = f"{path[up]}{region}/"
    for n, t in enumerate(townships):
        code[t] = f"{COUNTY_CODE}{101 + n:03d}"
        regions.append((t, 1, L.TOWNSHIP.value, _place(rng) + ("乡" if n % 4 == 3 else "镇"),
                        code[t], path[t]))  # fmt: skip
    for v in villages:
        code[v] = f"{code[parent[v]]}{201 + children[parent[v]].index(v):03d}"
        regions.append((v, parent[v], L.VILLAGE.value, _place(rng) + "村", code[v], path[v]))
    for c in courtyards:
        code[c] = f"{code[parent[c]]}{1 + children[parent[c]].index(c):03d}"
        regions.append((c, parent[c], L.COURTYARD.value, _place(rng) + "院落", code[c], path[c]))
    rows["regions"] = regions

    # Busy and quiet: a weight per township, times one per village, both lognormal; courtyards
    # within a village vary less.
    township_weight = {t: rng.lognormvariate(0, 0.6) for t in townships}
    village_weight = {v: township_weight[parent[v]] * rng.lognormvariate(0, 1.0) for v in villages}
    courtyard_weight = {
        c: village_weight[parent[c]] * rng.lognormvariate(0, 0.5) for c in courtyards
    }

    # Accounts, each with one grant.
    accounts: list[tuple] = []
    grants: list[tuple] = []
    password_hash = _password_hash(rng)
    by_role: dict[tuple[Role, int], list[int]] = defaultdict(list)

    def account(role: Role, region: int) -> None:
        pk = len(accounts) + 1
        joined = datetime.fromtimestamp(now_ts - 2 * year + rng.random() * year, UTC)
        accounts.append((pk, f"15{pk:09d}", _name(rng), password_hash, joined))
        grants.append((pk, pk, role.value, region))
        by_role[role, region].append(pk)

    for role, count in (
        (Role.COUNTY_OFFICIAL, plan.county_officials),
        (Role.STAFF, plan.county_staff),
    ):
        for _ in range(count):
            account(role, 1)
    for t in townships:
        for role, count in (
            (Role.TOWNSHIP_OFFICIAL, plan.township_officials),
            (Role.STAFF, plan.township_staff),
            (Role.DEPUTY, plan.deputies),
        ):
            for _ in range(count):
                account(role, t)
    for v in villages:
        for _ in range(plan.village_officials):
            account(Role.VILLAGE_OFFICIAL, v)
    for c in courtyards:
        account(Role.GRID_HEAD, c)
    # Residents: one in every courtyard, the rest where more happens.
    homes = list(courtyards)
    cum = _cumulative(courtyard_weight[c] for c in courtyards)
    homes += rng.choices(courtyards, cum_weights=cum, k=plan.residents - len(homes))
    for c in homes:
        account(Role.RESIDENT, c)
    rows["accounts"], rows["role_grants"] = accounts, grants

    # Issues: more of them recent, more in busy villages; each one's whole history.
    windows = {
        (c, lv): (
            deadlines.window(c, lv).accept.total_seconds(),
            deadlines.window(c, lv).resolve.total_seconds(),
        )
        for c in IssueCategory
        for lv in RegionLevel
    }
    categories = list(CATEGORY_WEIGHTS)
    in_season = _cumulative(CATEGORY_WEIGHTS.values())
    off_season = _cumulative(
        0 if c is IssueCategory.HEATING else w for c, w in CATEGORY_WEIGHTS.items()
    )
    births = sorted(now_ts - year * rng.random() ** 1.7 for _ in range(plan.issues))
    where = rng.choices(villages, cum_weights=_cumulative(village_weight.values()), k=plan.issues)
    county_officials = by_role[Role.COUNTY_OFFICIAL, 1]
    county_staff = by_role[Role.STAFF, 1]
    originals: dict[tuple[int, IssueCategory], list[int]] = defaultdict(list)
    issues: list[tuple] = []
    events: list[Event] = []
    if progress:
        progress.stage("issues", plan.issues)
    for n, (born, village) in enumerate(zip(births, where, strict=True)):
        pk = n + 1
        when = datetime.fromtimestamp(born, UTC)
        season = in_season if when.month in (11, 12, 1, 2, 3) else off_season
        category = categories[bisect.bisect(season, rng.random() * season[-1])]
        home = rng.choice(children[village])
        region = home if rng.random() < 0.7 else village
        level = L.COURTYARD if region == home else L.VILLAGE
        township = parent[village]
        neighbours = by_role[Role.RESIDENT, home]
        reporter: int | None = neighbours[int(rng.random() * len(neighbours))]
        filer = reporter
        channel, anonymous = Channel.APP, False
        contact_name = contact_phone = None
        proxy = by_role[Role.GRID_HEAD, home][0] if level is L.COURTYARD else None
        proxy = proxy or by_role[Role.VILLAGE_OFFICIAL, village][0]
        roll = rng.random()
        if roll < 0.05:
            channel = Channel.QR_CODE
        elif roll < 0.10:
            channel, filer = Channel.PHONE, proxy  # for a resident, by the grid head
        elif roll < 0.13:
            channel, filer, reporter = Channel.WALK_IN, proxy, None  # someone without an account
            contact_name, contact_phone = _name(rng), f"13{rng.randrange(10**9):09d}"
        elif roll < 0.18:
            anonymous = True
        assert filer is not None
        title = rng.choice(TITLES[category])
        service: tuple[str, float, float] | None = None
        if category is IssueCategory.HOME_SERVICE:
            visit = born + 86400 * rng.randint(1, 5)
            service = (f"{regions[home - 1][3]} {rng.randint(1, 60)} 号", visit, visit + 3 * 3600)
        life = Life(
            rng,
            pk,
            category,
            level,
            born,
            now_ts,
            windows,
            {
                L.COURTYARD: by_role[Role.GRID_HEAD, home][0],
                L.VILLAGE: rng.choice(by_role[Role.VILLAGE_OFFICIAL, village]),
                L.TOWNSHIP: rng.choice(by_role[Role.TOWNSHIP_OFFICIAL, township]),
                L.COUNTY: rng.choice(county_officials),
            },
            by_role[Role.STAFF, township] + county_staff,
            reporter,
            filer,
        )
        same = originals[village, category]
        life.run(same[-20:])
        if life.status is not S.DUPLICATE:
            same.append(pk)
        issues.append(
            (
                pk,
                f"{when:%Y}-{pk:06d}",
                title,
                f"{title}。{regions[home - 1][3]}，请帮忙解决。",
                category.value,
                life.status.value,
                life.level.value,
                region,
                path[region],
                reporter,
                filer,
                contact_name,
                contact_phone,
                channel.value,
                anonymous,
                None,
                life.assignee,
                life.duplicate_of,
                service[0] if service else None,
                _dt(service[1]) if service else None,
                _dt(service[2]) if service else None,
                when,
                _dt(life.level_since),
                _dt(life.accepted_at),
                _dt(life.resolved_at),
                _dt(life.closed_at),
                _dt(life.due),
                life.rating,
                life.comment,
                _dt(life.first_accepted_at),
                _dt(life.last_resolved_at),
                life.latest_rating,
                life.escalated_levels,
                life.version,
            )
        )
        events.extend(life.events)
        if progress and pk % 5000 == 0:
            progress.advance(5000)
    rows["issues"] = issues

    # Event ids in time order over the whole county (ties by issue, then by step), each
    # with its log entry; photos in the order of their events.
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    region_path = {i[0]: i[8] for i in issues}
    log: list[tuple] = []
    timeline: list[tuple] = []
    photos: list[tuple] = []
    for event_id, e in enumerate(events, start=1):
        at, issue, _step, kind, from_s, to_s, from_l, level, actor, assignee, note, stars, shots = e
        stamp = datetime.fromtimestamp(at, UTC)
        log.append((event_id, TOPIC, issue, region_path[issue]))
        timeline.append(
            (event_id, issue, kind.value, from_s.value if from_s else None, to_s.value,
             from_l.value if from_l else None, level.value, actor, assignee, note, stars, stamp)
        )  # fmt: skip
        for _ in range(shots):
            width, height = rng.choice(PHOTO_SHAPES)
            content_type = rng.choice(PHOTO_TYPES)
            key = f"{rng.getrandbits(128):032x}.{PHOTO_EXT[content_type]}"
            size = int(width * height * rng.uniform(0.12, 0.35))
            photos.append(
                (len(photos) + 1, issue, event_id, key, content_type, width, height, size, stamp)
            )
    rows["event_log"], rows["issue_events"], rows["photos"] = log, timeline, photos
    return county


# --- progress -------------------------------------------------------------------------------


class Progress:
    """A progress line per stage on stderr: redrawn in place on a terminal, else printed once
    a stage ends (a log stays readable). Plain text: no dependency for a few lines."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.name, self.total, self.done, self.started = "", 0, 0, 0.0
        self.last_draw = 0.0

    def stage(self, name: str, total: int) -> None:
        self.end()
        self.name, self.total, self.done, self.started = name, total, 0, time.perf_counter()
        self.draw(force=True)

    def advance(self, n: int) -> None:
        self.done += n
        self.draw()

    def draw(self, force: bool = False) -> None:
        if not (self.enabled and self.tty and self.name):
            return
        clock = time.perf_counter()
        if not force and clock - self.last_draw < 0.1:
            return
        self.last_draw = clock
        share = min(1.0, self.done / self.total) if self.total else 1.0
        bar = "#" * int(share * 30)
        sys.stderr.write(
            f"\r  {self.name:<14} [{bar:<30}] {min(self.done, self.total):>9,}/{self.total:,}"
            f"  {clock - self.started:5.1f} s"
        )
        sys.stderr.flush()

    def end(self) -> None:
        if not (self.enabled and self.name):
            return
        self.done = self.total
        elapsed = time.perf_counter() - self.started
        if self.tty:
            self.draw(force=True)
            sys.stderr.write("\n")
        else:
            sys.stderr.write(f"  {self.name:<14} {self.total:>9,} in {elapsed:5.1f} s\n")
        sys.stderr.flush()
        self.name = ""


# --- loading ------------------------------------------------------------------------------

CHUNK = 20_000


def normalise(database_url: str) -> str:
    """The URL as the app reads DATABASE_URL (`postgresql://` works, with asyncpg)."""
    from core.config import _normalise_db_url

    return _normalise_db_url(database_url)


def asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


def is_postgres(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "postgresql"


async def ensure_database(database_url: str) -> None:
    """Create a PostgreSQL database that does not exist yet (SQLite files appear by
    themselves)."""
    if not is_postgres(database_url):
        return
    import asyncpg

    try:
        conn = await asyncpg.connect(asyncpg_dsn(database_url))
    except asyncpg.InvalidCatalogNameError:
        url = make_url(database_url)
        admin = await asyncpg.connect(
            asyncpg_dsn(url.set(database="postgres").render_as_string(False))
        )
        try:
            await admin.execute(f'CREATE DATABASE "{url.database}"')
        finally:
            await admin.close()
    else:
        await conn.close()


async def make_empty(database_url: str, replace: bool) -> None:
    """Refuse a database holding rows in the county's tables, or (`replace`) empty it:
    TRUNCATE of the app's tables on PostgreSQL (a SQLite file is replaced before)."""
    if is_postgres(database_url):
        import asyncpg

        conn = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            counts = {name: await conn.fetchval(f"SELECT count(*) FROM {name}") for name in TABLES}
            if any(counts.values()) and replace:
                tables = await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "AND tablename <> 'alembic_version'"
                )
                names = ", ".join('"' + row["tablename"] + '"' for row in tables)
                await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
                return
        finally:
            await conn.close()
    else:
        with contextlib.closing(sqlite3.connect(make_url(database_url).database or "")) as db:
            counts = {
                name: db.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TABLES
            }
    if any(counts.values()):
        raise NotEmpty(make_url(database_url).render_as_string(hide_password=True), counts)


async def load_postgres(county: County, database_url: str, progress: Progress) -> None:
    import asyncpg

    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        async with conn.transaction():
            for name in TABLES:
                rows = county.rows[name]
                progress.stage(name, len(rows))
                for start in range(0, len(rows), CHUNK):
                    chunk = rows[start : start + CHUNK]
                    await conn.copy_records_to_table(name, records=chunk, columns=COLUMNS[name])
                    progress.advance(len(chunk))
            # New rows the app inserts continue after the ones written here.
            for name in TABLES:
                sequence = await conn.fetchval("SELECT pg_get_serial_sequence($1, 'id')", name)
                if sequence:
                    await conn.execute(
                        f"SELECT setval($1, (SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)",
                        sequence,
                    )
        progress.stage("vacuum analyze", len(TABLES))
        for name in TABLES:
            await conn.execute(f"VACUUM (ANALYZE) {name}")
            progress.advance(1)
        progress.end()
    finally:
        await conn.close()


def _sqlite_value_converters(name: str) -> list[tuple[int, Any]]:
    """(position, converter) for the columns SQLite stores differently from Python: datetimes
    as SQLAlchemy writes them (naive UTC text with microseconds), booleans as integers."""
    table = TABLES[name]
    out: list[tuple[int, Any]] = []
    for i, column_name in enumerate(COLUMNS[name]):
        kind = table.c[column_name].type
        if isinstance(kind, TypeDecorator):
            kind = kind.impl_instance
        python_type = None
        with contextlib.suppress(NotImplementedError):
            python_type = kind.python_type
        if python_type is datetime:
            out.append(
                (
                    i,
                    lambda v: (
                        None if v is None else v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                    ),
                )
            )
        elif python_type is bool:
            out.append((i, lambda v: None if v is None else int(v)))
    return out


def load_sqlite(county: County, path: Path, progress: Progress) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("BEGIN")
        for name in TABLES:
            rows = county.rows[name]
            columns = COLUMNS[name]
            convert = _sqlite_value_converters(name)
            insert = (
                f"INSERT INTO {name} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            progress.stage(name, len(rows))
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                if convert:
                    converted = []
                    for row in chunk:
                        values = list(row)
                        for i, fn in convert:
                            values[i] = fn(values[i])
                        converted.append(values)
                    db.executemany(insert, converted)
                else:
                    db.executemany(insert, chunk)
                progress.advance(len(chunk))
        db.execute("COMMIT")
        progress.stage("analyze", 1)
        db.execute("ANALYZE")
        progress.advance(1)
        progress.end()
    finally:
        db.close()


class NotEmpty(RuntimeError):
    def __init__(self, where: str, counts: dict[str, int]) -> None:
        held = ", ".join(f"{n} {c:,}" for n, c in counts.items() if c)
        super().__init__(f"{where} is not empty ({held}): pass --replace to empty it first")


@dataclass
class Built:
    """What `build` made, and how long each part took."""

    database_url: str
    plan: Plan
    seed: int
    now: datetime
    counts: dict[str, int]
    seconds: dict[str, float]

    def summary(self) -> str:
        c = self.counts
        return (
            f"{c['regions']:,} regions, {c['accounts']:,} accounts ({c['role_grants']:,} grants), "
            f"{c['issues']:,} issues, {c['issue_events']:,} events, {c['photos']:,} photos"
        )


async def build(
    database_url: str,
    *,
    scale: float = 1.0,
    seed: int = 8,
    now: datetime | None = None,
    replace: bool = False,
    progress: bool = True,
) -> Built:
    """Migrate the database (it must be empty, unless `replace`) and load a county into it."""
    from core.bootstrap import migrate

    database_url = normalise(database_url)
    check_columns()
    bar = Progress(progress)
    now = (now or datetime.now(UTC).replace(microsecond=0)).astimezone(UTC)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    postgres = is_postgres(database_url)
    sqlite_path = None if postgres else Path(make_url(database_url).database or "")
    if sqlite_path is not None:
        if str(sqlite_path) in ("", ":memory:"):
            raise ValueError("a SQLite county needs a file")
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        if replace:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    await ensure_database(database_url)
    await migrate(database_url)
    await make_empty(database_url, replace)
    seconds["migrate"] = time.perf_counter() - clock

    clock = time.perf_counter()
    deadlines = deadlines_from_json(os.environ.get("ISSUE_DEADLINES") or "{}")
    county = generate(Plan.of(scale), seed, now, deadlines, bar)
    bar.end()
    seconds["generate"] = time.perf_counter() - clock

    clock = time.perf_counter()
    if postgres:
        await load_postgres(county, database_url, bar)
    else:
        assert sqlite_path is not None
        await asyncio.to_thread(load_sqlite, county, sqlite_path, bar)
    seconds["load"] = time.perf_counter() - clock
    return Built(
        database_url=database_url,
        plan=county.plan,
        seed=seed,
        now=now,
        counts={name: county.count(name) for name in TABLES},
        seconds=seconds,
    )


# --- sample accounts, sign-in -----------------------------------------------------------------


async def sample(database_url: str, per_role: int = 5) -> dict[str, Any]:
    """Accounts to sign in as, by role, picked by querying the county (so any generated
    database will do): county officials; township officials of the busiest and quietest
    townships; village officials of the busiest villages and of quiet ones (around the tenth
    percentile of issues); deputies of the busiest townships; the residents who reported most."""
    from sqlalchemy import func, select

    from core.db import create_engine

    engine = create_engine(normalise(database_url))
    try:
        async with engine.connect() as conn:
            per_path = (
                await conn.execute(
                    select(Issue.region_path, func.count()).group_by(Issue.region_path)
                )
            ).all()
            regions = (
                await conn.execute(select(Region.id, Region.level, Region.name, Region.path))
            ).all()
            grants = (
                await conn.execute(
                    select(RoleGrant.account_id, RoleGrant.role, RoleGrant.region_id)
                    .where(
                        RoleGrant.role.in_(
                            [
                                Role.COUNTY_OFFICIAL,
                                Role.TOWNSHIP_OFFICIAL,
                                Role.VILLAGE_OFFICIAL,
                                Role.DEPUTY,
                            ]
                        )
                    )
                    .order_by(RoleGrant.account_id)
                )
            ).all()
            reporters = (
                await conn.execute(
                    select(Issue.reporter_id, func.count())
                    .where(Issue.reporter_id.is_not(None))
                    .group_by(Issue.reporter_id)
                    .order_by(func.count().desc(), Issue.reporter_id)
                    .limit(per_role)
                )
            ).all()
    finally:
        await engine.dispose()
    issues: Counter[int] = Counter()
    for region_path, count in per_path:
        for part in region_path.strip("/").split("/"):
            issues[int(part)] += count
    info = {r.id: r for r in regions}
    officials: dict[tuple[Role, int], list[int]] = defaultdict(list)
    for account_id, role, region_id in grants:
        officials[role, region_id].append(account_id)

    def ranked(level: RegionLevel) -> list[int]:
        return sorted((r.id for r in regions if r.level is level), key=lambda pk: (-issues[pk], pk))

    def seat(role: Role, region: int) -> dict[str, Any]:
        return {
            "account": officials[role, region][0],
            "region": region,
            "name": info[region].name,
            "issues": issues[region],
        }

    townships, villages = ranked(L.TOWNSHIP), ranked(L.VILLAGE)
    quiet_from = max(0, min(len(villages) - per_role, int(len(villages) * 0.9) - per_role // 2))
    county = next(r.id for r in regions if r.level is L.COUNTY)
    return {
        "county": {"region": county, "name": info[county].name, "issues": issues[county]},
        "county_officials": [
            {"account": pk, "region": county, "name": info[county].name, "issues": issues[county]}
            for pk in officials[Role.COUNTY_OFFICIAL, county][:per_role]
        ],
        "township_officials_busy": [seat(Role.TOWNSHIP_OFFICIAL, t) for t in townships[:per_role]],
        "township_officials_quiet": [
            seat(Role.TOWNSHIP_OFFICIAL, t) for t in townships[::-1][:per_role]
        ],
        "deputies_busy": [seat(Role.DEPUTY, t) for t in townships[:per_role]],
        "village_officials_busy": [seat(Role.VILLAGE_OFFICIAL, v) for v in villages[:per_role]],
        "village_officials_quiet": [
            seat(Role.VILLAGE_OFFICIAL, v) for v in villages[quiet_from : quiet_from + per_role]
        ],
        "residents": [{"account": pk, "issues": n} for pk, n in reporters],
    }


async def sign_in(
    database_url: str, account_ids: Iterable[int], hours: float = 24
) -> dict[int, str]:
    """A sign-in token per account, written as `login` writes it (`new_token`,
    `token_digest`), without an argon2 check per account."""
    from core.db import Database, create_engine
    from core.identity import new_token, token_digest

    db = Database(create_engine(normalise(database_url)))
    tokens = {pk: new_token() for pk in dict.fromkeys(account_ids)}
    expires = datetime.now(UTC) + timedelta(hours=hours)
    try:
        async with db.transaction() as session:
            session.add_all(
                AuthToken(account_id=pk, token_hash=token_digest(token), expires_at=expires)
                for pk, token in tokens.items()
            )
    finally:
        await db.engine.dispose()
    return tokens


# --- the command ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    from core.config import Settings

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: the settings' DATABASE_URL")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the issue's county")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        help="the county's present (ISO 8601 with offset; default: now, to the second)",
    )
    parser.add_argument("--replace", action="store_true", help="empty a non-empty database")
    parser.add_argument("--manifest", help="write sample accounts per role here (JSON)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    url = args.database_url or Settings.from_env().database_url
    if args.now is not None and args.now.tzinfo is None:
        parser.error("--now needs an offset, e.g. 2026-11-20T08:00:00+08:00")
    try:
        built = asyncio.run(
            build(
                url,
                scale=args.scale,
                seed=args.seed,
                now=args.now,
                replace=args.replace,
                progress=not args.quiet,
            )
        )
    except NotEmpty as error:
        sys.exit(str(error))
    shown = make_url(built.database_url).render_as_string(hide_password=True)
    total = sum(built.seconds.values())
    print(f"county      {built.summary()}")
    print(
        f"into        {shown}, scale {built.plan.scale:g}, seed {built.seed}, "
        f"now {built.now.isoformat()}"
    )
    print(
        "took        "
        + ", ".join(f"{k} {v:.1f} s" for k, v in built.seconds.items())
        + f"; {total:.1f} s in all"
    )
    manifest = asyncio.run(sample(built.database_url))
    for role in ("county_officials", "township_officials_busy", "township_officials_quiet",
                 "deputies_busy", "village_officials_busy", "village_officials_quiet",
                 "residents"):  # fmt: skip
        seats = manifest[role]
        print(
            f"{role:<26}"
            + ", ".join(
                f"#{s['account']}"
                + (
                    f" ({s['name']}, {s['issues']} issues)"
                    if "name" in s
                    else f" ({s['issues']} issues)"
                )
                for s in seats
            )
        )
    if args.manifest:
        record = {
            "database_url": shown,
            "scale": built.plan.scale,
            "seed": built.seed,
            "now": built.now.isoformat(),
            "counts": built.counts,
            "seconds": built.seconds,
            **manifest,
        }
        Path(args.manifest).write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        print(f"manifest    {args.manifest}")


if __name__ == "__main__":
    main()
