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

# What graphql's OverlappingFieldsCanBeMergedRule spends on two fields of one response name
# in one selection set, in units of about 0.12 µs (measured with graphql-core 3.3 on a
# 2-core server): leaves are compared at once; fields with selections compare their
# selections too, each pair of those.
LEAF_PAIR = 1
COMPOSITE_PAIR = 50


# Fields merged into selection sets (a fragment's fields into each set that spreads it)
# before `overlap` gives up: about 40 ms. A document that needs more spreads hundreds of
# fragments into each other; graphql's own check of it would take longer still.
MERGE_BUDGET = 50_000


class _TooMuchWork(Exception):
    pass


@dataclass(slots=True)
class Group:
    """The fields one selection set selects under one response name, fragments included."""

    count: int
    pair: int  # what comparing two of them costs (the dearest pair)


class Measurer:
    """Measures the operations of one document; each fragment is measured once."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.measured: dict[str, Measure] = {}
        self.visits: Counter[str] = Counter()  # fragment name -> times its body was measured
        self.fragment_groups: dict[str, dict[str, Group]] = {}
        self._pairs: dict[int, int] = {}  # id(selection set) -> what comparing two costs
        self.merges = 0  # work `overlap` has done, against MERGE_BUDGET
        self.document = document
        self.order = list(self._dependency_order())
        for name in self.order:
            self.visits[name] += 1
            self.measured[name] = self._measure(self.fragments[name].selection_set)

    def operation(self, node: OperationDefinitionNode) -> Measure:
        return self._measure(node.selection_set)

    def overlap(self) -> int | None:
        """What checking that same-named fields can merge costs the whole document, in the
        units of LEAF_PAIR: in every selection set of the document (each once, as graphql's
        rule visits them), each pair of fields under one response name, a fragment's fields
        counted once however often it is spread there. Twenty copies of `villages { edges {
        node { children { totalCount } ... } } }` are each compared with each other, all the
        way down: a 12 KB query that took graphql a second.

        None when even counting would take too long (more than MERGE_BUDGET fields merged
        into the selection sets that spread them): such a document is refused too."""
        try:
            for name in self.order:
                self.fragment_groups[name] = self._groups(self.fragments[name].selection_set)
            return self._overlap()
        except _TooMuchWork:
            return None

    def _overlap(self) -> int:
        total = 0
        stack: list[SelectionSetNode] = [
            d.selection_set
            for d in self.document.definitions
            if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
        ]
        while stack:
            selection_set = stack.pop()
            for group in self._groups(selection_set).values():
                total += group.count * (group.count - 1) // 2 * group.pair
            for selection in selection_set.selections:
                if (
                    isinstance(selection, FieldNode | InlineFragmentNode)
                    and selection.selection_set
                ):
                    stack.append(selection.selection_set)
        return total

    def _groups(self, selection_set: SelectionSetNode | None) -> dict[str, Group]:
        """The set's fields by response name: its own, its inline fragments', and each
        fragment it spreads (measured already, once however often it is spread)."""
        groups: dict[str, Group] = {}

        def add(name: str, count: int, pair: int) -> None:
            self.merges += 1
            if self.merges > MERGE_BUDGET:
                raise _TooMuchWork
            found = groups.get(name)
            if found is None:
                groups[name] = Group(count, pair)
            else:
                found.count += count
                found.pair = max(found.pair, pair)

        spread: set[str] = set()
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                name = (selection.alias or selection.name).value
                if selection.selection_set:
                    add(name, 1, COMPOSITE_PAIR + self._pair(selection.selection_set))
                else:
                    add(name, 1, LEAF_PAIR)
            elif isinstance(selection, InlineFragmentNode):
                for name, group in self._groups(selection.selection_set).items():
                    add(name, group.count, group.pair)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in spread:
                spread.add(selection.name.value)
                for name, group in self.fragment_groups.get(selection.name.value, {}).items():
                    add(name, group.count, group.pair)
        return groups

    def _pair(self, selection_set: SelectionSetNode) -> int:
        """What comparing two fields with this selection costs: every pair of their fields
        under one response name."""
        key = id(selection_set)
        if key not in self._pairs:
            self._pairs[key] = sum(
                g.count * g.count * g.pair for g in self._groups(selection_set).values()
            )
        return self._pairs[key]

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


def query_limits(
    max_depth: int, max_aliases: int, max_cost: int, max_overlap: int
) -> type[ASTValidationRule]:
    """The validation rule for these limits. Run it before graphql's own rules, and them only
    if it finds nothing (`DocumentCache` does): graphql's rules validate in one pass, and
    OverlappingFieldsCanBeMergedRule would spend its second on a document refused here."""

    class QueryLimits(ASTValidationRule):
        limits: Mapping[str, int] = MappingProxyType(
            {"depth": max_depth, "aliases": max_aliases, "cost": max_cost}
        )

        def enter_document(self, node: DocumentNode, *_args) -> object:
            measurer = Measurer(node)
            refused = False
            for definition in node.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    refused |= self.check(definition, measurer.operation(definition))
            if refused:
                return SKIP  # `overlap` may be dear on such a document, and it is refused
            overlap = measurer.overlap()
            if overlap is None or overlap > max_overlap:
                counted = "too many to count" if overlap is None else shown(overlap)
                self.report_error(
                    GraphQLError(
                        "The document selects the same fields under the same names too often "
                        f"to check that they can be merged ({counted} comparisons; the "
                        f"most allowed is {max_overlap:,}).",
                        extensions={"code": CODE, "limit": "overlap", "max": max_overlap},
                    )
                )
            return SKIP  # everything this rule needs is measured: no need to walk the tree

        def check(self, operation: OperationDefinitionNode, measure: Measure) -> bool:
            name = f"'{operation.name.value}'" if operation.name else "The operation"
            found = {
                "depth": (measure.depth, "is {value} levels deep; the maximum operation depth"),
                "aliases": (measure.aliases, "has {value} aliases; the most aliases allowed"),
                "cost": (
                    measure.cost,
                    "selects {value} fields once its fragments are expanded; the most allowed",
                ),
            }
            refused = False
            for limit, (value, words) in found.items():
                ceiling = self.limits[limit]
                if value > ceiling:
                    refused = True
                    message = f"{name} {words.format(value=shown(value))} is {ceiling:,}."
                    self.report_error(
                        GraphQLError(
                            message,
                            operation,
                            extensions={"code": CODE, "limit": limit, "max": ceiling},
                        )
                    )
            return refused

    return QueryLimits


def shown(value: int) -> str:
    """A measure for a message: past 10^12 (fragments can make it any size) in words."""
    return f"{value:,}" if value < 10**12 else "more than 10^12"


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
        first=(),  # rules run alone before `rules`, which run only if these find nothing
        max_tokens: int,
        max_query_bytes: int,
        entries: int,
        max_bytes: int,
        validate=None,  # (schema, document, rules) -> errors; graphql.validate by default
    ) -> None:
        from graphql import validate as graphql_validate

        self.schema = schema
        self.rules = tuple(rules)
        self.first = tuple(first)
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
            document = prepared.document
            errors = list(self._validate(self.schema, document, self.first)) if self.first else []
            prepared.errors = errors or list(self._validate(self.schema, document, self.rules))
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
