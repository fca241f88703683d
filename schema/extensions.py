"""Schema extensions of our own: documents from a bounded cache, and how errors reach
clients."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

from graphql.error import GraphQLError
from sqlalchemy.exc import SQLAlchemyError
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.relay.types import GlobalIDValueError
from strawberry.types.graphql import OperationType

from core.db import Reads
from core.errors import CodedError, UserFailure, translate
from schema.limits import DocumentCache, Prepared

log = logging.getLogger("grassroots.errors")


def is_expected(error: GraphQLError) -> bool:
    """Parse/validation errors and our coded errors are for the client; the rest are bugs."""
    original = error.original_error
    return original is None or isinstance(
        original, CodedError | UserFailure | GraphQLError | GlobalIDValueError
    )


# Errors whose text is about our insides, whatever the mode: SQL statements and driver
# messages, codecs, the interpreter's stack. Development shows other bugs' text; never these.
INTERNAL = (SQLAlchemyError, UnicodeError, RecursionError, MemoryError, OSError)


def is_internal(error: GraphQLError) -> bool:
    return isinstance(error.original_error, INTERNAL)


def present(error: GraphQLError, lang: str, mask: bool) -> GraphQLError:
    """The error as a client sees it: coded errors worded in `lang`, bugs masked if asked,
    and errors that would show SQL, codec or interpreter text masked always."""
    original = error.original_error
    if isinstance(original, GlobalIDValueError):  # `node(id:)` with an ID of no known type
        return _coded(error, "VALIDATION", "bad_id", "id", {}, lang)
    if isinstance(original, CodedError):
        return _coded(error, original.code, original.key, original.field, original.params, lang)
    if isinstance(original, UserFailure):
        p = original.problems[0]
        return _coded(error, p.code.value, p.key, p.field, p.params, lang)
    if (mask or is_internal(error)) and not is_expected(error):
        return GraphQLError(
            "Unexpected error.",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL"},
        )
    return error


def _coded(error, code, key, field, params, lang) -> GraphQLError:
    extensions = {"code": code} | ({"field": field} if field else {})
    return GraphQLError(
        translate(key, lang, **params),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


class CachedDocuments(SchemaExtension):
    """Parsing and validation through the schema's `DocumentCache` (schema.limits): each query
    text is parsed and validated once, a text over MAX_QUERY_BYTES never, and the cache holds
    a bounded amount of memory whatever clients send."""

    def __init__(self, cache: DocumentCache) -> None:
        super().__init__()
        self.cache = cache
        self.prepared: Prepared | None = None

    def on_parse(self) -> Iterator[None]:
        query = self.execution_context.query
        if query:  # without one, strawberry says so itself
            prepared = self.cache.get(query)
            if prepared.document is None:
                assert prepared.errors
                # Cached: raised without the traceback of its last raise, or each raise would
                # add to it.
                raise prepared.errors[0].with_traceback(None)
            self.prepared = prepared
            self.execution_context.graphql_document = prepared.document
        yield

    def on_validate(self) -> Iterator[None]:
        if self.prepared is not None:
            self.execution_context.pre_execution_errors = list(self.cache.validated(self.prepared))
        yield


class OneConnection(SchemaExtension):
    """A query reads on one pooled connection (`core.db.Reads`), returned when the operation
    ends: the one HTTP's context opened to find the viewer, or a new one (queries over the
    websocket). A mutation reads and writes a short session per step instead: it takes a
    write connection (its transaction), and a request holding one connection while it
    waits for another would let as many concurrent mutations as the pool holds starve it.
    Subscriptions render events through the hub's loaders."""

    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        reads = context.reads
        if not isinstance(reads, Reads):
            reads = context.reads = Reads(context.db)
        try:
            yield
        finally:
            await reads.close()

    async def on_execute(self) -> AsyncIterator[None]:
        if self.execution_context.operation_type is OperationType.MUTATION:
            context = self.execution_context.context
            await context.reads.close()
            context.reads = context.db
        yield


class ErrorPolicy(MaskErrors):
    """Applies `present` to every error of an HTTP or websocket operation."""

    def __init__(self, mask: bool) -> None:
        super().__init__()
        self.mask = mask

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        lang = getattr(self.execution_context.context, "lang", "zh")
        return [present(error, lang, self.mask) for error in errors]


def log_unexpected(errors: list[GraphQLError]) -> None:
    for error in errors:
        if not is_expected(error):
            log.error("unexpected error", exc_info=error.original_error)
