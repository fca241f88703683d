"""Photos: real multipart uploads, location stripped from anonymous reports, decoded off the
event loop a bounded number at a time, and files no row refers to swept away."""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from PIL import ExifTags, Image

import core.images as core_images
import core.photos as photos_module
from core.config import Settings
from core.db import Database, create_engine
from core.images import ImageDecoder, NotAnImage, check_image
from core.orphans import sweep_orphans
from core.storage import LocalStorage
from server import create_app
from tests.conftest import GRID, RESIDENT, Api, ServerThread, jpeg
from tests.issue_ops import REPORT


def gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "VillagePhone"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (31.0, 4.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (109.0, 52.0, 10.0),
    }
    return jpeg(exif=exif.tobytes())


def report_with(api: Api, data: bytes, anonymous: bool) -> dict:
    variables = {
        "input": {
            "regionId": api.region_of(GRID),
            "category": "DISPUTE",
            "title": "邻里纠纷",
            "description": "需要调解。",
            "anonymous": anonymous,
            "photos": [None],
        }
    }
    body = api.gql(REPORT, variables, as_=RESIDENT, files={"input.photos.0": data})
    payload = body["data"]["reportIssue"]
    assert payload["errors"] == [], payload
    return payload["issue"]


def served_exif(api: Api, issue: dict) -> Image.Exif:
    response = api.http.get(issue["photos"][0]["url"])
    assert response.status_code == 200
    return Image.open(io.BytesIO(response.content)).getexif()


def test_anonymous_reports_lose_photo_location(api: Api):
    issue = report_with(api, gps_jpeg(), anonymous=True)
    exif = served_exif(api, issue)
    assert exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert exif.get(ExifTags.Base.Make) is None  # nor anything else: tests/test_photo_privacy


def test_named_reports_keep_photo_location(api: Api):
    issue = report_with(api, gps_jpeg(), anonymous=False)
    gps = served_exif(api, issue).get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitudeRef] == "N"


def test_a_disguised_file_is_refused_and_nothing_is_written(api: Api):
    before = api.ok("{ issues(filter: {reportedByMe: true}) { totalCount } }", as_=RESIDENT)
    truncated = jpeg()[:200]  # a JPEG header, then nothing: not a whole image
    variables = {
        "input": {
            "regionId": api.region_of(GRID),
            "category": "ROADS",
            "title": "坏照片",
            "description": "照片损坏",
            "photos": [None, None],
        }
    }
    body = api.gql(
        REPORT,
        variables,
        as_=RESIDENT,
        files={"input.photos.0": jpeg(), "input.photos.1": truncated},
    )
    errors = body["data"]["reportIssue"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("VALIDATION", "photos.1")]
    after = api.ok("{ issues(filter: {reportedByMe: true}) { totalCount } }", as_=RESIDENT)
    assert after == before


# --- decoding: off the event loop, a bounded number at a time -----------------------------


