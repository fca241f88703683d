"""Transport: endpoints, the committed SDL, GraphiQL, error masking."""

from __future__ import annotations

from pathlib import Path

from schema import sdl
from tests.conftest import Api

ROOT = Path(__file__).resolve().parent.parent


def test_committed_sdl_matches_the_live_schema(api: Api):
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == sdl(), "schema.graphql is stale: run `make schema` and commit it"
    assert api.http.get("/schema.graphql").text == committed


def test_health_and_readiness(api: Api):
    assert api.http.get("/healthz").json() == {"status": "ok"}
    ready = api.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


def test_browser_get_shows_graphiql(api: Api):
    page = api.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


def test_queries_over_get(api: Api):
    response = api.http.get("/graphql", params={"query": "{ villages(first: 1) { totalCount } }"})
    assert response.status_code == 200
    assert response.json()["data"]["villages"]["totalCount"] >= 1


def test_chinese_is_sent_as_itself(api: Api):
    response = api.http.post(
        "/graphql", json={"query": "{ villages(first: 5) { edges { node { name } } } }"}
    )
    assert "天星村" in response.text


def test_regions_are_public_and_walk_the_tree(api: Api):
    data = api.ok(
        '{ villages(search: "天星", first: 5) { totalCount edges { node { id name '
        "level code parent { name level parent { level } } children(first: 10) "
        "{ totalCount edges { node { level } } } } } } }"
    )
    village = data["villages"]["edges"][0]["node"]
    assert data["villages"]["totalCount"] == 1 and village["name"] == "天星村"
    assert village["parent"]["level"] == "TOWNSHIP"
    assert village["parent"]["parent"]["level"] == "COUNTY"
    assert village["children"]["totalCount"] == 2
    assert {e["node"]["level"] for e in village["children"]["edges"]} == {"COURTYARD"}
    again = api.ok(
        "query($id: ID!) { region(id: $id) { name } node(id: $id) { id } }", {"id": village["id"]}
    )
    assert again["region"]["name"] == "天星村" and again["node"]["id"] == village["id"]


def test_villages_paginate_without_gaps(api: Api):
    seen, after = [], None
    while True:
        page = api.ok(
            "query($a: String) { villages(first: 2, after: $a) { totalCount pageInfo "
            "{ hasNextPage endCursor } edges { node { id } } } }",
            {"a": after},
        )
        seen += [e["node"]["id"] for e in page["villages"]["edges"]]
        if not page["villages"]["pageInfo"]["hasNextPage"]:
            break
        after = page["villages"]["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["villages"]["totalCount"] == 4


def test_production_masks_unexpected_errors_but_not_coded_ones():
    from graphql import GraphQLError

    from core.errors import Forbidden
    from schema.extensions import present

    bug = GraphQLError("boom: secret detail", original_error=RuntimeError("secret detail"))
    masked = present(bug, "en", mask=True).formatted
    assert masked["message"] == "Unexpected error."
    assert masked["extensions"] == {"code": "INTERNAL"}
    assert present(bug, "en", mask=False).message == "boom: secret detail"  # development
    coded = present(GraphQLError("x", original_error=Forbidden()), "en", mask=True).formatted
    assert coded["extensions"]["code"] == "FORBIDDEN"
    assert coded["message"] == "You are not allowed to do this."
    syntax = present(GraphQLError("Syntax Error: Unexpected Name"), "zh", mask=True)
    assert syntax.message == "Syntax Error: Unexpected Name"  # the client's mistake: shown
