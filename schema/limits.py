"""Query limits: depth, aliases and cost, counted after fragment expansion.

A fragment spread weighs what its fragment weighs, so `...F1 ...F1` counts F1 twice and
twenty such levels weigh a million fields. The weight of each fragment is computed once,
memoised by name, in dependency order: measuring is linear in the size of the document
however much the expansion multiplies (strawberry's depth and alias limiters walked every
expanded path, and twenty levels took seconds). Cycles are refused by graphql's own
NoFragmentCyclesRule; here a fragment met again while it is being measured, or one that is
not defined (KnownFragmentNamesRule), weighs nothing, so no document can make this loop.

One rule, `QueryLimits`, checks all three per operation, with a coded error
(`extensions.code = "QUERY_TOO_COMPLEX"`, `limit`: depth, aliases or cost, `max`). HTTP and
the websocket protocol both validate with `schema.limit_rules`.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)
from graphql.language import SKIP

CODE = "QUERY_TOO_COMPLEX"


@dataclass(frozen=True, slots=True)
class Measure:
    """What a selection set weighs once every fragment spread in it is expanded."""

    depth: int = 0  # nested selection sets under the root (introspection fields: not counted)
    aliases: int = 0  # aliased fields
    cost: int = 0  # fields

    def __add__(self, other: Measure) -> Measure:
        return Measure(
            max(self.depth, other.depth), self.aliases + other.aliases, self.cost + other.cost
        )


NOTHING = Measure()


class Measurer:
    """Measures the operations of one document; each fragment is measured once."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.measured: dict[str, Measure] = {}
        self.visits: Counter[str] = Counter()  # fragment name -> times its body was measured
        for name in self._dependency_order():
            self.visits[name] += 1
            self.measured[name] = self._measure(self.fragments[name].selection_set)

    def operation(self, node: OperationDefinitionNode) -> Measure:
        return self._measure(node.selection_set)

    def _dependency_order(self) -> Iterator[str]:
        """Every defined fragment, each after the fragments it spreads (iteratively: a long
        chain of fragments must not exhaust the stack). A fragment reached again while its
        own dependencies are being listed is part of a cycle and is not waited for."""
        seen: set[str] = set()
        for root in self.fragments:
            if root in seen:
                continue
            seen.add(root)
            stack = [(root, iter(self._spreads(self.fragments[root].selection_set)))]
            while stack:
                name, pending = stack[-1]
                for spread in pending:
                    if spread in self.fragments and spread not in seen:
                        seen.add(spread)
                        body = self.fragments[spread].selection_set
                        stack.append((spread, iter(self._spreads(body))))
                        break
                else:
                    stack.pop()
                    yield name

    def _spreads(self, selection_set: SelectionSetNode | None) -> list[str]:
        names: list[str] = []
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FragmentSpreadNode):
                names.append(selection.name.value)
            elif isinstance(selection, FieldNode | InlineFragmentNode):
                names += self._spreads(selection.selection_set)
        return names

    def _measure(self, selection_set: SelectionSetNode | None) -> Measure:
        depth = aliases = cost = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                inner = self._measure(selection.selection_set)
                cost += 1 + inner.cost
                aliases += inner.aliases + (1 if selection.alias else 0)
                if selection.selection_set and not selection.name.value.startswith("__"):
                    depth = max(depth, 1 + inner.depth)
            else:
                if isinstance(selection, FragmentSpreadNode):
                    # Measured already, or unknown, or part of a cycle: then it weighs nothing.
                    inner = self.measured.get(selection.name.value, NOTHING)
                else:
                    assert isinstance(selection, InlineFragmentNode)
                    inner = self._measure(selection.selection_set)
                depth = max(depth, inner.depth)
                aliases += inner.aliases
                cost += inner.cost
        return Measure(depth, aliases, cost)


def query_limits(max_depth: int, max_aliases: int, max_cost: int) -> type[ASTValidationRule]:
    """The validation rule for these limits (make it once: the validation cache keys on it)."""

    class QueryLimits(ASTValidationRule):
        limits: Mapping[str, int] = MappingProxyType(
            {"depth": max_depth, "aliases": max_aliases, "cost": max_cost}
        )

        def enter_document(self, node: DocumentNode, *_args) -> object:
            measurer = Measurer(node)
            for definition in node.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    self.check(definition, measurer.operation(definition))
            return SKIP  # everything this rule needs is measured: no need to walk the tree

        def check(self, operation: OperationDefinitionNode, measure: Measure) -> None:
            name = f"'{operation.name.value}'" if operation.name else "The operation"
            found = {
                "depth": (measure.depth, "is {value} levels deep; the maximum operation depth"),
                "aliases": (measure.aliases, "has {value} aliases; the most aliases allowed"),
                "cost": (
                    measure.cost,
                    "selects {value} fields once its fragments are expanded; the most allowed",
                ),
            }
            for limit, (value, words) in found.items():
                ceiling = self.limits[limit]
                if value > ceiling:
                    shown = f"{value:,}" if value < 10**12 else "more than 10^12"
                    message = f"{name} {words.format(value=shown)} is {ceiling:,}."
                    self.report_error(
                        GraphQLError(
                            message,
                            operation,
                            extensions={"code": CODE, "limit": limit, "max": ceiling},
                        )
                    )

    return QueryLimits


