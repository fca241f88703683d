"""Village types, queries and mutations: profiles, committees, courtyards, figures."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from models import regions as rm
from models import villages as m
from resolvers.regions import ChildrenByRegionIdLoader, RegionByIdLoader
from resolvers.villages import mutations, policy, queries
from resolvers.villages.loaders import (
    CommitteeByRegionIdLoader,
    CoverByRegionIdLoader,
    GridHeadsByRegionIdLoader,
    ProfileByRegionIdLoader,
)
from schema.accounts import Account, account_or_none
from schema.common import Photo, UserError, payload
from schema.regions import Region


@strawberry.type(
    description="A seat on the village committee (村委会), as the village publishes it."
)
class CommitteeMember:
    name: str = strawberry.field(description="The member's name, e.g. 何勇.")
    post: str = strawberry.field(description="Their post, e.g. 党支部书记 or 村委会主任.")
    office_hours: str | None = strawberry.field(
        description="When to find them, e.g. 周一至周五 9:00-17:00 村委会办公室."
    )
    public_phone: str | None = strawberry.field(
        description="The public contact the village publishes (an office line): shown to "
        "everyone. The member's own phone is `account.phone`, shown as the contract says."
    )
    account_id: strawberry.Private[int | None]

    @strawberry.field(
        description="The member's account, when linked; its `phone` is shown only to its "
        "owner and to officials whose jurisdiction covers it."
    )
    async def account(self, info: Info) -> Account | None:
        return await account_or_none(info, self.account_id)


@strawberry.type(description="A courtyard (院落/网格) of a village and its grid heads.")
class Courtyard:
    row: strawberry.Private[rm.Region]

    @strawberry.field(description="The courtyard's region.")
    def region(self) -> Region:
        return Region.from_model(self.row)

    @strawberry.field(
        description="Its grid heads (网格员/院长); their `phone` follows the contract (owner "
        "and officials covering them)."
    )
    async def grid_heads(self, info: Info) -> list[Account]:
        heads = await GridHeadsByRegionIdLoader(info).load(self.row.id)
        return [Account.from_model(a) for a in heads]


@strawberry.type(description="The figures residents ask about, counted when asked.")
class VillageFigures:
    region_id: strawberry.Private[int]

    @strawberry.field(
        description="Issues reported in the village and its courtyards since the first of "
        "this month (`TIME_ZONE`, China Standard Time by default). Per status, level and "
        "category: `issueCounts(filter: { regionId })` or `dashboard(regionId)`, for those "
        "who may read the issues."
    )
    async def issues_this_month(self, info: Info) -> int:
        return (await queries.issues_this_month(info.context, self.region_id)).reported

    @strawberry.field(
        description="Of this month's issues, the share resolved by their deadline, counted "
        "as the dashboards count it (`Dashboard.onTime`): resolved on time / (resolved + "
        "still open past the deadline), so an overdue issue is never hidden; 0 to 1, null "
        "while none is resolved or overdue."
    )
    async def on_time_share_this_month(self, info: Info) -> float | None:
        figures = await queries.issues_this_month(info.context, self.region_id)
        return figures.on_time / figures.counted if figures.counted else None

    @strawberry.field(description="Posts published in the village's feed in the last 7 days.")
    async def posts_this_week(self, info: Info) -> int:
        return await queries.posts_this_week(info.context, self.region_id)


@strawberry.type(description="A village's profile: what its home page shows.")
class VillageProfile:
    row: strawberry.Private[rm.Region]

    @classmethod
    def of(cls, region: rm.Region) -> VillageProfile:
        return cls(row=region)

    async def _profile(self, info: Info) -> m.VillageProfile | None:
        return await ProfileByRegionIdLoader(info).load(self.row.id)

    @strawberry.field(description="Registered residents; null when not published.")
    async def population(self, info: Info) -> int | None:
        profile = await self._profile(info)
        return profile.population if profile else None

    @strawberry.field(description="Households (户); null when not published.")
    async def households(self, info: Info) -> int | None:
        profile = await self._profile(info)
        return profile.households if profile else None

    @strawberry.field(description="Area in square kilometres; null when not published.")
    async def area_km2(self, info: Info) -> float | None:
        profile = await self._profile(info)
        return profile.area_km2 if profile else None

    @strawberry.field(description="A short introduction, as the village wrote it.")
    async def introduction(self, info: Info) -> str | None:
        profile = await self._profile(info)
        return profile.introduction if profile else None

    @strawberry.field(description="When the profile was last changed; null if never written.")
    async def updated_at(self, info: Info) -> datetime | None:
        profile = await self._profile(info)
        return profile.updated_at if profile else None

    @strawberry.field(description="The cover photo; null when there is none.")
    async def cover_photo(self, info: Info) -> Photo | None:
        cover = await CoverByRegionIdLoader(info).load(self.row.id)
        return Photo.from_model(cover) if cover else None

    @strawberry.field(description="The village committee, in the order the village lists it.")
    async def committee(self, info: Info) -> list[CommitteeMember]:
        members = await CommitteeByRegionIdLoader(info).load(self.row.id)
        return [
            CommitteeMember(
                name=c.name,
                post=c.post,
                office_hours=c.office_hours,
                public_phone=c.public_phone,
                account_id=c.account_id,
            )
            for c in members
        ]

    @strawberry.field(description="The village's courtyards (院落/网格) and their grid heads.")
    async def courtyards(self, info: Info) -> list[Courtyard]:
        return [Courtyard(row=r) for r in await ChildrenByRegionIdLoader(info).load(self.row.id)]

    @strawberry.field(description="Figures: counted only when selected.")
    def figures(self) -> VillageFigures:
        return VillageFigures(region_id=self.row.id)

    @strawberry.field(description="Whether the viewer may change the profile.")
    def can_edit(self, info: Info) -> bool:
        return policy.can_edit_village(info.context.viewer, self.row)

    @strawberry.field(description="Whether the viewer follows the village (`followVillage`).")
    async def viewer_follows(self, info: Info) -> bool:
        return self.row.id in await queries.followed(info.context)

    @strawberry.field(
        description="Whether the viewer may read the village's feed: its members (who live "
        "or work in it, and the officials and deputies above it) and its followers."
    )
    async def viewer_reads_feed(self, info: Info) -> bool:
        return await queries.readable_feed(info.context, self.row) is not None


@strawberry.type
class VillageQueries:
    @strawberry.field(
        description="One village (村/社区) by its region ID, with its `profile`; null when "
        "the ID is no village's."
    )
    async def village(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The village's region ID.")],
    ) -> Region | None:
        row = await queries.village(info.context, id)
        return Region.from_model(row) if row else None

    @strawberry.field(
        description="The villages the viewer follows (as a digital villager, 数字村民), by ID."
    )
    async def followed_villages(self, info: Info) -> list[Region]:
        info.context.require_viewer()
        ids = sorted(await queries.followed(info.context))
        rows = await RegionByIdLoader(info).load_many(ids)
        return [Region.from_model(r) for r in rows if r is not None]


@strawberry.input(description="One committee seat of `updateVillageProfile`.")
class CommitteeMemberInput:
    name: str = strawberry.field(description="The member's name (at most 50 characters).")
    post: str = strawberry.field(description="Their post, e.g. 村委会主任 (at most 50).")
    office_hours: str | None = strawberry.field(
        default=None, description="When to find them (at most 200 characters)."
    )
    public_phone: str | None = strawberry.field(
        default=None, description="An office line to publish; shown to everyone."
    )
    account_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Their account, if they have one: it must hold a role in the village.",
    )


UNCHANGED = " Leave out to keep it; null clears it."


@strawberry.input(description="Input of `updateVillageProfile`: only the fields sent change.")
class UpdateVillageProfileInput:
    id: strawberry.ID = strawberry.field(description="The village's region ID.")
    population: int | None = strawberry.field(
        default=strawberry.UNSET, description="Registered residents (0 to 10,000,000)." + UNCHANGED
    )
    households: int | None = strawberry.field(
        default=strawberry.UNSET, description="Households (0 to 5,000,000)." + UNCHANGED
    )
    area_km2: float | None = strawberry.field(
        default=strawberry.UNSET, description="Area in km² (0 to 100,000)." + UNCHANGED
    )
    introduction: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A short introduction (at most 2,000 characters)." + UNCHANGED,
    )
    cover_photo: Upload | None = strawberry.field(
        default=strawberry.UNSET,
        description="A new cover photo, as a multipart upload (JPEG, PNG or WebP; stored "
        "re-encoded, without any metadata).",
    )
    remove_cover_photo: bool = strawberry.field(
        default=False, description="Remove the cover photo (ignored when a new one is sent)."
    )
    committee: list[CommitteeMemberInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The whole committee, in order (at most 30), replacing the one listed."
        + UNCHANGED,
    )


@strawberry.type(description="What `updateVillageProfile` did.")
class UpdateVillageProfilePayload:
    village: Region | None = strawberry.field(
        description="The village, its `profile` as changed; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success."
    )


@strawberry.type
class VillageMutations:
    @strawberry.mutation(
        description="Change a village's profile (its officials: village, township or county)."
    )
    async def update_village_profile(
        self,
        info: Info,
        input: Annotated[
            UpdateVillageProfileInput, strawberry.argument(description="Which village, what.")
        ],
    ) -> UpdateVillageProfilePayload:
        async def changed() -> dict:
            row = await mutations.update_profile(info.context, input)
            return {"village": Region.from_model(row)}

        return await payload(info, UpdateVillageProfilePayload, changed())


@strawberry.input(description="Input of `followVillage`.")
class FollowVillageInput:
    id: strawberry.ID = strawberry.field(description="The village's region ID.")


@strawberry.input(description="Input of `unfollowVillage`.")
class UnfollowVillageInput:
    id: strawberry.ID = strawberry.field(description="The village's region ID.")


@strawberry.type(description="What `followVillage` or `unfollowVillage` did.")
class FollowVillagePayload:
    village: Region | None = strawberry.field(
        description="The village; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(
        description="Why nothing was changed; empty on success."
    )


@strawberry.type
class FollowMutations:
    @strawberry.mutation(
        description="Follow a village (a digital villager, 数字村民, of a hometown): read its "
        "feed, comment and like. Following twice is following once."
    )
    async def follow_village(
        self,
        info: Info,
        input: Annotated[FollowVillageInput, strawberry.argument(description="Which village.")],
    ) -> FollowVillagePayload:
        async def done() -> dict:
            return {"village": Region.from_model(await mutations.follow(info.context, input, True))}

        return await payload(info, FollowVillagePayload, done())

    @strawberry.mutation(description="Stop following a village.")
    async def unfollow_village(
        self,
        info: Info,
        input: Annotated[UnfollowVillageInput, strawberry.argument(description="Which village.")],
    ) -> FollowVillagePayload:
        async def done() -> dict:
            row = await mutations.follow(info.context, input, False)
            return {"village": Region.from_model(row)}

        return await payload(info, FollowVillagePayload, done())
