"""What strawberry's execution alone costs for the benchmark's page: the floor of the stack.

    .venv/bin/python -m benchmarks.floor [--n 200] [--photos 2]

Issue 8 asks for `issues(first: 50)` (region, reporter, photos, `timeline(last: 3)`) within
3× the server CPU of a hand-written endpoint. This measures the part no read-path work can
remove: a schema of the same shape (Relay nodes with global IDs, enums, date-times, async
resolvers for the related objects, connections) executing `handwritten.PAGE_QUERY` over
objects already in memory: no database, no ORM, no DataLoaders, no HTTP. Beside it, in the
same run, the same JSON built by a plain Python function from the same objects (the
hand-written endpoint's Python part), and the JSON encoding both share.

A third line runs the same document in graphql-core alone (strawberry's engine), over
the finished dicts with its default resolvers and no async: the least any schema on
graphql-core can cost for this answer.

Prints CPU per page (the minimum and the median of `--n` runs, `time.process_time`) and the
ratios. Compare the floor with the hand-written endpoint's whole server CPU per request in
`python -m benchmarks.queries` (about 5 ms on PostgreSQL): if the floor alone is over 3×
that, the target cannot be met by any read path on this stack.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import enum
import gc
import statistics
import time
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import graphql
import strawberry
from strawberry import relay
from strawberry.types import Info

from benchmarks.handwritten import PAGE_QUERY
from core.http import encode

NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@strawberry.enum(description="status")
class Status(enum.Enum):
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    RESOLVED = "RESOLVED"


@strawberry.enum(description="level")
class Level(enum.Enum):
    VILLAGE = "VILLAGE"
    TOWNSHIP = "TOWNSHIP"


@strawberry.enum(description="kind")
class Kind(enum.Enum):
    REPORTED = "REPORTED"
    ACCEPTED = "ACCEPTED"
    NOTE = "NOTE"


@dataclass
class RegionRow:
    id: int
    name: str


@dataclass
class AccountRow:
    id: int
    display_name: str


@dataclass
class PhotoRow:
    key: str
    width: int
    height: int


@dataclass
class EventRow:
    id: int
    kind: Kind
    to_status: Status | None
    at: datetime
    actor: AccountRow | None


@dataclass
class IssueRow:
    id: int
    number: str
    title: str
    status: Status
    level: Level
    created_at: datetime
    due_at: datetime | None
    region: RegionRow
    reporter: AccountRow | None
    photos: list[PhotoRow]
    events: list[EventRow]


@strawberry.type
class Region(relay.Node):
    id: relay.NodeID[int]
    name: str


@strawberry.type
class Account(relay.Node):
    id: relay.NodeID[int]
    display_name: str


@strawberry.type
class Photo:
    key: strawberry.Private[str]
    width: int
    height: int

    @strawberry.field
    def url(self) -> str:
        return f"https://grassroots.example/media/{self.key}?sig=0"


@strawberry.type
class IssueEvent(relay.Node):
    id: relay.NodeID[int]
    kind: Kind
    to_status: Status | None
    at: datetime
    row: strawberry.Private[EventRow]

    @strawberry.field
    async def actor(self) -> Account | None:
        a = self.row.actor
        return None if a is None else Account(id=a.id, display_name=a.display_name)


@strawberry.type
class EventEdge:
    node: IssueEvent


@strawberry.type
class EventConnection:
    edges: list[EventEdge]


@strawberry.type
class Issue(relay.Node):
    id: relay.NodeID[int]
    number: str
    title: str
    status: Status
    level: Level
    created_at: datetime
    due_at: datetime | None
    row: strawberry.Private[IssueRow]

    @strawberry.field
    def overdue(self) -> bool:
        return self.due_at is not None and self.due_at < NOW

    @strawberry.field
    async def region(self) -> Region:
        r = self.row.region
        return Region(id=r.id, name=r.name)

    @strawberry.field
    async def reporter(self) -> Account | None:
        a = self.row.reporter
        return None if a is None else Account(id=a.id, display_name=a.display_name)

    @strawberry.field
    async def photos(self) -> list[Photo]:
        return [Photo(key=p.key, width=p.width, height=p.height) for p in self.row.photos]

    @strawberry.field
    async def timeline(self, last: int | None = None) -> EventConnection:
        rows = self.row.events[-(last or 0) :]
        return EventConnection(
            edges=[
                EventEdge(
                    node=IssueEvent(id=e.id, kind=e.kind, to_status=e.to_status, at=e.at, row=e)
                )
                for e in rows
            ]
        )


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class IssueEdge:
    node: Issue


@strawberry.type
class IssueConnection:
    edges: list[IssueEdge]
    page_info: PageInfo


@strawberry.input
class IssueFilter:
    region_id: strawberry.ID | None = None


@strawberry.type
class Query:
    @strawberry.field
    async def issues(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: IssueFilter | None = None,
    ) -> IssueConnection:
        rows: list[IssueRow] = info.context["rows"]
        return IssueConnection(
            edges=[IssueEdge(node=issue_of(r)) for r in rows],
            page_info=PageInfo(
                has_next_page=True,
                has_previous_page=False,
                start_cursor=cursor(rows[0].id),
                end_cursor=cursor(rows[-1].id),
            ),
        )


def issue_of(r: IssueRow) -> Issue:
    return Issue(
        id=r.id,
        number=r.number,
        title=r.title,
        status=r.status,
        level=r.level,
        created_at=r.created_at,
        due_at=r.due_at,
        row=r,
    )


def cursor(pk: int) -> str:
    return base64.b64encode(f"c:{pk}".encode()).decode()


def gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def iso(t: datetime) -> str:
    return t.isoformat()


def handwritten(rows: Iterable[IssueRow]) -> dict[str, Any]:
    """The same JSON built directly: what the hand-written endpoint does in Python."""
    rows = list(rows)
    edges = []
    for r in rows:
        edges.append(
            {
                "node": {
                    "id": gid("Issue", r.id),
                    "number": r.number,
                    "title": r.title,
                    "status": r.status.value,
                    "level": r.level.value,
                    "createdAt": iso(r.created_at),
                    "dueAt": None if r.due_at is None else iso(r.due_at),
                    "overdue": r.due_at is not None and r.due_at < NOW,
                    "region": {"id": gid("Region", r.region.id), "name": r.region.name},
                    "reporter": None
                    if r.reporter is None
                    else {
                        "id": gid("Account", r.reporter.id),
                        "displayName": r.reporter.display_name,
                    },
                    "photos": [
                        {
                            "url": f"https://grassroots.example/media/{p.key}?sig=0",
                            "width": p.width,
                            "height": p.height,
                        }
                        for p in r.photos
                    ],
                    "timeline": {
                        "edges": [
                            {
                                "node": {
                                    "id": gid("IssueEvent", e.id),
                                    "kind": e.kind.value,
                                    "toStatus": None if e.to_status is None else e.to_status.value,
                                    "at": iso(e.at),
                                    "actor": None
                                    if e.actor is None
                                    else {
                                        "id": gid("Account", e.actor.id),
                                        "displayName": e.actor.display_name,
                                    },
                                }
                            }
                            for e in r.events[-3:]
                        ]
                    },
                }
            }
        )
    return {
        "data": {
            "issues": {
                "edges": edges,
                "pageInfo": {
                    "hasNextPage": True,
                    "hasPreviousPage": False,
                    "startCursor": cursor(rows[0].id),
                    "endCursor": cursor(rows[-1].id),
                },
            }
        }
    }


def page(photos: int) -> list[IssueRow]:
    """50 issues as the county benchmark's first page has them (3 events shown of 6)."""
    official = AccountRow(7, "王建华")
    rows = []
    for i in range(50):
        t = NOW - timedelta(hours=i)
        rows.append(
            IssueRow(
                id=100_000 - i,
                number=f"QS-2026-{100_000 - i:06d}",
                title="村口道路塌陷，雨天积水严重",
                status=Status.ACCEPTED,
                level=Level.VILLAGE,
                created_at=t,
                due_at=t + timedelta(days=2),
                region=RegionRow(1000 + i % 7, "天星村老槐树院落"),
                reporter=AccountRow(5000 + i, "崔玉环"),
                photos=[PhotoRow(f"p{i}-{k}.jpg", 1280, 960) for k in range(photos)],
                events=[
                    EventRow(
                        600_000 - 6 * i - k,
                        Kind.NOTE if k else Kind.ACCEPTED,
                        None if k else Status.ACCEPTED,
                        t + timedelta(minutes=k),
                        official,
                    )
                    for k in range(6)
                ],
            )
        )
    return rows


