"""GraphQL documents and helpers the post tests share."""

from __future__ import annotations

from tests.conftest import Api, jpeg

POST_FIELDS = """
  id kind affairsKind title body honorees pinned pinnedAt createdAt editedAt
  village { id name } author { displayName } photos { url width height }
  market { priceCents unit quantity availableUntil }
  revisions { title body } likeCount viewerLikes commentCount allowedActions
"""
PAYLOAD = f"post {{ {POST_FIELDS} }} errors {{ code field message }}"


def op(name: str, input_type: str, payload: str = PAYLOAD) -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {payload} }} }}"


CREATE = op("createPost", "CreatePostInput")
EDIT = op("editPost", "EditPostInput")
DELETE = op("deletePost", "DeletePostInput", "deletedPostId errors { code field message }")
COMMENT = op(
    "commentOnPost",
    "CommentOnPostInput",
    "comment { id body author { displayName } replies { id } } post { commentCount } "
    "errors { code field message }",
)
LIKE = op("likePost", "LikePostInput")
UNLIKE = op("unlikePost", "UnlikePostInput")
PIN = op("pinPost", "PinPostInput")
FOLLOW = op("followVillage", "FollowVillageInput", "village { id } errors { code field message }")
UNFOLLOW = op(
    "unfollowVillage", "UnfollowVillageInput", "village { id } errors { code field message }"
)
FEED = f"""query($v: ID!, $kinds: [PostKind!], $first: Int, $after: String) {{
  feed(villageId: $v, kinds: $kinds, first: $first, after: $after) {{
    pageInfo {{ hasNextPage hasPreviousPage endCursor }}
    edges {{ cursor node {{ {POST_FIELDS} }} }}
  }}
}}"""
POST = f"query($id: ID!) {{ post(id: $id) {{ {POST_FIELDS} }} }}"


def village_id(api: Api, name: str) -> str:
    data = api.ok(
        "query($s: String!) { villages(search: $s) { edges { node { id } } } }", {"s": name}
    )
    (edge,) = data["villages"]["edges"]
    return edge["node"]["id"]


def create(api: Api, phone: str, village: str, *, photos: int = 0, **fields) -> dict:
    """Create a post (a MOMENT saying something unless told otherwise); the payload."""
    variables = {
        "input": {"villageId": village, "kind": "MOMENT", "body": "今天天气真好", **fields}
    }
    files = None
    if photos:
        variables["input"]["photos"] = [None] * photos
        files = {f"input.photos.{n}": jpeg() for n in range(photos)}
    return api.gql(CREATE, variables, as_=phone, files=files)["data"]["createPost"]


def errors_of(payload: dict) -> list[tuple[str, str | None]]:
    return sorted((e["code"], e["field"]) for e in payload["errors"])


def feed(api: Api, phone: str, village: str, **variables) -> dict | None:
    return api.ok(FEED, {"v": village, **variables}, as_=phone)["feed"]
