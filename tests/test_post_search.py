"""The policy library: substring search of posts, Chinese included, ranked, within what the
viewer may read, bounded, on both databases (and served by a trigram index on PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text

from core.db import Database, create_engine
from tests.conftest import OTHER_RESIDENT, RESIDENT, TOWNSHIP, VILLAGE, Api
from tests.post_ops import DELETE, create, village_id

SEARCH = """query($q: String!, $v: ID, $kinds: [PostKind!], $first: Int, $after: String) {
  searchPosts(query: $q, villageId: $v, kinds: $kinds, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id kind title body village { name } } }
  }
}"""


def found(api: Api, phone: str, query: str, **variables) -> list[dict]:
    out, after = [], None
    while True:
        data = api.ok(SEARCH, {"q": query, "first": 2, "after": after, **variables}, as_=phone)
        page = data["searchPosts"]
        out += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


def test_a_two_character_chinese_word_finds_the_policy(api: Api):
    hits = found(api, RESIDENT, "低保")
    assert "农村低保申请条件" in [h["title"] for h in hits]
    assert all(h["kind"] in ("POLICY", "AFFAIRS") for h in hits)
    # Every word must be found; a word of the text counts as well as one of the title.
    assert [h["title"] for h in found(api, RESIDENT, "低保 户口簿")] == ["农村低保申请条件"]
    assert found(api, RESIDENT, "低保 不存在的词") == []


def test_titles_first_then_newest_and_pages_follow_the_ranking(api: Api):
    tianxing = village_id(api, "天星村")
    word = f"词{uuid.uuid4().hex[:6]}"
    older_title = create(api, VILLAGE, tianxing, kind="POLICY", title=f"{word}政策", body="正文")
    in_body = [
        create(api, VILLAGE, tianxing, kind="POLICY", title=f"政策 {n}", body=f"提到 {word}")
        for n in range(2)
    ]
    newer_title = create(
        api, VILLAGE, tianxing, kind="AFFAIRS", title=f"{word.upper()}公开", affairsKind="OTHER"
    )
    moment = create(api, RESIDENT, tianxing, body=f"随手拍 {word}")
    ids = [h["id"] for h in found(api, RESIDENT, word)]
    assert ids == [
        newer_title["post"]["id"],  # the title holds the word (any case), newest first
        older_title["post"]["id"],
        in_body[1]["post"]["id"],
        in_body[0]["post"]["id"],
    ]
    # Other kinds when asked for.
    moments = found(api, RESIDENT, word, kinds=["MOMENT"])
    assert [h["id"] for h in moments] == [moment["post"]["id"]]
    # A deleted post leaves the library.
    api.ok(DELETE, {"input": {"id": in_body[0]["post"]["id"]}}, as_=VILLAGE)
    assert in_body[0]["post"]["id"] not in [h["id"] for h in found(api, RESIDENT, word)]
    # Only what the viewer may read: 冯景凯 lives in another township.
    assert found(api, OTHER_RESIDENT, word) == []
    assert found(api, TOWNSHIP, word, v=tianxing)
    assert found(api, RESIDENT, word, v=village_id(api, "柳树村")) == []


def test_search_words_are_bounded(api: Api):
    for query, key in (("长" * 101, "too_long"), ("   ", "blank"), ("a b c d e f", "terms")):
        body = api.gql(SEARCH, {"q": query}, as_=RESIDENT)
        error = body["errors"][0]
        assert error["extensions"] == {"code": "VALIDATION", "field": "query"}, (key, body)
    body = api.gql(SEARCH, {"q": "低保"})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Wildcards are words like any other.
    assert found(api, RESIDENT, "%") == [] or all(
        "%" in h["body"] for h in found(api, RESIDENT, "%")
    )


def test_on_postgresql_a_trigram_index_serves_the_search(api: Api):
    if api.settings.is_sqlite:
        return  # no trigram index on SQLite: it scans the posts the viewer may read

    async def plan() -> str:
        db = Database(create_engine(api.settings.database_url))
        try:
            async with db.engine.connect() as conn:
                await conn.execute(text("SET enable_seqscan = off"))
                rows = await conn.execute(
                    text("EXPLAIN SELECT id FROM posts WHERE title ILIKE :p OR body ILIKE :p"),
                    {"p": "%申请条件%"},
                )
                return "\n".join(r[0] for r in rows)
        finally:
            await db.engine.dispose()

    shown = asyncio.run(plan())
    assert "ix_posts_title_trgm" in shown and "ix_posts_body_trgm" in shown, shown
