"""Schema extensions of our own: how errors reach clients."""

from __future__ import annotations

import logging

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.relay.types import GlobalIDValueError

from core.errors import CodedError, UserFailure, translate

log = logging.getLogger("grassroots.errors")


def is_expected(error: GraphQLError) -> bool:
    """Parse/validation errors and our coded errors are for the client; the rest are bugs."""
    original = error.original_error
    return original is None or isinstance(
        original, CodedError | UserFailure | GraphQLError | GlobalIDValueError
    )


def present(error: GraphQLError, lang: str, mask: bool) -> GraphQLError:
    """The error as a client sees it: coded errors worded in `lang`, bugs masked if asked."""
    original = error.original_error
    if isinstance(original, GlobalIDValueError):  # `node(id:)` with an ID of no known type
        return _coded(error, "VALIDATION", "bad_id", "id", {}, lang)
    if isinstance(original, CodedError):
        return _coded(error, original.code, original.key, original.field, original.params, lang)
    if isinstance(original, UserFailure):
        p = original.problems[0]
        return _coded(error, p.code.value, p.key, p.field, p.params, lang)
    if mask and not is_expected(error):
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
