"""The query benchmark's request set, once, on a tiny county per backend: every request's
answer from /graphql is byte for byte the hand-written endpoint's (benchmarks/handwritten.py).

This keeps the hand-written side honest as the schema and the read path change: a field that
answers differently fails here, naming the request and the first differing bytes. Nothing is
timed: the figures are `python -m benchmarks.queries`'s to print.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from benchmarks import county, queries
from tests.county_db import county_database

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = [
    "county official: first 50, totalCount",
    "county official: first 50, no totalCount",
    "township official (busy township): first 50",
    "deputy (busy township): first 50",
    "village official (busy village): first 50",
    "village official (quiet village): first 50",
    "county official: statuses [SUBMITTED, ACCEPTED]",
    "county official: category WATER",
    "county official: overdue",
    "county official: regionId of a busy township",
    "county official: page 2 (after a cursor)",
    "county official: page 10 (after a cursor)",
    "county official: dashboard, counts by status (8 aliased totalCount)",
]
DASHBOARDS = [
    "county official: dashboard (30 days)",
    "township official (busy township): dashboard (30 days)",
    "village official (busy village): dashboard (30 days)",
    "county official: dashboard (365 days)",
]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_every_request_answers_the_hand_written_bytes(backend: str, tmp_path: Path):
    with county_database(backend, tmp_path) as url:
        built = asyncio.run(county.build(url, scale=0.005, progress=False))
        assert built.counts["issues"] == 500  # ten pages of 50 for the county
        lines: list[str] = []
        out = tmp_path / "figures.json"
        argv = ["--database-url", url, "--n", "1", "--warmup", "0", "--accounts", "2"]
        run = queries.run([*argv, "--json", str(out)], log=lines.append)
    expected = list(EXPECTED)
    if "issueCounts(" in (ROOT / "schema.graphql").read_text():  # the grouped count, once there
        expected.append("county official: dashboard, issueCounts(groupBy: [STATUS])")
    expected += DASHBOARDS  # the county dashboard (`dashboard`), for three levels and a year
    assert [s.name for s in run.scenarios] == expected, lines
    for scenario in run.scenarios:
        assert scenario.results["identical"], scenario.name
        assert len(scenario.seats) == 2, scenario.name  # two accounts per role, in turn
    # Answers of substance, not empty pages: each list request listed issues (bar the
    # overdue filter: a small county may have none), the dashboard its counts.
    listed = {s.name: s.results["listed"] for s in run.scenarios}
    assert listed.pop("county official: overdue") is not None
    for dashboard in expected[len(EXPECTED) - 1 :]:
        assert listed.pop(dashboard) is None
    assert all(n > 0 for n in listed.values()), listed
    assert listed["county official: first 50, totalCount"] == 50
    figures = json.loads(out.read_text())
    assert figures["counts"]["issues"] == 500
    assert [r["name"] for r in figures["requests"]] == expected
    table = queries.table(run)
    assert table.count("\n| ") == len(expected) + 1  # the header, then a row per request
