"""Photos keep nothing but their pixels: uploaded through the API, fetched back through their
signed `url`, and searched for every identifying string the phone wrote into the file."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from tests.conftest import Api
from tests.test_photos import report_with

# Each is written into the file somewhere a phone or an editor would put it.
ARTIST, MAKE, MODEL = "ArtistZhangSan", "VillagePhoneMaker", "VP-Model-X9"
SERIAL, OWNER, LENS_SERIAL = "BodySerial-8842-1177", "OwnerLiSi", "LensSerial-5521"
UNIQUE_ID, DESCRIPTION = "UniqueId4f3c2a", "DescribedByWangWu"
GPS_METHOD, COMMENT = "GpsMethodNote", "CommentByZhaoLiu"
XMP_CREATOR, PNG_AUTHOR, PNG_ITXT = "XmpCreatorSunQi", "PngAuthorZhouBa", "PngItxtWuJiu"
ICC_TEXT, TRAILER = "OwnerICCProf", "TrailingSecretBytes"
SECRETS = [
    ARTIST,
    MAKE,
    MODEL,
    SERIAL,
    OWNER,
    LENS_SERIAL,
    UNIQUE_ID,
    DESCRIPTION,
    GPS_METHOD,
    COMMENT,
    XMP_CREATOR,
    PNG_AUTHOR,
    PNG_ITXT,
    ICC_TEXT,
    TRAILER,
]
TAKEN = "2024:05:01 09:30:00"
XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf'
    '-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:tiff="http://ns.adobe.com/tiff/1.0/"><dc:creator>'
    + XMP_CREATOR
    + "</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
)


def identifying_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = ARTIST
    exif[ExifTags.Base.Make] = MAKE
    exif[ExifTags.Base.Model] = MODEL
    exif[ExifTags.Base.ImageDescription] = DESCRIPTION
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.Exif] = {
        ExifTags.Base.BodySerialNumber: SERIAL,
        ExifTags.Base.CameraOwnerName: OWNER,
        ExifTags.Base.LensSerialNumber: LENS_SERIAL,
        ExifTags.Base.ImageUniqueID: UNIQUE_ID,
        ExifTags.Base.DateTimeOriginal: TAKEN,
    }
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (31.0, 4.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (109.0, 52.0, 10.0),
        ExifTags.GPS.GPSProcessingMethod: b"ASCII\x00\x00\x00" + GPS_METHOD.encode(),
    }
    return exif


def identifying_icc() -> bytes:
    """An sRGB profile whose description names its owner (profiles carry free text)."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    built_in = "sRGB built-in".encode("utf-16-be")
    assert built_in in profile
    return profile.replace(built_in, ICC_TEXT.ljust(13, "!").encode("utf-16-be"))


def halves(width: int = 64, height: int = 48, mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: where they end up shows how the photo was turned."""
    image = Image.new(mode, (width, height), "blue")
    image.paste(Image.new(mode, (width // 2, height), "red"), (0, 0))
    return image


def jpeg_file(orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    halves().save(
        out,
        format="JPEG",
        exif=identifying_exif(orientation).tobytes(),
        comment=COMMENT.encode(),
        xmp=XMP.encode(),
        icc_profile=identifying_icc(),
        quality=95,
    )
    return out.getvalue() + TRAILER.encode()  # bytes after the end of the image


def png_file() -> bytes:
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", PNG_AUTHOR)
    text.add_itxt("Comment", PNG_ITXT, lang="zh", tkey="注释")
    text.add_text("Description", COMMENT, zip=True)  # zTXt
    text.add_itxt("XML:com.adobe.xmp", XMP)
    out = io.BytesIO()
    halves(mode="RGBA").save(
        out,
        format="PNG",
        pnginfo=text,
        exif=identifying_exif().tobytes(),
        icc_profile=identifying_icc(),
    )
    return out.getvalue()


def webp_file() -> bytes:
    out = io.BytesIO()
    halves().save(
        out,
        format="WEBP",
        exif=identifying_exif().tobytes(),
        xmp=XMP.encode(),
        icc_profile=identifying_icc(),
        quality=95,
    )
    return out.getvalue()


FILES = {"jpeg": jpeg_file, "png": png_file, "webp": webp_file}


def upload(api: Api, data: bytes, *, anonymous: bool) -> tuple[dict, bytes]:
    """Report an issue with the photo; returns the photo as the API describes it, and the
    bytes its signed URL serves."""
    photo = report_with(api, data, anonymous)["photos"][0]
    response = api.http.get(photo["url"])
    assert response.status_code == 200
    return photo, response.content


def leaked(data: bytes) -> list[str]:
    """The identifying strings found in the bytes, as text in any encoding a file uses."""
    found = []
    for secret in SECRETS:
        forms = [secret.encode(), secret.encode("utf-16-be"), secret.encode("utf-16-le")]
        if any(form in data for form in forms):
            found.append(secret)
    return found


@pytest.mark.parametrize("kind", FILES)
def test_the_test_files_do_carry_the_identifying_metadata(kind: str):
    data = FILES[kind]()
    expected = set(SECRETS) - {PNG_AUTHOR, PNG_ITXT, COMMENT, TRAILER}
    if kind == "jpeg":
        expected |= {COMMENT, TRAILER}
    if kind == "png":
        expected |= {PNG_AUTHOR, PNG_ITXT}  # the zTXt comment is compressed
    assert set(leaked(data)) == expected - ({ICC_TEXT} if kind == "png" else set())


@pytest.mark.parametrize("kind", FILES)
def test_anonymous_photos_keep_nothing_but_their_pixels(api: Api, kind: str):
    photo, served = upload(api, FILES[kind](), anonymous=True)
    assert leaked(served) == []
    image = Image.open(io.BytesIO(served))
    assert dict(image.getexif()) == {}
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"} & set(image.info)
    assert getattr(image, "text", {}) == {}
    assert b"Exif\x00\x00" not in served and b"http://ns.adobe.com/xap" not in served
    assert image.size == (photo["width"], photo["height"]) == (64, 48)
    assert photo["contentType"] == f"image/{kind}"


@pytest.mark.parametrize("kind", FILES)
def test_named_photos_keep_only_where_and_when(api: Api, kind: str):
    """Every photo is re-encoded: the device, its serial numbers and the people named in the
    file go for named reports too. Where and when it was taken stay, for the handler."""
    _, served = upload(api, FILES[kind](), anonymous=False)
    assert leaked(served) == []
    exif = Image.open(io.BytesIO(served)).getexif()
    assert set(exif) == {ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo}
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert gps[ExifTags.GPS.GPSLongitude] == (109.0, 52.0, 10.0)
    assert ExifTags.GPS.GPSProcessingMethod not in gps
    assert exif.get_ifd(ExifTags.IFD.Exif) == {ExifTags.Base.DateTimeOriginal: TAKEN}


@pytest.mark.parametrize("anonymous", [True, False])
def test_orientation_is_applied_to_the_pixels_before_the_exif_goes(api: Api, anonymous: bool):
    """Orientation 6: the camera was turned a quarter clockwise; shown upright, the left half
    (red) is on top. With the EXIF gone, the pixels themselves must be upright."""
    photo, served = upload(api, jpeg_file(orientation=6), anonymous=anonymous)
    image = Image.open(io.BytesIO(served)).convert("RGB")
    assert image.size == (photo["width"], photo["height"]) == (48, 64)
    assert ExifTags.Base.Orientation not in image.getexif()
    top, bottom = image.getpixel((24, 8)), image.getpixel((24, 56))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60, top  # red
    assert bottom[2] > 200 and bottom[0] < 60, bottom  # blue