# The same shape in graphql-core alone: dict roots, its default resolvers, no async.
BARE_SDL = """
scalar DateTime
enum Status { SUBMITTED ACCEPTED RESOLVED }
enum Level { VILLAGE TOWNSHIP }
enum Kind { REPORTED ACCEPTED NOTE }
type Region { id: ID! name: String! }
type Account { id: ID! displayName: String! }
type Photo { url: String! width: Int! height: Int! }
type IssueEvent { id: ID! kind: Kind! toStatus: Status at: DateTime! actor: Account }
type EventEdge { node: IssueEvent! }
type EventConnection { edges: [EventEdge!]! }
type Issue {
  id: ID! number: String! title: String! status: Status! level: Level! createdAt: DateTime!
  dueAt: DateTime overdue: Boolean! region: Region! reporter: Account photos: [Photo!]!
  timeline(last: Int): EventConnection!
}
type IssueEdge { node: Issue! }
type PageInfo {
  hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String
}
type IssueConnection { edges: [IssueEdge!]! pageInfo: PageInfo! }
input IssueFilter { regionId: ID }
type Query { issues(first: Int, after: String, filter: IssueFilter): IssueConnection! }
"""


def timed(run, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.process_time()
        run()
        out.append((time.process_time() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--photos", type=int, default=2)
    args = parser.parse_args()
    schema = strawberry.Schema(query=Query)
    rows = page(args.photos)
    loop = asyncio.new_event_loop()
    variables = {"first": 50}

    def ours() -> bytes:
        result = loop.run_until_complete(
            schema.execute(PAGE_QUERY, variable_values=variables, context_value={"rows": rows})
        )
        assert not result.errors, result.errors
        return encode({"data": result.data})

    def plain() -> bytes:
        return encode(handwritten(rows))

    bare_schema = graphql.build_schema(BARE_SDL)
    document = graphql.parse(PAGE_QUERY)
    root = handwritten(rows)["data"]

    def bare() -> bytes:
        result = graphql.execute(bare_schema, document, root_value=root, variable_values=variables)
        assert not isinstance(result, Awaitable) and not result.errors
        return encode({"data": result.data})

    if not ours() == bare() == plain():
        raise SystemExit("the answers differ")
    gc.freeze()
    gc.set_threshold(50_000)  # as the server runs (server.settle_gc)
    results = {}
    for name, run in (("strawberry", ours), ("graphql-core alone", bare), ("plain", plain)):
        timed(run, 20)
        results[name] = timed(run, args.n)
    print(f"page of 50 issues, {args.photos} photos each, timeline(last: 3); n={args.n}")
    print("| execution | CPU per page: min | median |")
    print("|---|---|---|")
    for name, ms in results.items():
        print(f"| {name} | {min(ms):.2f} ms | {statistics.median(ms):.2f} ms |")
    p = statistics.median(results["plain"])
    for name in ("strawberry", "graphql-core alone"):
        print(f"{name} / plain (median): {statistics.median(results[name]) / p:.1f}×")


if __name__ == "__main__":
    main()
