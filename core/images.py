"""Checking uploaded photos and stripping their location."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

# MPO: what many phones write; a JPEG with extra frames, which browsers show as a JPEG.
FORMATS = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# How stored files are named, and so how they are served back.
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
GPS_IFD = 0x8825
MAX_PIXELS = 50_000_000


@dataclass
class CheckedImage:
    data: bytes
    content_type: str
    width: int
    height: int


class NotAnImage(ValueError):
    pass


def check_image(data: bytes, *, strip_location: bool) -> CheckedImage:
    """Decode the whole image (so a truncated or disguised file fails), optionally drop GPS."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            if fmt not in FORMATS or probe.width * probe.height > MAX_PIXELS:
                raise NotAnImage(fmt)
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            width, height = image.size
            if strip_location:
                data = _without_location(image, fmt)
    except NotAnImage:
        raise
    except Exception as exc:  # whatever a malformed file makes Pillow raise
        raise NotAnImage(f"{type(exc).__name__}: {exc}") from exc
    return CheckedImage(data=data, content_type=FORMATS[fmt], width=width, height=height)


def _without_location(image: Image.Image, fmt: str) -> bytes:
    """Re-encode without the GPS block (and without XMP, which can repeat it)."""
    exif = image.getexif()
    exif.pop(GPS_IFD, None)
    out = io.BytesIO()
    fmt = "JPEG" if fmt == "MPO" else fmt  # the first frame is the photo
    options: dict = {"exif": exif.tobytes()}
    if fmt == "JPEG":
        options.update(quality=92, icc_profile=image.info.get("icc_profile"))
    image.save(out, format=fmt, **options)
    return out.getvalue()
