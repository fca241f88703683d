"""The schema as clients see it through introspection: everything described, custom scalars
pointing at their specifications (so codegen can map them), one input type per mutation."""

from __future__ import annotations

import re

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    build_client_schema,
    get_introspection_query,
    specified_scalar_types,
)

from tests.conftest import COUNTY, Api


def introspect(api: Api) -> GraphQLSchema:
    query = get_introspection_query(
        descriptions=True, specified_by_url=True, input_value_deprecation=True
    )
    return build_client_schema(api.ok(query))


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Every type, field, argument, input field, enum value and directive (with its
    arguments) that has no description."""
    missing = []

    def check(what: str, description: str | None) -> None:
        if not (description and description.strip()):
            missing.append(what)

    for name, t in schema.type_map.items():
        if name.startswith("__"):
            continue
        check(name, t.description)
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in t.fields.items():
                check(f"{name}.{field_name}", field.description)
                for arg_name, arg in field.args.items():
                    check(f"{name}.{field_name}({arg_name})", arg.description)
        elif isinstance(t, GraphQLInputObjectType):
            for field_name, input_field in t.fields.items():
                check(f"{name}.{field_name}", input_field.description)
        elif isinstance(t, GraphQLEnumType):
            for value_name, value in t.values.items():
                check(f"{name}.{value_name}", value.description)
    for directive in schema.directives:
        check(f"@{directive.name}", directive.description)
        for arg_name, arg in directive.args.items():
            check(f"@{directive.name}({arg_name})", arg.description)
    return missing


def test_everything_in_the_schema_has_a_description(api: Api):
    assert undescribed(introspect(api)) == []


def test_custom_scalars_carry_specified_by(api: Api):
    schema = introspect(api)
    custom = {
        name: t.specified_by_url
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLScalarType) and name not in specified_scalar_types
    }
    assert {"DateTime", "Upload"} <= custom.keys()
    assert [name for name, url in custom.items() if not url] == []
    assert custom["DateTime"] == "https://scalars.graphql.org/andimarek/date-time"
    assert custom["Upload"] == "https://github.com/jaydenseric/graphql-multipart-request-spec"


def test_datetime_values_follow_their_specification(api: Api):
    """RFC 3339 with an offset, as the andimarek date-time spec requires."""
    data = api.ok(
        "{ issues(first: 5) { edges { node { createdAt timeline(first: 1) "
        "{ edges { node { at } } } } } } }",
        as_=COUNTY,
    )
    stamps = [e["node"]["createdAt"] for e in data["issues"]["edges"]] + [
        t["node"]["at"] for e in data["issues"]["edges"] for t in e["node"]["timeline"]["edges"]
    ]
    rfc3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
    assert stamps and all(rfc3339.fullmatch(s) for s in stamps), stamps


def test_each_mutation_has_an_input_type_of_its_own(api: Api):
    schema = introspect(api)
    assert schema.mutation_type is not None
    seen: dict[str, str] = {}
    for name, field in schema.mutation_type.fields.items():
        if "input" not in field.args:
            assert name in {"login", "logout"}, f"{name} takes no `input`"
            continue
        input_type = field.args["input"].type
        assert isinstance(input_type, GraphQLNonNull), name
        type_name = input_type.of_type.name
        assert type_name == f"{name[0].upper()}{name[1:]}Input", (name, type_name)
        assert type_name not in seen, f"{name} shares {type_name} with {seen.get(type_name)}"
        seen[type_name] = name
    assert "IssueNoteInput" not in schema.type_map and "IssueEvidenceInput" not in schema.type_map
