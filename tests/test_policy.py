"""Rules written twice, in Python and in SQL, agree over generated data."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import timedelta

from sqlalchemy import select

from core.db import Database, create_engine
from core.identity import ANONYMOUS, Grant, Viewer
from models.accounts import Account, Role
from models.base import utcnow
from models.events import LogEntry
from models.issues import Channel, Issue, IssueCategory, IssueStatus
from models.regions import LEVEL_ORDER, Region, RegionLevel
from resolvers.dashboards.live import DashboardFigures
from resolvers.issues import policy
from resolvers.issues.live import ISSUES, IssueTimeline, StatusChanges
from tests.conftest import Api


async def _issues_and_viewers(db: Database, rng: random.Random, tag: str):
    regions = list(await db.all(select(Region)))
    accounts = list(await db.all(select(Account)))
    reporting = [r for r in regions if r.level in policy.REPORTING_LEVELS]
    now = utcnow()

    def someone() -> Account:
        return rng.choice(accounts)

    issues = []
    async with db.transaction() as session:
        for n in range(150):
            region = rng.choice(reporting)
            filer = someone()
            issue = Issue(
                number=f"{tag}-{n}",
                title=tag,
                description="generated",
                category=rng.choice(list(IssueCategory)),
                status=rng.choice(list(IssueStatus)),
                level=rng.choice(LEVEL_ORDER[LEVEL_ORDER.index(region.level) :]),
                region_id=region.id,
                region_path=region.path,
                reporter_id=rng.choice([None, filer.id, someone().id]),
                filed_by_id=filer.id,
                assignee_id=rng.choice([None, None, someone().id]),
                channel=Channel.APP,
                anonymous=rng.random() < 0.3,
                created_at=now,
                level_since=now,
                due_at=now + timedelta(days=1),
            )
            session.add(issue)
            issues.append(issue)

    viewers: list[Viewer] = [ANONYMOUS]
    for _ in range(80):
        grants = [
            Grant(role, region.id, region.path, region.level)
            for role, region in (
                (rng.choice(list(Role)), rng.choice(regions)) for _ in range(rng.randint(0, 2))
            )
        ]
        viewers.append(Viewer(account=someone(), grants=grants))
    return issues, viewers


def test_can_read_issue_and_visible_issues_agree(api: Api):
    async def check() -> None:
        db = Database(create_engine(api.settings.database_url))
        try:
            tag = uuid.uuid4().hex[:12]
            issues, viewers = await _issues_and_viewers(db, random.Random(11), tag)
            kinds = {"none": 0, "some": 0, "all": 0}
            for viewer in viewers:
                in_sql = set(
                    await db.all(
                        select(Issue.id).where(policy.visible_issues(viewer), Issue.title == tag)
                    )
                )
                in_python = {i.id for i in issues if policy.can_read_issue(viewer, i)}
                assert in_sql == in_python, (viewer.id, viewer.grants)
                share = len(in_python) / len(issues)
                kinds["none" if share == 0 else "all" if share == 1 else "some"] += 1
            assert kinds["none"] and kinds["some"] and kinds["all"], kinds  # the data varies
        finally:
            await db.engine.dispose()

    asyncio.run(check())


def test_subscription_specs_match_in_python_what_they_select_in_sql(api: Api):
    async def check() -> None:
        db = Database(create_engine(api.settings.database_url))
        try:
            entries = list(await db.all(select(LogEntry).where(LogEntry.topic == ISSUES.name)))
            subjects = await ISSUES.load(db, entries)
            regions = list(await db.all(select(Region)))
            issue_ids = sorted({e.subject_id for e in entries})[:20]
            specs = [StatusChanges(r.path) for r in regions if r.level is not RegionLevel.COURTYARD]
            specs += [IssueTimeline(pk) for pk in issue_ids]
            specs += [DashboardFigures(r, None, None, api.settings) for r in regions[:12]]
            for spec in specs:
                in_sql = set(
                    await db.all(
                        select(LogEntry.id)
                        .select_from(ISSUES.source())
                        .where(LogEntry.topic == ISSUES.name, spec.where())
                    )
                )
                in_python = {e.id for e in entries if spec.matches(e, subjects[e.id])}
                assert in_sql == in_python, spec
            assert any(
                StatusChanges(r.path).matches(e, subjects[e.id])
                for r in regions
                for e in entries[:5]
            )
        finally:
            await db.engine.dispose()

    asyncio.run(check())
