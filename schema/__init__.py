"""The one GraphQL schema: each domain contributes its Query and Mutation fields."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types

from core.config import Settings
from schema.accounts import AccountMutations, AccountQueries
from schema.extensions import ErrorPolicy, log_unexpected
from schema.issues import IssueMutations, IssueQueries
from schema.regions import RegionQueries

QUERIES = (AccountQueries, RegionQueries, IssueQueries)
MUTATIONS = (AccountMutations, IssueMutations)


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        log_unexpected(errors)  # coded and validation errors are the client's, not ours


def build_schema(settings: Settings | None = None) -> Schema:
    settings = settings or Settings(database_url="sqlite://")

    # Made per schema: strawberry's relay.node() field cannot be shared by two schemas.
    @strawberry.type
    class NodeQueries:
        node: relay.Node | None = relay.node(description="Any object by its global ID.")

    return Schema(
        query=merge_types("Query", (NodeQueries, *QUERIES)),
        mutation=merge_types("Mutation", MUTATIONS),
        extensions=[
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
            lambda: ErrorPolicy(mask=settings.production),
        ],
    )


def sdl() -> str:
    return build_schema().as_str() + "\n"
