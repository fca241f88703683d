"""Types shared by every domain: connections, user errors, payload helpers."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry
from strawberry import relay
from strawberry.relay.types import NodeType
from strawberry.types import Info

from core.errors import ErrorCode, UserFailure, translate
from core.pagination import Page, encode_cursor

UserErrorCode = ErrorCode  # registered as a GraphQL enum under this name:
strawberry.enum(UserErrorCode, name="UserErrorCode")


@strawberry.type(description="A problem with a mutation's input or with the state it acts on.")
class UserError:
    code: UserErrorCode
    field: str | None = strawberry.field(
        description="Path of the input field at fault (e.g. `title`, `photos.2`), or null."
    )
    message: str


def user_errors(failure: UserFailure, lang: str) -> list[UserError]:
    return [
        UserError(code=p.code, field=p.field, message=translate(p.key, lang, **p.params))
        for p in failure.problems
    ]


P = TypeVar("P")


async def payload(info: Info, cls: Callable[..., P], work: Awaitable[dict[str, Any]]) -> P:
    """Every mutation's payload: the fields `work` returns and no errors, or, when it fails
    with a `UserFailure` (nothing was written), its errors in the request's language and
    every other field null."""
    try:
        values = await work
    except UserFailure as failure:
        empty = {f.name: None for f in dataclasses.fields(cls) if f.name != "errors"}  # type: ignore[arg-type]
        return cls(**empty, errors=user_errors(failure, info.context.lang))
    return cls(**values, errors=[])


@strawberry.type(description="A page of a list.")
class Connection(relay.Connection[NodeType], Generic[NodeType]):
    total_count: int = strawberry.field(description="How many items the whole list holds.")

    @classmethod
    def of(cls, page: Page, convert: Callable[[Any], NodeType]) -> Connection[NodeType]:
        edges = [
            relay.Edge(cursor=encode_cursor(key), node=convert(item))
            for key, item in zip(page.keys, page.items, strict=True)
        ]
        return cls(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=page.has_next,
                has_previous_page=False,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total,
        )
