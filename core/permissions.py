"""Jurisdiction: the one rule every domain's policy builds on.

An official's jurisdiction is the region of a grant and everything under it. Regions carry a
materialised path (`/1/4/9/`), and so do the rows that belong to a region, so "under" is one
prefix match in Python (`covers`) and one range in SQL (`under`), which an index serves. Each
domain keeps its own read and write rules beside its code (`resolvers/<domain>/policy.py`),
written with these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Integer, and_, func, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.functions import FunctionElement

from core.identity import Viewer
from models.accounts import Role

T = TypeVar("T")

OFFICIAL_ROLES = frozenset(
    {Role.GRID_HEAD, Role.VILLAGE_OFFICIAL, Role.TOWNSHIP_OFFICIAL, Role.COUNTY_OFFICIAL}
)
# Deputies oversee what happens in their constituency: they read it but do not handle it.
OVERSIGHT_ROLES = OFFICIAL_ROLES | {Role.DEPUTY}


def is_admin(viewer: Viewer) -> bool:
    return any(g.role is Role.ADMIN for g in viewer.grants)


def paths(viewer: Viewer, roles: Iterable[Role]) -> list[str]:
    """The region paths of the viewer's grants with these roles."""
    roles = frozenset(roles)
    return [g.region_path for g in viewer.grants if g.role in roles]


def covers(viewer: Viewer, region_path: str, roles: Iterable[Role] = OFFICIAL_ROLES) -> bool:
    """True when one of the viewer's grants with these roles covers the region."""
    return is_admin(viewer) or any(region_path.startswith(p) for p in paths(viewer, roles))


def under(
    column: ColumnElement[str] | QueryableAttribute[str], region_path: str
) -> ColumnElement[bool]:
    """SQL: the row's region path is `region_path` or below it, as a range of the path column
    (bytewise: COLLATE "C" on PostgreSQL, models.base.RegionPath): an index range scan, also
    in generic plans, where `LIKE :p || '%'` would scan the table."""
    return and_(column >= region_path, column < path_end(region_path))


def under_region(
    column: ColumnElement[str] | QueryableAttribute[str],
    region_path: ColumnElement[str] | QueryableAttribute[str],
) -> ColumnElement[bool]:
    """SQL: `under`, where the region's path is a column too (a join: each region's rows)."""
    end = func.substr(region_path, 1, func.length(region_path) - 1).concat("0")
    return and_(column >= region_path, column < end)


class child_of(FunctionElement[int]):
    """SQL: the id of the child of the region at `region_path` that a row under it is in
    (the path segment after `region_path`: a path's segments are its regions' ids), or NULL
    for a row of the region itself. Grouping by it is a hash of each row, where joining the
    children by path range compares every row with every child."""

    type = Integer()
    name = "child_of"
    inherit_cache = True

    def __init__(
        self,
        column: ColumnElement[str] | QueryableAttribute[str],
        region_path: str | ColumnElement[str],
    ):
        """`region_path`: a path, or a parameter written into the SQL (core.sqlconst)."""
        start: Any
        if isinstance(region_path, str):
            if not region_path.endswith("/"):
                raise ValueError(f"not a region path: {region_path!r}")
            start = literal_column(str(len(region_path) + 1))
        else:
            start = func.length(region_path) + 1
        super().__init__(column, start)


@compiles(child_of)
def _child_of_pg(element: Any, compiler: Any, **kw: Any) -> str:
    column, start = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(NULLIF(split_part(substr({column}, {start}), '/', 1), '') AS INTEGER)"


@compiles(child_of, "sqlite")
def _child_of_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    column, start = (compiler.process(c, **kw) for c in element.clauses)
    rest = f"substr({column}, {start})"
    return f"CAST(NULLIF(substr({rest}, 1, instr({rest}, '/') - 1), '') AS INTEGER)"


def path_end(region_path: str) -> str:
    """The first path after every path under `region_path`: its last "/" becomes "0", the
    next character (`/1/8/` → `/1/80`; `/1/8/...` < `/1/80` < `/1/9/`)."""
    if not region_path.endswith("/"):
        raise ValueError(f"not a region path: {region_path!r}")
    return region_path[:-1] + "0"


def readable(viewer: Viewer, row: T | None, can_read: Callable[[Viewer, T], bool]) -> T | None:
    """What a viewer gets for an object: the object, or None when it does not exist OR the
    viewer may not read it. The one place that decides it: queries answer null, mutations
    and subscriptions NOT_FOUND, so no answer tells an outsider whether an id exists."""
    return row if row is not None and can_read(viewer, row) else None
