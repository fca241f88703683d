"""The one GraphQL schema: each domain contributes its Query and Mutation fields."""

from __future__ import annotations

import strawberry
from graphql import (
    ASTValidationRule,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    specified_rules,
)
from strawberry import relay
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from core.config import Settings
from core.errors import Unauthenticated
from schema.accounts import AccountMutations, AccountQueries
from schema.common import SCALAR_OVERRIDES, root_type
from schema.dashboards import DashboardQueries, DashboardSubscriptions
from schema.deputies import DeputyMutations, DeputyQueries, DeputySubscriptions
from schema.discussions import (
    DiscussionMutations,
    DiscussionQueries,
    DiscussionSubscriptions,
)
from schema.exports import ExportQueries
from schema.extensions import CachedDocuments, ErrorPolicy, OneConnection, log_unexpected
from schema.issues import IssueMutations, IssueQueries, IssueSubscriptions
from schema.limits import DocumentCache, query_limits
from schema.posts import PostMutations, PostQueries, PostSubscriptions
from schema.regions import RegionQueries
from schema.villages import FollowMutations, VillageMutations, VillageQueries

QUERIES = (
    AccountQueries,
    RegionQueries,
    VillageQueries,
    PostQueries,
    DiscussionQueries,
    IssueQueries,
    DashboardQueries,
    DeputyQueries,
    ExportQueries,
)
MUTATIONS = (
    AccountMutations,
    IssueMutations,
    VillageMutations,
    FollowMutations,
    PostMutations,
    DiscussionMutations,
    DeputyMutations,
)
SUBSCRIPTIONS = (
    IssueSubscriptions,
    DashboardSubscriptions,
    PostSubscriptions,
    DiscussionSubscriptions,
    DeputySubscriptions,
)


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        log_unexpected(errors)  # coded and validation errors are the client's, not ours


def build_schema(settings: Settings | None = None) -> Schema:
    settings = settings or Settings(database_url="sqlite://")

    # Made per schema: strawberry's relay.node() field cannot be shared by two schemas.
    @strawberry.type
    class NodeQueries:
        node: relay.Node | None = relay.node(description="Any object by its global ID.")

    schema = Schema(
        query=root_type("Query", "What can be read.", (NodeQueries, *QUERIES)),
        mutation=root_type("Mutation", "What can be changed.", MUTATIONS),
        subscription=root_type(
            "Subscription", "Live updates, over the websocket at /graphql.", SUBSCRIPTIONS
        ),
        scalar_overrides=SCALAR_OVERRIDES,
        extensions=[
            OneConnection,
            lambda: CachedDocuments(documents),
            lambda: ErrorPolicy(mask=settings.production),
        ],
    )
    # Parsed and validated once per query text, in a cache of bounded memory (schema.limits);
    # the websocket protocol keeps its own (`document_cache`), without NoSubscriptionsOverHttp.
    documents = document_cache(settings, schema, [NoSubscriptionsOverHttp])
    say_when_the_session_ended(schema)
    return schema


def say_when_the_session_ended(schema: Schema) -> None:
    """`viewer` is null when anonymous; asked with a token that is unknown, expired or
    revoked it is null with an UNAUTHENTICATED error worded `token_invalid`, so a client can
    tell "session expired: sign in again" from "signed out". Every other field already says
    so through `Context.require_viewer`; `viewer` alone answered a bad token with a silent
    null. (Wrapped here, at the schema's edge, rather than in each domain.)"""
    query_type = schema._schema.query_type
    assert query_type is not None
    field = query_type.fields["viewer"]
    resolve = field.resolve
    assert resolve is not None

    def viewer(root, info, **kwargs):
        if getattr(info.context, "bad_token", False):
            raise Unauthenticated("token_invalid")
        return resolve(root, info, **kwargs)

    field.resolve = viewer


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
    """Depth, alias and cost limits, counted after fragment expansion (schema.limits), shared
    by HTTP and the websocket protocol."""
    return [
        query_limits(
            settings.max_query_depth,
            settings.max_aliases,
            settings.max_query_cost,
            settings.max_query_overlap,
        )
    ]


def document_cache(
    settings: Settings, schema: strawberry.Schema, extra_rules: list[type[ASTValidationRule]]
) -> DocumentCache:
    """Parse and validation results for `schema`, bounded (MAX_QUERY_BYTES, MAX_QUERY_TOKENS,
    QUERY_CACHE_ENTRIES, QUERY_CACHE_BYTES): graphql's rules, strawberry's, our limits, and
    `extra_rules`. `.prepare(query)` gives the document or the errors that stop it."""
    rules = [*specified_rules, MaybeNullValidationRule, OneOfInputValidationRule, *extra_rules]
    return DocumentCache(
        schema._schema,
        rules,
        first=limit_rules(settings),
        max_tokens=settings.max_query_tokens,
        max_query_bytes=settings.max_query_bytes,
        entries=settings.query_cache_entries,
        max_bytes=settings.query_cache_bytes,
    )


def sdl() -> str:
    return build_schema().as_str() + "\n"