# --- documents: parsed and validated once, in a cache of bounded size -------------------

QUERY_TOO_LARGE = "QUERY_TOO_LARGE"


def query_size_error(query: str, max_bytes: int) -> GraphQLError | None:
    """A coded error when the query text is over `max_bytes` in UTF-8 (MAX_QUERY_BYTES)."""
    if len(query) * 4 <= max_bytes:  # the common case, without encoding anything
        return None
    size = len(query) if len(query) > max_bytes else len(query.encode("utf-8", "surrogatepass"))
    if size <= max_bytes:
        return None
    return GraphQLError(
        f"The query text is {size:,} bytes; the most allowed is {max_bytes:,}.",
        extensions={"code": QUERY_TOO_LARGE, "max": max_bytes},
    )


@dataclass(slots=True)
class Prepared:
    """One query text: its document, or why it does not parse; its validation errors once
    validated."""

    query: str
    document: DocumentNode | None
    errors: list[GraphQLError] | None  # the parse error, or validation errors; None: not yet
    weight: int


# What one cached query costs in memory, roughly: its text is held twice (the source and a
# comment or string token), and every token with its AST node about 400 bytes (measured
# with tracemalloc: 2,222 tokens of aliased fields hold 865 KiB).
BYTES_PER_TOKEN = 400


class DocumentCache:
    """Parse and validation results by query text, for documents that are valid: least
    recently used first out, bounded by `entries` and by an estimate of the memory they hold
    (`max_bytes`). A query text is at most `max_query_bytes` and `max_tokens` tokens, so no
    entry is large and their sum is bounded. (The caches this replaces held 512 of any size:
    512 documents of 3,000 tokens are 430 MB, and comments cost no tokens at all.)

    Documents that fail to parse or validate are not kept: a client that sends the same bad
    query twice is rare, an attacker varies the text anyway, and every kept document is
    objects the garbage collector scans on each full collection, for every request."""

    def __init__(
        self,
        schema,  # graphql.GraphQLSchema
        rules,  # validation rules, in order
        *,
        max_tokens: int,
        max_query_bytes: int,
        entries: int,
        max_bytes: int,
        validate=None,  # (schema, document, rules) -> errors; graphql.validate by default
    ) -> None:
        from graphql import validate as graphql_validate

        self.schema = schema
        self.rules = tuple(rules)
        self.max_tokens = max_tokens
        self.max_query_bytes = max_query_bytes
        self.entries = entries
        self.max_bytes = max_bytes
        self._validate = validate or graphql_validate
        self.cached: OrderedDict[str, Prepared] = OrderedDict()
        self.weight = 0

    def get(self, query: str) -> Prepared:
        """The query parsed (or its syntax error); a text over MAX_QUERY_BYTES is an error
        and is never parsed."""
        found = self.cached.get(query)
        if found is not None:
            self.cached.move_to_end(query)
            return found
        too_large = query_size_error(query, self.max_query_bytes)
        if too_large is not None:
            return Prepared(query, None, [too_large], 0)
        try:
            document = parse(query, max_tokens=self.max_tokens)
        except GraphQLError as error:
            return Prepared(query, None, [error], 0)
        except RecursionError:  # nested deeper than the parser's stack allows
            too_deep = GraphQLError(
                "Syntax Error: the query is nested too deeply.",
                extensions={"code": CODE, "limit": "depth"},
            )
            return Prepared(query, None, [too_deep], 0)
        weight = 2 * len(query) + BYTES_PER_TOKEN * tokens(document)
        return Prepared(query, document, None, weight)

    def validated(self, prepared: Prepared) -> list[GraphQLError]:
        """Its validation errors; a valid document is kept from now on."""
        if prepared.errors is None:
            assert prepared.document is not None
            prepared.errors = list(self._validate(self.schema, prepared.document, self.rules))
            if not prepared.errors:
                self._keep(prepared)
        return prepared.errors

    def prepare(self, query: str) -> DocumentNode | list[GraphQLError]:
        """The valid document, or the errors that keep it from running."""
        prepared = self.get(query)
        errors = self.validated(prepared)
        if errors or prepared.document is None:
            return errors
        return prepared.document

    def _keep(self, prepared: Prepared) -> None:
        if prepared.weight > self.max_bytes // 4 or prepared.query in self.cached:
            return  # one entry may not crowd out the rest
        self.cached[prepared.query] = prepared
        self.weight += prepared.weight
        while len(self.cached) > self.entries or self.weight > self.max_bytes:
            _, dropped = self.cached.popitem(last=False)
            self.weight -= dropped.weight


def tokens(document: DocumentNode) -> int:
    """How many tokens the parser made for the document (they stay linked from its nodes)."""
    count, token = 0, document.loc.start_token if document.loc else None
    while token is not None:
        count += 1
        token = token.next
    return count
