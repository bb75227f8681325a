"""Remove identifying metadata from attachments before they are sealed (issue 4 §5).

A photo's EXIF can hold the phone's model, the time and the GPS position; a PDF's document
information and XMP can hold the author's name and software. The original is kept too, sealed
under the staff key as evidence, so handlers lose nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import BinaryIO

import pikepdf
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.refusals import N_

_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
# Pillow refuses images beyond this many pixels: a decompression bomb must not exhaust memory.
_MAX_PIXELS = 60_000_000


# What a reporter is told was removed, in words, not format internals. Keys are Pillow's
# `info` keys and PDF document-information names.
_LABELS = {
    "exif": N_("camera, time and location details"),
    "icc_profile": N_("colour profile"),
    "Author": N_("author"),
    "Creator": N_("software used"),
    "Producer": N_("software used"),
    "CreationDate": N_("dates"),
    "ModDate": N_("dates"),
    "Title": N_("title and keywords"),
    "Subject": N_("title and keywords"),
    "Keywords": N_("title and keywords"),
    "XMP": N_("document metadata"),
}
OTHER = N_("other hidden information")


def describe_removed(keys: list[str]) -> list[str]:
    """Plain-language labels (msgids) for the removed metadata keys, without repeats."""
    return sorted({_LABELS.get(key, OTHER) for key in keys})


@dataclass
class StripResult:
    handled: bool
    media_type: str | None = None
    cleaned: bytes | None = None
    removed: list[str] = field(default_factory=list)


def strip_metadata(data: BinaryIO, media_type: str) -> StripResult:
    """Return a cleaned copy for JPEG, PNG and PDF; `handled=False` for other types."""
    data.seek(0)
    head = data.read(8)
    data.seek(0)
    if head.startswith(b"%PDF"):
        return _strip_pdf(data)
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
        return _strip_image(data)
    return StripResult(handled=False, media_type=media_type)


def _strip_image(data: BinaryIO) -> StripResult:
    Image.MAX_IMAGE_PIXELS = _MAX_PIXELS
    try:
        with Image.open(data) as image:
            image_format = image.format or ""
            if image_format not in _IMAGE_FORMATS:
                return StripResult(handled=False)
            removed = sorted(
                {str(key) for key in image.info
                 if key not in {"dpi", "jfif", "jfif_version", "jfif_unit", "jfif_density",
                                "progressive", "progression", "adobe", "adobe_transform"}}
            )
            # Keep the picture upright once the orientation tag is gone.
            upright = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if image_format == "JPEG":
                upright.convert("RGB").save(out, format="JPEG", quality=95)
            else:
                upright.save(out, format="PNG")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        return StripResult(handled=False)
    return StripResult(
        handled=True, media_type=_IMAGE_FORMATS[image_format], cleaned=out.getvalue(),
        removed=removed,
    )


def _strip_pdf(data: BinaryIO) -> StripResult:
    removed: list[str] = []
    try:
        with pikepdf.open(data) as pdf:
            if "/Info" in pdf.trailer:
                info = pdf.trailer.Info
                removed.extend(str(key).lstrip("/") for key in info)
                del pdf.trailer.Info
            if "/Metadata" in pdf.Root:
                removed.append("XMP")
                del pdf.Root.Metadata
            out = io.BytesIO()
            pdf.save(out, deterministic_id=True)
    except (pikepdf.PdfError, ValueError, OSError):
        return StripResult(handled=False)
    return StripResult(
        handled=True, media_type="application/pdf", cleaned=out.getvalue(),
        removed=sorted(set(removed)),
    )
