"""Opaque global IDs ("Type:pk" in base64, the encoding strawberry.relay uses)."""

from __future__ import annotations

from strawberry.relay.utils import from_base64, to_base64

from core.errors import invalid


def to_global_id(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


def parse_id(value: str | None, type_name: str, field: str = "id") -> int:
    """The primary key inside a global ID of the given type, or a VALIDATION error at `field`."""
    try:
        found, pk = from_base64(value or "")
        if found != type_name:
            raise ValueError(found)
        return int(pk)
    except (ValueError, TypeError):
        raise invalid(field, "bad_id") from None
