"""The overdue sweep: escalates issues whose handling level let their deadline pass.

Safe with any number of worker processes running it at once: each escalation is a
compare-and-set on the issue's version, so exactly one sweep wins each issue and the others
skip it. At county level there is nowhere to escalate: the issue stays `overdue`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy import select

from core.db import Database
from core.errors import UserFailure
from models.base import utcnow
from models.issues import Issue
from models.regions import RegionLevel
from resolvers.issues.deadlines import Deadlines
from resolvers.issues.lifecycle import apply
from resolvers.issues.queries import overdue_condition

log = logging.getLogger("grassroots.sweep")
OVERDUE_NOTE = "超期未处理，自动上报上一级。 Overdue: escalated automatically."


async def sweep_overdue(
    db: Database,
    deadlines: Deadlines,
    *,
    now: datetime | None = None,
    batch: int = 200,
) -> int:
    """Escalate every overdue issue once; returns how many this call escalated."""
    now = now or utcnow()
    candidates = await db.all(
        select(Issue)
        .where(overdue_condition(now), Issue.level != RegionLevel.COUNTY)
        .order_by(Issue.due_at)
        .limit(batch)
    )
    escalated = 0
    for issue in candidates:
        try:
            async with db.transaction() as session:
                await apply(
                    session,
                    issue,
                    "escalate",
                    actor_id=None,
                    now=now,
                    deadlines=deadlines,
                    note=OVERDUE_NOTE,
                )
        except UserFailure:
            continue  # changed meanwhile (another worker escalated it, or an official acted)
        except Exception:
            log.exception("escalating overdue issue %s failed; the others go on", issue.id)
            continue
        escalated += 1  # subscribers hear of it when the transaction commits (core.db)
    if escalated:
        log.info("escalated %d overdue issue(s)", escalated)
    return escalated


async def run_forever(
    db: Database, deadlines: Deadlines, interval: float, batch: int = 200, **kwargs
) -> None:
    while True:
        try:
            while await sweep_overdue(db, deadlines, batch=batch, **kwargs) == batch:
                pass  # a full batch: more may be waiting
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("overdue sweep failed; retrying in %.0fs", interval)
        await asyncio.sleep(interval)
