"""The electronic performance file (电子履职档案) of one deputy over a period: every figure
with the records, messages and issues it counts, normalised by days in office.

Computed from the rows themselves in four statements (records, their links, messages,
issues), never from stored totals, so nothing can be padded: a figure is exactly the list
beside it. No rankings against other deputies.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from core.db import Reader
from models.base import utcnow
from models.deputies import (
    Deputy,
    DeputyMessage,
    DutyRecord,
    ProposalOutcome,
    RecordKind,
    RecordLink,
)
from models.issues import Issue, IssueStatus

# Deputies' days are Chinese days: "today", "in the future" and a period's days are judged
# at UTC+8.
LOCAL_TIME = timezone(timedelta(hours=8))


def today() -> date:
    return utcnow().astimezone(LOCAL_TIME).date()


PER_DAYS = 30  # figures are also given per 30 days in office
RESOLVED = frozenset({IssueStatus.RESOLVED, IssueStatus.CLOSED})

# key -> (Chinese, English)
LABELS: dict[str, tuple[str, str]] = {
    "records.CONSTITUENT_VISIT": ("走访选民", "Constituent visits"),
    "records.RECEPTION_DAY": ("接待选民日", "Reception days"),
    "records.INSPECTION": ("视察与监督", "Inspections and supervision"),
    "records.SUGGESTION": ("建议", "Suggestions"),
    "records.PROPOSAL": ("议案", "Proposals"),
    "records.MEETING": ("会议", "Meetings"),
    "records.TRAINING": ("培训", "Trainings"),
    "records.OTHER": ("其他履职", "Other duties"),
    "messages.received": ("收到留言", "Messages received"),
    "messages.answered": ("已答复留言", "Messages answered"),
    "messages.medianHoursToAnswer": ("答复用时中位数（小时）", "Median hours to answer"),
    "messages.turnedIntoIssues": ("留言转为诉求", "Messages turned into issues"),
    "issues.linked": ("关联诉求", "Issues linked"),
    "issues.resolved": ("已办结诉求", "Issues resolved"),
    "issues.meanSatisfaction": ("办结诉求平均满意度（1–5）", "Mean satisfaction (1–5)"),
    "proposals.PENDING": ("议案：办理中", "Proposals pending"),
    "proposals.ADOPTED": ("议案：采纳", "Proposals adopted"),
    "proposals.PARTLY_ADOPTED": ("议案：部分采纳", "Proposals partly adopted"),
    "proposals.NOT_ADOPTED": ("议案：未采纳", "Proposals not adopted"),
}
# Figures that are counts of things done (normalised per 30 days in office); the others
# (a median, a mean) are not.
RATES = frozenset(k for k in LABELS if k.startswith(("records.", "messages.", "issues.")))
RATES -= {"messages.medianHoursToAnswer", "issues.meanSatisfaction"}


@dataclass
class Figure:
    key: str
    value: float | None
    per_30_days: float | None
    records: list[DutyRecord] = field(default_factory=list)
    messages: list[DeputyMessage] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    verified: int | None = None  # of `records`, how many an official verified

    def label(self, lang: str) -> str:
        zh, en = LABELS[self.key]
        return en if lang == "en" else zh


@dataclass
class PerformanceFile:
    deputy: Deputy
    start: date
    end: date
    days_in_office: int
    figures: list[Figure]


def days_in_office(deputy: Deputy, start: date, end: date) -> int:
    """Days of the period within the term, up to today (days not yet lived do not count)."""
    first = max(start, deputy.term_start)
    last = min(end, deputy.term_end, today())
    return max(0, (last - first).days + 1)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TIME)


async def performance_file(
    reads: Reader, deputy: Deputy, start: date, end: date
) -> PerformanceFile:
    """The file of `deputy` from `start` to `end` (days at UTC+8, both included)."""
    days = days_in_office(deputy, start, end)
    records = list(
        await reads.all(
            select(DutyRecord)
            .where(
                DutyRecord.deputy_id == deputy.id, DutyRecord.day >= start, DutyRecord.day <= end
            )
            .order_by(DutyRecord.day, DutyRecord.id)
        )
    )
    links = (
        list(
            await reads.all(
                select(RecordLink).where(RecordLink.record_id.in_([r.id for r in records]))
            )
        )
        if records
        else []
    )
    messages = list(
        await reads.all(
            select(DeputyMessage)
            .where(
                DeputyMessage.deputy_id == deputy.id,
                DeputyMessage.created_at >= _local_midnight(start),
                DeputyMessage.created_at < _local_midnight(end + timedelta(days=1)),
            )
            .order_by(DeputyMessage.id)
        )
    )
    issue_ids = sorted(
        {m.issue_id for m in messages if m.issue_id is not None}
        | {link.issue_id for link in links if link.issue_id is not None}
    )
    issues = (
        list(await reads.all(select(Issue).where(Issue.id.in_(issue_ids)).order_by(Issue.id)))
        if issue_ids
        else []
    )

    def figure(key: str, value: float | None, **lists) -> Figure:
        rate = None
        if key in RATES and value is not None and days:
            rate = round(value * PER_DAYS / days, 2)
        return Figure(key, value, rate, **lists)

    figures = []
    for kind in RecordKind:
        mine = [r for r in records if r.kind is kind]
        f = figure(f"records.{kind.value}", len(mine), records=mine)
        f.verified = sum(r.verified_at is not None for r in mine)
        figures.append(f)
    answered = [m for m in messages if m.first_replied_at is not None]
    hours = [(m.first_replied_at - m.created_at).total_seconds() / 3600 for m in answered]
    figures += [
        figure("messages.received", len(messages), messages=messages),
        figure("messages.answered", len(answered), messages=answered),
        figure(
            "messages.medianHoursToAnswer",
            round(statistics.median(hours), 2) if hours else None,
            messages=answered,
        ),
        figure(
            "messages.turnedIntoIssues",
            sum(m.issue_id is not None for m in messages),
            messages=[m for m in messages if m.issue_id is not None],
        ),
    ]
    resolved = [i for i in issues if i.status in RESOLVED]
    rated = [i for i in issues if i.rating is not None]
    figures += [
        figure("issues.linked", len(issues), issues=issues),
        figure("issues.resolved", len(resolved), issues=resolved),
        figure(
            "issues.meanSatisfaction",
            round(statistics.mean(i.rating for i in rated), 2) if rated else None,
            issues=rated,
        ),
    ]
    proposals = [r for r in records if r.kind is RecordKind.PROPOSAL]
    for outcome in ProposalOutcome:
        mine = [r for r in proposals if r.outcome is outcome]
        f = figure(f"proposals.{outcome.value}", len(mine), records=mine)
        f.verified = sum(r.verified_at is not None for r in mine)
        figures.append(f)
    return PerformanceFile(deputy, start, end, days, figures)
