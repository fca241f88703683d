"""Opaque global IDs ("Type:pk" in base64, the encoding strawberry.relay uses)."""

from __future__ import annotations

from strawberry.relay.utils import from_base64, to_base64

from core.errors import invalid, not_found

MAX_PK = 2**31 - 1  # INTEGER primary keys on PostgreSQL (and what we hand out anywhere)


def to_global_id(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


def parse_id(value: str | None, type_name: str, field: str = "id") -> int:
    """The primary key inside a global ID of the given type, or a VALIDATION error at `field`."""
    try:
        found, pk = from_base64(value or "")
        if found != type_name:
            raise ValueError(found)
        number = int(pk)
    except (ValueError, TypeError):
        raise invalid(field, "bad_id") from None
    if not 0 < number <= MAX_PK:
        raise not_found(field)  # well formed, but no such row can exist
    return number


def node_pk(value: str) -> int:
    """The key inside a `node(id:)` lookup; 0 (never a row) when it is not a usable number."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number <= MAX_PK else 0
