"""The schema as clients see it through introspection: everything described, custom scalars
pointing at their specifications (so codegen can map them), one input type per mutation; and
photo URLs that work from another origin."""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urlsplit

import httpx
import pytest
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

from core.config import Settings
from server import create_app
from tests.conftest import COUNTY, RESIDENT, Api, ServerThread
from tests.issue_ops import ok, report


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


# --- Photo.url: absolute, for clients on another origin --------------------------------

PHOTO_URLS = "query($id: ID!) { issue(id: $id) { photos { url } } }"


def photo_url(api: Api, issue_id: str, headers: dict | None = None) -> str:
    response = api.http.post(
        "/graphql",
        json={"query": PHOTO_URLS, "variables": {"id": issue_id}},
        headers={"authorization": f"Bearer {api.token(RESIDENT)}", **(headers or {})},
    )
    return response.json()["data"]["issue"]["photos"][0]["url"]


@pytest.fixture(scope="module")
def issue_with_photo(api: Api) -> str:
    return ok(report(api, RESIDENT, api.region_of(RESIDENT), photos=1))["issue"]["id"]


def test_photo_urls_are_absolute_on_the_host_the_request_came_to(api: Api, issue_with_photo):
    url = photo_url(api, issue_with_photo)
    assert url.startswith(f"{api.server.url}/media/"), url
    image = httpx.get(url)  # as an <img> on another origin would: no header, no cookie
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    # Behind a reverse proxy uvicorn trusts (loopback by default; FORWARDED_ALLOW_IPS): the
    # scheme it forwards and the Host the client asked for.
    proxied = photo_url(
        api, issue_with_photo, {"x-forwarded-proto": "https", "host": "api.example.gov.cn"}
    )
    assert proxied.startswith("https://api.example.gov.cn/media/"), proxied
    assert urlsplit(proxied)[2:] == urlsplit(url)[2:]  # the same signed path and query


def test_photo_urls_use_public_base_url_when_set(api: Api, issue_with_photo):
    settings = replace(api.settings, demo_data=False, public_base_url="https://gov.example/api")
    with ServerThread(create_app(settings)) as server:
        other = api.on(server.url)
        for headers in (None, {"x-forwarded-proto": "http", "host": "internal:8000"}):
            url = photo_url(other, issue_with_photo, headers)
            assert url.startswith("https://gov.example/api/media/"), url


def test_public_base_url_setting():
    def base(value: str) -> str | None:
        return Settings.from_env({"PUBLIC_BASE_URL": value, "SECRET_KEY": "x"}).public_base_url

    assert base("https://api.example.gov.cn/") == "https://api.example.gov.cn"
    assert base("http://10.0.0.5:8080/grassroots") == "http://10.0.0.5:8080/grassroots"
    assert base("") is None
    for bad in ("api.example.gov.cn", "ftp://x", "https://x/?q=1"):
        with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
            base(bad)