class HeldDecodes:
    """`check_image` replaced by one that waits for the test's say-so, counting who runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.real = core_images.check_image
        self.lock = threading.Lock()
        self.running = self.peak = self.total = 0
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)
        monkeypatch.setattr(core_images, "check_image", self)
        # Where the code before the decoder called it from (so that code is held as well).
        monkeypatch.setattr(photos_module, "check_image", self, raising=False)

    def __call__(self, data: bytes, **kwargs):
        with self.lock:
            self.running += 1
            self.total += 1
            self.peak = max(self.peak, self.running)
        self.entered.release()
        try:
            self.release.wait(timeout=60)
            return self.real(data, **kwargs)
        finally:
            with self.lock:
                self.running -= 1

    def wait_started(self, count: int = 1, timeout: float = 60) -> bool:
        return all(self.entered.acquire(timeout=timeout) for _ in range(count))


async def _yield_to_the_loop(times: int = 50) -> None:
    for _ in range(times):
        await asyncio.sleep(0)


def test_a_bystander_is_answered_while_photos_are_being_decoded(
    api: Api, monkeypatch: pytest.MonkeyPatch
):
    """The upload's decode is held until /healthz has answered: decoding on the event loop
    (as before) would hold /healthz up with it, and the bystander would time out."""
    held = HeldDecodes(monkeypatch)
    api.token(RESIDENT)  # signed in first: from here on only the upload uses `api.http`
    outcome: dict = {}

    def upload() -> None:
        try:
            outcome["issue"] = report_with(api, jpeg(2000, 1500), anonymous=False)
        except BaseException as exc:
            outcome["error"] = exc

    uploading = threading.Thread(target=upload, daemon=True)
    uploading.start()
    try:
        assert held.wait_started(), "the upload never reached its decode"
        with httpx.Client(base_url=api.server.url, timeout=10) as bystander:
            answer = bystander.get("/healthz")
        assert answer.status_code == 200
        assert uploading.is_alive()  # still in flight: its photo is not decoded yet
    finally:
        held.release.set()
        uploading.join(timeout=60)
    assert "error" not in outcome, outcome
    assert outcome["issue"]["photos"][0]["width"] == 2000


def test_no_more_than_the_configured_number_of_decodes_run_at_once(
    monkeypatch: pytest.MonkeyPatch,
):
    held = HeldDecodes(monkeypatch)

    async def five_at_once() -> list:
        decoder = ImageDecoder(concurrency=2)
        checks = [decoder.check(jpeg(), strip_location=True) for _ in range(5)]
        tasks = [asyncio.create_task(check) for check in checks]
        assert await asyncio.to_thread(held.wait_started, 2)
        await _yield_to_the_loop()  # every chance for a third to start, were it allowed to
        assert (held.running, held.total) == (2, 2)
        held.release.set()
        return await asyncio.gather(*tasks)

    assert len(asyncio.run(five_at_once())) == 5
    assert held.peak == 2 and held.total == 5


def test_a_decode_abandoned_by_its_request_keeps_its_slot_until_it_ends(
    monkeypatch: pytest.MonkeyPatch,
):
    """A client that disconnects mid-decode cannot start decodes past the bound: the thread
    cannot be stopped, so it holds its slot until it is done."""
    held = HeldDecodes(monkeypatch)

    async def cancel_then_decode() -> None:
        decoder = ImageDecoder(concurrency=1)
        first = asyncio.create_task(decoder.check(jpeg(), strip_location=True))
        assert await asyncio.to_thread(held.wait_started)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        second = asyncio.create_task(decoder.check(jpeg(), strip_location=True))
        await _yield_to_the_loop()
        assert held.total == 1  # the abandoned one still runs; the second waits for it
        held.release.set()
        await second

    asyncio.run(cancel_then_decode())
    assert held.peak == 1 and held.total == 2


def test_decode_limits_are_settings_and_reach_the_server(api: Api, tmp_path: Path):
    settings = Settings.from_env(
        {"DATA_DIR": str(tmp_path), "MAX_PHOTO_PIXELS": "3000", "MAX_CONCURRENT_DECODES": "3"}
    )
    assert (settings.max_photo_pixels, settings.max_concurrent_decodes) == (3000, 3)
    defaults = Settings.from_env({"DATA_DIR": str(tmp_path)})
    assert (defaults.max_photo_pixels, defaults.max_concurrent_decodes) == (50_000_000, 2)

    small = replace(api.settings, demo_data=False, max_photo_pixels=64 * 48 - 1)
    with ServerThread(create_app(small)) as server:
        assert server.app.state.image_decoder.max_pixels == 64 * 48 - 1
        variables = {
            "input": {
                "regionId": api.region_of(GRID),
                "category": "ROADS",
                "title": "大照片",
                "description": "像素太多",
                "photos": [None, None],
            }
        }
        body = api.on(server.url).gql(
            REPORT,
            variables,
            as_=RESIDENT,
            files={"input.photos.0": jpeg(32, 24), "input.photos.1": jpeg(64, 48)},
        )
    errors = body["data"]["reportIssue"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("VALIDATION", "photos.1")]
    with pytest.raises(NotAnImage):
        check_image(jpeg(64, 48), strip_location=True, max_pixels=64 * 48 - 1)


# --- files no row refers to ---------------------------------------------------------------


def _put(media: Path, key: str, age: timedelta | None = None) -> Path:
    path = media / key[:2] / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"left behind")
    if age is not None:
        then = time.time() - age.total_seconds()
        os.utime(path, (then, then))
    return path


def _key() -> str:
    return f"{secrets.token_hex(16)}.jpg"


def test_the_orphan_sweep_removes_only_old_files_no_row_refers_to(api: Api):
    media = api.settings.media_dir
    two_hours = timedelta(hours=2)
    photo = report_with(api, jpeg(), anonymous=False)["photos"][0]
    referenced_key = photo["url"].split("/media/", 1)[1].split("?", 1)[0]
    referenced = _put_age(media / referenced_key[:2] / referenced_key, two_hours)
    old = _put(media, _key(), two_hours)
    half_written = _put(media, f"{secrets.token_hex(16)}.part", two_hours)  # a killed save
    fresh = _put(media, _key())
    not_ours = [_put_age(media / "notes.txt", two_hours), _put(media, "x/" + _key(), two_hours)]

    async def two_workers_at_once() -> list[int]:
        dbs = [Database(create_engine(api.settings.database_url)) for _ in range(2)]
        storage = LocalStorage(media)
        try:
            sweeps = (sweep_orphans(db, storage, grace=timedelta(hours=1)) for db in dbs)
            return await asyncio.gather(*sweeps)
        finally:
            for db in dbs:
                await db.engine.dispose()

    removed = asyncio.run(two_workers_at_once())
    assert sum(removed) >= 2
    assert not old.exists() and not half_written.exists()
    assert fresh.exists() and referenced.exists()
    assert all(path.exists() for path in not_ours)
    assert api.http.get(photo["url"]).status_code == 200


def _put_age(path: Path, age: timedelta) -> Path:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not a photo of ours")
    then = time.time() - age.total_seconds()
    os.utime(path, (then, then))
    return path


def test_every_worker_sweeps_orphans_by_itself(api: Api, tmp_path: Path):
    media = tmp_path / "media"
    old = _put(media, _key(), timedelta(minutes=5))
    fresh = _put(media, _key())
    settings = replace(
        api.settings,
        demo_data=False,
        media_dir=media,
        orphan_sweep_interval_seconds=0.2,
        orphan_grace_seconds=60,
    )
    with ServerThread(create_app(settings)):
        deadline = time.monotonic() + 20
        while old.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    assert not old.exists() and fresh.exists()
    defaults = Settings.from_env({"DATA_DIR": str(tmp_path)})
    assert (defaults.orphan_sweep_interval_seconds, defaults.orphan_grace_seconds) == (3600, 3600)
