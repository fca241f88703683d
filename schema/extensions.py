"""Schema extensions of our own: how errors reach clients."""

from __future__ import annotations

import logging

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from core.errors import CodedError, UserFailure, translate

log = logging.getLogger("grassroots.errors")


def is_expected(error: GraphQLError) -> bool:
    """Parse/validation errors and our coded errors are for the client; the rest are bugs."""
    original = error.original_error
    return original is None or isinstance(original, CodedError | UserFailure | GraphQLError)


class ErrorPolicy(MaskErrors):
    """Words coded errors in the request's language with `extensions.code` and `field`;
    masks unexpected errors (in production) as "Unexpected error." with code INTERNAL."""

    def __init__(self, mask: bool) -> None:
        super().__init__(should_mask_error=lambda e: mask and not is_expected(e))

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        lang = getattr(self.execution_context.context, "lang", "zh")
        out = []
        for error in errors:
            original = error.original_error
            if isinstance(original, CodedError):
                out.append(
                    self._coded(
                        error, original.code, original.key, original.field, original.params, lang
                    )
                )
            elif isinstance(original, UserFailure):
                p = original.problems[0]
                out.append(self._coded(error, p.code.value, p.key, p.field, p.params, lang))
            elif self.should_mask_error(error):
                masked = self.anonymise_error(error)
                masked.extensions = {"code": "INTERNAL"}
                out.append(masked)
            else:
                out.append(error)
        return out

    @staticmethod
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


def log_unexpected(errors: list[GraphQLError]) -> None:
    for error in errors:
        if not is_expected(error):
            log.error("unexpected error", exc_info=error.original_error)
