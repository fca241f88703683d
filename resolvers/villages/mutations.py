"""Changing village profiles: the village rules for each step of `core.mutations.Work`."""

from __future__ import annotations

import math
import re
from typing import Any

from sqlalchemy import delete
from strawberry import UNSET

from core.context import Context
from core.db import upsert
from core.errors import ErrorCode, Forbidden
from core.mutations import Work
from core.photos import read_photo, stage
from models.base import utcnow
from models.regions import Region
from models.villages import CommitteeMember, Follow, VillageCover, VillageProfile
from resolvers.accounts import GrantsByAccountIdLoader, can_see_account
from resolvers.villages import policy

INTRODUCTION_MAX, NAME_MAX, POST_MAX, HOURS_MAX = 2000, 50, 50, 200
COMMITTEE_MAX = 30
# An office line as printed on a notice board: 023-57001201, +86 23 5700 1201, 12345.
PUBLIC_PHONE = re.compile(r"\+?[0-9][0-9 -]{3,18}[0-9]")
POPULATION_MAX, HOUSEHOLDS_MAX, AREA_MAX = 10_000_000, 5_000_000, 100_000.0


def _given(input: Any, name: str) -> bool:
    """Whether the client sent the field at all (null included): unsent fields stay as
    they are, null clears."""
    return getattr(input, name, UNSET) is not UNSET


async def update_profile(ctx: Context, input: Any) -> Region:
    """Partial update of a village's profile; the committee, when given, is replaced whole."""
    work = Work(ctx)
    v = work.input
    pk = v.id(input.id, "Region", "id")
    values: dict[str, Any] = {}
    for name, field, top in (
        ("population", "population", POPULATION_MAX),
        ("households", "households", HOUSEHOLDS_MAX),
        ("area_km2", "areaKm2", AREA_MAX),
    ):
        if _given(input, name):
            number = getattr(input, name)
            if number is not None and (not math.isfinite(number) or not 0 <= number <= top):
                v.fail(field, "out_of_range", min=0, max=top)
            values[name] = number
    if _given(input, "introduction"):
        values["introduction"] = v.text(input.introduction, "introduction", INTRODUCTION_MAX)
    members = _members(v, input) if _given(input, "committee") else None
    v.done()

    async with ctx.db.sessions() as session:
        region = await session.get(Region, pk)
    village = work.found(region, policy.can_read_village)
    if not policy.can_edit_village(work.viewer, village):
        raise Forbidden()
    if members:
        await _check_accounts(work, village, members)
    cover = None
    if _given(input, "cover_photo") and input.cover_photo is not None:
        cover = await read_photo(ctx, input.cover_photo, "coverPhoto", strip_location=True)
    staged = await stage(work.files, [cover] if cover else [])
    remove_cover = bool(getattr(input, "remove_cover_photo", False)) and not staged

    async def write(session) -> None:
        now = utcnow()
        profile = {"region_id": village.id, "updated_at": now, "updated_by_id": work.account_id}
        await upsert(session, VillageProfile, {**profile, **values}, ["region_id"])
        for key, image in staged:
            await upsert(
                session,
                VillageCover,
                {
                    "region_id": village.id,
                    "storage_key": key,
                    "content_type": image.content_type,
                    "width": image.width,
                    "height": image.height,
                    "size": len(image.data),
                    "created_at": now,
                },
                ["region_id"],
            )
        if remove_cover:  # the file goes with the orphan sweep, once no row names it
            await session.execute(delete(VillageCover).where(VillageCover.region_id == village.id))
        if members is not None:
            await session.execute(
                delete(CommitteeMember).where(CommitteeMember.region_id == village.id)
            )
            for position, member in enumerate(members):
                session.add(CommitteeMember(region_id=village.id, position=position, **member))

    await work.commit(write)
    return village


def _members(v, input: Any) -> list[dict[str, Any]]:
    """The committee as given, checked field by field (`committee.N.name`, ...)."""
    given = list(input.committee or [])
    if len(given) > COMMITTEE_MAX:
        v.fail("committee", "too_many_members", max=COMMITTEE_MAX)
        return []
    members = []
    for n, member in enumerate(given):
        at = f"committee.{n}"
        phone = v.text(member.public_phone, f"{at}.publicPhone", 20)
        if phone is not None and not PUBLIC_PHONE.fullmatch(phone.strip()):
            v.fail(f"{at}.publicPhone", "bad_phone")
        members.append(
            {
                "account_id": v.id(member.account_id, "Account", f"{at}.accountId"),
                "name": v.text(member.name, f"{at}.name", NAME_MAX, required=True),
                "post": v.text(member.post, f"{at}.post", POST_MAX, required=True),
                "office_hours": v.text(member.office_hours, f"{at}.officeHours", HOURS_MAX),
                "public_phone": phone.strip() if phone else None,
            }
        )
    return members


async def _check_accounts(work: Work, village: Region, members: list[dict[str, Any]]) -> None:
    """Linked accounts: NOT_FOUND for one the editor may not look up (unreadable looks
    missing), VALIDATION for one that holds no role in the village."""
    v = work.input
    ids = [m["account_id"] for m in members if m["account_id"] is not None]
    grants = dict(zip(ids, await GrantsByAccountIdLoader(work.ctx).load_many(ids), strict=True))
    for n, member in enumerate(members):
        account_id = member["account_id"]
        if account_id is None:
            continue
        paths = [path for _role, _region, path in grants[account_id]]
        field = f"committee.{n}.accountId"
        if not grants[account_id] or not can_see_account(work.viewer, account_id, paths):
            v.fail(field, "not_found", code=ErrorCode.NOT_FOUND)
        elif not policy.can_sit_on_committee(paths, village):
            v.fail(field, "not_in_village")
    v.done()


async def follow(ctx: Context, input: Any, following: bool) -> Region:
    """Follow (or stop following) a village: idempotent, one statement."""
    work = Work(ctx)
    pk = work.input.id(input.id, "Region", "id")
    work.input.done()
    async with ctx.db.sessions() as session:
        region = await session.get(Region, pk)
    village = work.found(region, policy.can_read_village)
    if not policy.can_follow(work.viewer, village):
        raise Forbidden()

    async def write(session) -> None:
        if following:
            values = {"account_id": work.account_id, "village_id": village.id}
            await upsert(session, Follow, {**values, "created_at": utcnow()}, list(values))
        else:
            await session.execute(
                delete(Follow).where(
                    Follow.account_id == work.account_id, Follow.village_id == village.id
                )
            )

    await work.commit(write)
    return village
