"""Values written into the SQL text at execution, rather than bound as parameters.

asyncpg prepares every statement, and after five runs PostgreSQL may keep a generic plan of
it: one made without the parameters' values. Two things then cost, row by row:

- a list bound as parameters (`status IN ($1, $2)`) is an ARRAY built again for every row
  it tests; written as literals it is one constant array. A county's month on the dashboard
  (23,000 issues, a dozen such tests each) took 105 ms with parameters, 75 ms with literals;
- a range the plan cannot see (a region's path bounds) is planned for an average region:
  the county's month by a village's plan took 4x as long.

Only for the code's own constants and for values from a small set (a region's path): a
value from a request stays a parameter, or each request would be a new prepared statement.
The compiled statement is still cached once (SQLAlchemy writes the values in after its
cache).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, bindparam
from sqlalchemy.orm import QueryableAttribute


def literal_parameter(name: str, type_: Any) -> ColumnElement[Any]:
    """A named parameter of a statement built once, whose value (given when it runs) is
    written into the SQL text as a literal of `type_`."""
    return bindparam(name, type_=type_, literal_execute=True)


def constant_in(
    column: ColumnElement[Any] | QueryableAttribute[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """SQL: `column IN (...)` with `values` written as literals (in a stable order: sets of
    enums iterate in a per-process order)."""
    listed = sorted(set(values), key=str)
    return column.in_(
        bindparam(None, listed, type_=column.type, expanding=True, literal_execute=True)
    )
