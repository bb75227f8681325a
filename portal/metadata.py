"""Remove identifying metadata from attachments before they are sealed (issue 4 §5).

A photo's EXIF can hold the phone's model, the time and the GPS position; a PDF's document
information, XMP, comments and embedded files can hold the author's name and software. Only
the cleaned copy is kept, unless the reporter asks for the original to be kept as well
(`portal.cases.attachments`). A file of a type we clean whose cleaning fails is refused,
never stored as it came.
"""

from __future__ import annotations

from typing import BinaryIO

from portal.metadata_result import (
    HEIC,
    JPEG2000,
    OTHER,
    PDF_PICTURES,
    TOO_MANY_PIXELS,
    UNREADABLE,
    CleaningLimits,
    StripResult,
    describe_removed,
)
from portal.metadata_sandbox import clean_in_child
from portal.metadata_webp import clean_webp, is_webp

__all__ = ["HEIC", "JPEG2000", "OTHER", "PDF_PICTURES", "TOO_MANY_PIXELS", "UNREADABLE",
           "CleaningLimits", "StripResult", "describe_removed", "strip_metadata"]

_JPEG, _PNG, _PDF = b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"%PDF"
_SNIFF_BYTES = 16
# ISO base media brands of HEIF pictures (iPhones' default photo format).
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs",
                b"mif1", b"msf1"}
# JPEG 2000: the JP2/JPX signature box, or a bare codestream (SOC then SIZ).
_JPEG2000 = (b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")


def strip_metadata(data: BinaryIO, media_type: str,
                   limits: CleaningLimits | None = None) -> StripResult:
    """A cleaned copy for JPEG (MPO too), PNG, WebP and PDF; `handled=False` for other
    types; a refusal for HEIC, JPEG 2000 and files of our types that cannot be cleaned.

    HEIC and JPEG 2000 are refused rather than cleaned: both keep EXIF, XMP and GeoJP2
    locations in boxes of an ISO container whose pictures no maintained Python library
    here can decode or rewrite, and a reporter can send the same photo as JPEG."""
    data.seek(0)
    # The type from the first bytes: a file of another type (a 1 GiB archive) is never read
    # into memory here, only streamed into the store (issue 15 §6).
    head = data.read(_SNIFF_BYTES)
    data.seek(0)
    limits = limits or CleaningLimits()
    if is_heif(head):
        return StripResult.refusal(HEIC)
    if head.startswith(_JPEG2000):
        return StripResult.refusal(JPEG2000)
    if not head.startswith((_JPEG, _PNG, _PDF)) and not is_webp(head):
        return StripResult(handled=False, media_type=media_type)
    raw = data.read()
    data.seek(0)
    return clean_in_child(raw, limits, clean_bytes)


def is_heif(head: bytes) -> bool:
    """Whether `head` starts a HEIF/HEIC file (an ISO box `ftyp` with a HEIF brand)."""
    return head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS


def clean_bytes(raw: bytes, max_pixels: int) -> StripResult:
    """Clean `raw` (JPEG, PNG, WebP or PDF) in this process (`strip_metadata` runs it in a limited
    child). Hostile files break parsers in many
    ways (ValueError from a PNG chunk, TypeError from an EXIF rational, ...): any failure is
    a refusal, never a 500 and never the file unchanged.

    The parsers (Pillow, pikepdf) are imported here, not with this module: they run in the
    cleaning child, whose fork server preloads them (`portal.metadata_sandbox`), and the
    server's workers never need them (issue 15 §6: about 9 MiB of each worker's memory)."""
    from portal.metadata_images import clean_image
    from portal.metadata_jpeg import clean_jpeg
    from portal.metadata_pdf import clean_pdf

    try:
        if raw.startswith(_PDF):
            return clean_pdf(raw, max_pixels)
        if raw.startswith(_JPEG):
            return clean_jpeg(raw, max_pixels)
        if is_webp(raw):
            return clean_webp(raw, max_pixels)
        result = clean_image(raw, max_pixels)
    except Exception:  # every parser failure means the same: not cleanable
        return StripResult.refusal(UNREADABLE)
    if not result.handled and result.refused is None:
        # Starts like a PNG but Pillow reads it as something else.
        return StripResult.refusal(UNREADABLE)
    return result
