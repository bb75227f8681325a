"""Cleaning PNG pictures (JPEG photos are cleaned without decoding: portal.metadata_jpeg).

A PNG is decoded and encoded again from its pixels alone, losslessly, so nothing of the
original's eXIf, XMP, text chunks or colour profile can survive. The size is checked from the header
before anything is decoded: a file of a few hundred bytes can claim 10000 x 10000 pixels.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps

from portal.metadata_result import TOO_MANY_PIXELS, UNREADABLE, StripResult

_MEDIA_TYPES = {"PNG": "image/png"}
# Keys of Pillow's `info` that describe the encoding, not the photographer.
_HARMLESS = {"dpi", "jfif", "jfif_version", "jfif_unit", "jfif_density", "progressive",
             "progression", "adobe", "adobe_transform", "transparency", "gamma", "aspect",
             "interlace", "mpoffset", "mp", "mpinfo"}


def clean_image(raw: bytes, max_pixels: int) -> StripResult:
    """A cleaned PNG of `raw`; `handled=False` for other pictures; a refusal when
    the picture is too large or cannot be read."""
    image = open_picture(raw, max_pixels)
    if image is None:
        return StripResult.refusal(TOO_MANY_PIXELS)
    with image:
        image_format = image.format or ""
        if image_format not in _MEDIA_TYPES:
            return StripResult(handled=False)
        width, height = image.size
        if width <= 0 or height <= 0:
            return StripResult.refusal(UNREADABLE)
        if width * height > max_pixels:
            return StripResult.refusal(TOO_MANY_PIXELS)
        removed = {str(key) for key in image.info if key not in _HARMLESS}
        if getattr(image, "n_frames", 1) > 1:
            removed.add("extra pictures")  # an animated PNG: its first picture is kept
        image.seek(0)
        image.load()
        upright = _upright(image)
        # A fresh image from the pixels: no `info` (EXIF, XMP, text, ICC) comes along.
        clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
        if upright.mode in ("P", "PA"):
            palette = upright.getpalette()
            if palette is not None:
                clean.putpalette(palette)
        out = io.BytesIO()
        transparency = upright.info.get("transparency")
        extra = {} if transparency is None else {"transparency": transparency}
        clean.save(out, format="PNG", **extra)
    return StripResult(handled=True, media_type=_MEDIA_TYPES[image_format],
                       cleaned=out.getvalue(), removed=sorted(removed))


def open_picture(raw: bytes, max_pixels: int) -> Image.Image | None:
    """The picture's header read (nothing decoded yet); None if Pillow already finds it too
    large. Pillow only warns between its limit and twice that: our own check of the size
    refuses there, from the header."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(raw))
        except Image.DecompressionBombError:
            return None


def _upright(image: Image.Image) -> Image.Image:
    """The picture turned as its orientation tag says, since the tag goes. A malformed EXIF
    (a rational that is not a number) costs the turn, not the file."""
    try:
        return ImageOps.exif_transpose(image)
    except (TypeError, ValueError, KeyError, ZeroDivisionError, SyntaxError, OSError):
        return image
