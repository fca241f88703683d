"""The one GraphQL schema: each domain contributes its Query and Mutation fields."""

from __future__ import annotations

import strawberry
from graphql import ASTValidationRule, GraphQLError, OperationDefinitionNode, OperationType
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule

from core.config import Settings
from schema.accounts import AccountMutations, AccountQueries
from schema.common import SCALAR_OVERRIDES, root_type
from schema.extensions import ErrorPolicy, log_unexpected
from schema.issues import IssueMutations, IssueQueries, IssueSubscriptions
from schema.regions import RegionQueries

QUERIES = (AccountQueries, RegionQueries, IssueQueries)
MUTATIONS = (AccountMutations, IssueMutations)
SUBSCRIPTIONS = (IssueSubscriptions,)


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        log_unexpected(errors)  # coded and validation errors are the client's, not ours


def build_schema(settings: Settings | None = None) -> Schema:
    settings = settings or Settings(database_url="sqlite://")

    # The same rule classes for every request, or the validation cache never hits.
    rules = [*limit_rules(settings), NoSubscriptionsOverHttp]

    # Made per schema: strawberry's relay.node() field cannot be shared by two schemas.
    @strawberry.type
    class NodeQueries:
        node: relay.Node | None = relay.node(description="Any object by its global ID.")

    return Schema(
        query=root_type("Query", "What can be read.", (NodeQueries, *QUERIES)),
        mutation=root_type("Mutation", "What can be changed.", MUTATIONS),
        subscription=root_type(
            "Subscription", "Live updates, over the websocket at /graphql.", SUBSCRIPTIONS
        ),
        scalar_overrides=SCALAR_OVERRIDES,
        extensions=[
            lambda: AddValidationRules(rules),
            lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
            lambda: ErrorPolicy(mask=settings.production),
        ],
    )


class NoSubscriptionsOverHttp(ASTValidationRule):
    """Subscriptions are served over the websocket protocol; over HTTP they get a clear error
    instead of a null result. (The websocket path validates with its own rule list.)"""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args) -> None:
        if node.operation == OperationType.SUBSCRIPTION:
            self.report_error(
                GraphQLError(
                    "Subscriptions are served over websockets at /graphql (graphql-transport-ws).",
                    node,
                )
            )


def limit_rules(settings: Settings) -> list[type[ASTValidationRule]]:
    """Depth and alias limits, shared by HTTP (as an extension) and the websocket protocol."""
    return [
        max_depth_rule(settings.max_query_depth, None, None),
        max_aliases_rule(settings.max_aliases),
    ]


def sdl() -> str:
    return build_schema().as_str() + "\n"
