"""Types shared by every domain: scalars, enums, connections, user errors, payload helpers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy.exc import DBAPIError
from strawberry import relay
from strawberry.file_uploads.scalars import Upload, UploadDefinition
from strawberry.relay.types import NodeType
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.tools import merge_types
from strawberry.types import Info
from strawberry.types.scalar import ScalarDefinition

from core.db import is_contention
from core.errors import ErrorCode, UserFailure, translate
from core.media import signed_url
from core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, encode_cursor

# Strawberry's built-in scalars, described and pointing at their specifications so that
# codegen can map them (`scalar_overrides` of the schema; the GraphQL names stay).
DATE_TIME = dataclasses.replace(
    DateTimeDefinition,
    description="A point in time: an RFC 3339 date-time with its offset, e.g. "
    "`2026-05-01T09:30:00+08:00`. The API answers in UTC (`+00:00`); give inputs an offset.",
    specified_by_url="https://scalars.graphql.org/andimarek/date-time",
)
DATE = dataclasses.replace(
    DateDefinition,
    description="A calendar day, without a time or an offset: `2026-05-01` (RFC 3339 full-date).",
    specified_by_url="https://scalars.graphql.org/andimarek/local-date",
)
UPLOAD = dataclasses.replace(
    UploadDefinition,
    description="A file sent with the GraphQL multipart request spec: in `variables` it is "
    "`null`, and the request's `map` names the multipart part holding the file. Input only.",
    specified_by_url="https://github.com/jaydenseric/graphql-multipart-request-spec",
)
SCALAR_OVERRIDES: Mapping[object, ScalarDefinition] = {
    dt.datetime: DATE_TIME,
    dt.date: DATE,
    Upload: UPLOAD,
}

E = TypeVar("E", bound=type[enum.Enum])


def graphql_enum(cls: E, description: str, values: Mapping[Any, str], name: str | None = None) -> E:
    """Register a Python enum (usually a model's) as a GraphQL enum, described, with a
    description for each of its values (`values` maps members to descriptions)."""
    strawberry.enum(cls, name=name, description=description)
    for value in cls.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values.get(cls(value.value))
    return cls


def root_type(name: str, description: str, types: tuple[type, ...]) -> type:
    """`merge_types` with a description: the schema's Query, Mutation and Subscription."""
    merged = merge_types(name, types)
    merged.__strawberry_definition__.description = description  # type: ignore[attr-defined]
    return merged


UserErrorCode = ErrorCode  # registered as a GraphQL enum under this name:
graphql_enum(
    UserErrorCode,
    "What kind of problem a `UserError` reports; branch on it, show its `message`.",
    {
        ErrorCode.VALIDATION: "An input value is missing, too long, malformed or out of range.",
        ErrorCode.NOT_FOUND: "No such object, or one the viewer may not read (the two look "
        "the same).",
        ErrorCode.INVALID_TRANSITION: "The object's current state does not allow this "
        "change (e.g. accepting an issue that is already resolved).",
        ErrorCode.RATE_LIMITED: "Too many attempts (sign-ins, reports) in a short time; "
        "the message says when to try again.",
        ErrorCode.CONFLICT: "Someone changed the object at the same moment; reload and retry.",
        ErrorCode.INVALID_CREDENTIALS: "Wrong phone number or password.",
    },
    name="UserErrorCode",
)


@strawberry.type(description="A problem with a mutation's input or with the state it acts on.")
class UserError:
    code: UserErrorCode = strawberry.field(description="What kind of problem it is.")
    field: str | None = strawberry.field(
        description="Path of the input field at fault (e.g. `title`, `photos.2`), or null."
    )
    message: str = strawberry.field(
        description="For people: in Chinese, or English with `Accept-Language: en`."
    )


def user_errors(failure: UserFailure, lang: str) -> list[UserError]:
    return [
        UserError(code=p.code, field=p.field, message=translate(p.key, lang, **p.params))
        for p in failure.problems
    ]


P = TypeVar("P")


async def payload(info: Info, cls: Callable[..., P], work: Awaitable[dict[str, Any]]) -> P:
    """Every mutation's payload: the fields `work` returns and no errors, or, when it fails
    with a `UserFailure` (nothing was written), its errors in the request's language and
    every other field null. A write that lost to a concurrent one at the database (rolled
    back whole: `core.db.is_contention`) is a CONFLICT the client may retry."""
    try:
        values = await work
    except (UserFailure, DBAPIError) as error:
        if isinstance(error, DBAPIError) and not is_contention(error):
            raise  # a bug: masked as INTERNAL (schema.extensions)
        failure = (
            error
            if isinstance(error, UserFailure)
            else UserFailure.of(ErrorCode.CONFLICT, "contention")
        )
        empty = {f.name: None for f in dataclasses.fields(cls) if f.name != "errors"}  # type: ignore[arg-type]
        return cls(**empty, errors=user_errors(failure, info.context.lang))
    return cls(**values, errors=[])


# The paging arguments of every connection field (`Annotated[int | None, FIRST]`).
FIRST = strawberry.argument(
    description=f"Page forward: at most this many items from the start, or from `after` "
    f"(0 to {MAX_PAGE_SIZE}; {DEFAULT_PAGE_SIZE} when neither `first` nor `last` is given)."
)
AFTER = strawberry.argument(
    description="Page forward: only the items after this cursor (an edge's `cursor`, e.g. "
    "the previous page's `pageInfo.endCursor`)."
)
LAST = strawberry.argument(
    description=f"Page backward: at most this many items from the end, or from just before "
    f"`before` (0 to {MAX_PAGE_SIZE})."
)
BEFORE = strawberry.argument(
    description="Page backward: only the items before this cursor (e.g. the previous page's "
    "`pageInfo.startCursor`)."
)


@strawberry.type(description="A page of a list.")
class Connection(relay.Connection[NodeType], Generic[NodeType]):
    page: strawberry.Private[Page]

    @strawberry.field(description="How many items the whole list holds (counted when asked).")
    async def total_count(self) -> int:
        return await self.page.total()

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
                has_previous_page=page.has_previous,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            page=page,
        )


@strawberry.type(description="An uploaded photo; `url` is a signed link that expires.")
class Photo:
    content_type: str = strawberry.field(description="`image/jpeg`, `image/png` or `image/webp`.")
    width: int = strawberry.field(description="In pixels.")
    height: int = strawberry.field(description="In pixels.")
    size: int = strawberry.field(description="In bytes.")
    key: strawberry.Private[str]

    @classmethod
    def from_model(cls, row: Any) -> Photo:
        """From any row with the photo columns (an issue's, a post's, a village cover)."""
        return cls(
            content_type=row.content_type,
            width=row.width,
            height=row.height,
            size=row.size,
            key=row.storage_key,
        )

    @strawberry.field(
        description="Where to load the image (an `<img src>` works: the link is signed, no "
        "header needed). It expires within the hour: query again for a fresh one. Absolute: "
        "on the server's PUBLIC_BASE_URL, else on the scheme and host the request came to "
        "(in subscription events without PUBLIC_BASE_URL, a path on the API's origin)."
    )
    def url(self, info: Info) -> str:
        context = info.context
        settings = context.settings
        path = signed_url(settings.secret_key, self.key, settings.photo_url_ttl_seconds)
        request = context.request
        base = settings.public_base_url or (str(request.base_url) if request else "")
        return base.rstrip("/") + path
