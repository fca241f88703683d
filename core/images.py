"""Checking uploaded photos and keeping nothing of them but their pixels.

Every photo is decoded whole (so a truncated or disguised file fails), turned upright (its
EXIF orientation applied to the pixels), converted to sRGB and encoded afresh. Nothing else of
the uploaded file is stored: no EXIF (maker, model, serial numbers, owner and artist names,
thumbnails), XMP, ICC profile (whose description is free text), comments, PNG text chunks,
WebP metadata, extra MPO frames or bytes after the image. A photo of a named issue keeps
where and when it was taken (GPS position and capture time, checked to be numbers and dates,
no free text), which helps whoever handles it; a photo of an anonymous one keeps nothing.

Decoding is CPU work of up to seconds: `ImageDecoder` runs it in threads, a bounded number at
a time, so the event loop keeps serving everyone else.
"""

from __future__ import annotations

import asyncio
import functools
import io
import re
from dataclasses import dataclass
from numbers import Real
from typing import Any

from PIL import ExifTags, Image, ImageCms, ImageOps

# MPO: what many phones write; a JPEG with extra frames, which browsers show as a JPEG.
FORMATS = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# How stored files are named, and so how they are served back.
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
MAX_PIXELS = 50_000_000  # the default of MAX_PHOTO_PIXELS: phones' 48-50 MP modes fit
JPEG_QUALITY, WEBP_QUALITY = 92, 90

GPS = ExifTags.GPS
# What a named photo keeps of its GPS block: the position, the direction the camera faced and
# the fix's time, each checked to be what it should be (GPSAreaInformation and
# GPSProcessingMethod are free text, and go with everything else).
_REFS = {
    GPS.GPSLatitudeRef: ("N", "S"),
    GPS.GPSLongitudeRef: ("E", "W"),
    GPS.GPSImgDirectionRef: ("T", "M"),
}
_TRIPLES = (GPS.GPSLatitude, GPS.GPSLongitude, GPS.GPSTimeStamp)
_NUMBERS = (GPS.GPSAltitude, GPS.GPSImgDirection)
_DATE_STAMP = re.compile(r"\d{4}:\d{2}:\d{2}")
_TAKEN = re.compile(r"\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2}")
_OFFSET = re.compile(r"[+-]\d{2}:\d{2}")


@dataclass
class CheckedImage:
    data: bytes
    content_type: str
    width: int
    height: int


class NotAnImage(ValueError):
    pass


def check_image(data: bytes, *, strip_location: bool, max_pixels: int = MAX_PIXELS) -> CheckedImage:
    """Decode the whole image and encode its pixels afresh (see the module's docstring).

    `strip_location` is for anonymous issues: then not even where and when is kept.
    Blocking and CPU-heavy: in a server, go through `ImageDecoder`.
    """
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            if fmt not in FORMATS or probe.width * probe.height > max_pixels:
                raise NotAnImage(fmt)
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            kept = None if strip_location else _where_and_when(image.getexif())
            pixels = _pixels(image)
            lossless = fmt == "WEBP" and _webp_lossless(data)
            encoded = _encode(pixels, fmt, kept, lossless=lossless)  # before closing `image`
    except NotAnImage:
        raise
    except Exception as exc:  # whatever a malformed file makes Pillow raise
        raise NotAnImage(f"{type(exc).__name__}: {exc}") from exc
    return CheckedImage(
        data=encoded, content_type=FORMATS[fmt], width=pixels.width, height=pixels.height
    )


class ImageDecoder:
    """`check_image` in a worker thread, at most `concurrency` at a time.

    One per app (`server.create_app` puts it in `app.state.image_decoder`), so the bound holds
    for the whole worker process and the semaphore belongs to the app's event loop. A decode
    keeps its slot until its thread ends, even when the request waiting for it is cancelled
    (a client that disconnects cannot start more decodes than the bound).
    """

    def __init__(self, *, concurrency: int = 2, max_pixels: int = MAX_PIXELS) -> None:
        self.concurrency = max(1, concurrency)
        self.max_pixels = max_pixels
        self._slots = asyncio.Semaphore(self.concurrency)

    async def check(self, data: bytes, *, strip_location: bool) -> CheckedImage:
        await self._slots.acquire()
        try:
            work = functools.partial(
                check_image, data, strip_location=strip_location, max_pixels=self.max_pixels
            )
            future = asyncio.get_running_loop().run_in_executor(None, work)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(self._finished)
        # Shielded: cancelling the caller leaves the thread (which cannot be stopped) holding
        # its slot until it is done.
        return await asyncio.shield(future)

    def _finished(self, future: asyncio.Future) -> None:
        self._slots.release()
        if not future.cancelled():
            future.exception()  # retrieved, so an abandoned decode's failure is not logged


