"""Photos: real multipart uploads, location stripped from anonymous reports."""

from __future__ import annotations

import io

from PIL import ExifTags, Image

from tests.conftest import GRID, RESIDENT, Api, jpeg
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
    assert exif.get(ExifTags.Base.Make) == "VillagePhone"  # only the location goes


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