def _pixels(image: Image.Image) -> Image.Image:
    """The pixels, upright and in sRGB, in a mode the format can hold, with no `info`.

    May be `image` itself, changed in place (a 50-megapixel photo is 150 MB: no copy that
    is not needed)."""
    ImageOps.exif_transpose(image, in_place=True)
    upright = image
    icc = upright.info.get("icc_profile")
    mode = upright.mode
    if mode.startswith("I") or mode == "F":  # 16-bit or 32-bit grey: scaled, not clipped
        upright = upright.convert("I").point(lambda v: v / 256).convert("L")
    elif mode == "1":
        upright = upright.convert("L")
    elif mode in ("P", "PA", "L", "RGB") and (mode == "PA" or "transparency" in upright.info):
        upright = upright.convert("LA" if mode == "L" else "RGBA")
    elif mode == "P":
        upright = upright.convert("RGB")
    elif mode not in ("L", "LA", "RGB", "RGBA") and not (mode == "CMYK" and icc):
        upright = upright.convert("RGBA" if "A" in mode else "RGB")
    if icc:
        upright = _to_srgb(upright, icc)
    if upright.mode == "CMYK":  # its profile could not be applied
        upright = upright.convert("RGB")
    upright.info = {}  # savers take comments, profiles and more from here: none left to take
    return upright


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """The image in sRGB by way of its own ICC profile; as it is if that cannot be done."""
    alpha = image.getchannel("A") if image.mode in ("LA", "RGBA") else None
    colour = image.convert(image.mode[:-1]) if alpha is not None else image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            colour, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
    except Exception:  # a broken profile, or one for another colour space than the pixels
        return image
    assert converted is not None  # not in place
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


def _where_and_when(exif: Image.Exif) -> Image.Exif | None:
    """What a named photo keeps: its GPS position and capture time, when they look right."""
    kept = Image.Exif()
    gps_in = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps: dict[int, Any] = {}
    for tag, allowed in _REFS.items():
        if gps_in.get(tag) in allowed:
            gps[tag] = gps_in[tag]
    for tag in _TRIPLES:
        value = gps_in.get(tag)
        if isinstance(value, tuple) and len(value) == 3 and all(_number(v) for v in value):
            gps[tag] = value
    for tag in _NUMBERS:
        if _number(gps_in.get(tag)):
            gps[tag] = gps_in[tag]
    if gps_in.get(GPS.GPSAltitudeRef) in (0, 1, b"\x00", b"\x01"):
        gps[GPS.GPSAltitudeRef] = gps_in[GPS.GPSAltitudeRef]
    if _matches(_DATE_STAMP, gps_in.get(GPS.GPSDateStamp)):
        gps[GPS.GPSDateStamp] = gps_in[GPS.GPSDateStamp]
    if gps:
        gps[GPS.GPSVersionID] = b"\x02\x02\x00\x00"
        kept[ExifTags.IFD.GPSInfo] = gps
    taken_in = exif.get_ifd(ExifTags.IFD.Exif)
    taken = {}
    if _matches(_TAKEN, taken_in.get(ExifTags.Base.DateTimeOriginal)):
        taken[ExifTags.Base.DateTimeOriginal] = taken_in[ExifTags.Base.DateTimeOriginal]
        if _matches(_OFFSET, taken_in.get(ExifTags.Base.OffsetTimeOriginal)):
            taken[ExifTags.Base.OffsetTimeOriginal] = taken_in[ExifTags.Base.OffsetTimeOriginal]
    if taken:
        kept[ExifTags.IFD.Exif] = taken
    return kept if len(kept) else None


def _number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _matches(pattern: re.Pattern[str], value: object) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def _encode(image: Image.Image, fmt: str, exif: Image.Exif | None, *, lossless: bool) -> bytes:
    options: dict[str, Any] = {}
    if exif is not None:
        options["exif"] = exif.tobytes()
    if fmt in ("JPEG", "MPO"):
        fmt = "JPEG"  # the first frame is the photo
        options["quality"] = JPEG_QUALITY
    elif fmt == "WEBP" and lossless:
        options["lossless"] = True
    elif fmt == "WEBP":
        options["quality"] = WEBP_QUALITY
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _webp_lossless(data: bytes) -> bool:
    """Whether a WebP file's image is lossless (a VP8L chunk), so it is re-encoded as such."""
    at = 12  # past "RIFF", the size and "WEBP"
    while at + 8 <= len(data):
        kind, size = data[at : at + 4], int.from_bytes(data[at + 4 : at + 8], "little")
        if kind in (b"VP8 ", b"VP8L"):
            return kind == b"VP8L"
        at += 8 + size + (size & 1)
    return False
