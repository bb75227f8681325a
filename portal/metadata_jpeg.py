"""Cleaning JPEG photos without encoding them again (issue 15 §4, issue 10 point 1).

A JPEG is a list of segments; the picture is in the frame header, the tables and the scans,
and everything identifying (EXIF with GPS, maker notes, serial numbers and a thumbnail with
its own EXIF; XMP; IPTC; comments; the multi-picture index of an MPO) sits in APPn and COM
segments or after the end of the first picture. Copying only the picture's segments keeps
every pixel as it came, costs no decoding and can only make the file smaller.

Kept: the frame, tables and scans; a JFIF header without its thumbnail; Adobe's APP14 of
12 bytes (it says how CMYK and YCCK pictures are coded: without it their colours invert).
Dropped, among the rest, the ICC colour profile (APP2): a profile is a free-form binary with
text tags (description, copyright, device maker and model) and a calibrated camera or
display profile is unique to its device. Telling a generic sRGB or Display P3 profile from
an identifying one would need a parser of its own; without a profile a wide-gamut photo
shows slightly less saturated, which does not change what it proves.

The size is read from the frame header (SOF) before anything else is done with the file.
Only a photo whose EXIF orientation says it must be turned is decoded and encoded again
(with its own quantisation tables and subsampling, so at about its own quality); if that copy
would be larger than the original, the lossless copy is kept with an EXIF holding nothing but
the orientation.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image, JpegImagePlugin

from portal.metadata_images import open_picture
from portal.metadata_result import TOO_MANY_PIXELS, UNREADABLE, StripResult

_SOI, _EOI, _SOS, _APP0, _APP14, _COM = 0xD8, 0xD9, 0xDA, 0xE0, 0xEE, 0xFE
# Frame headers: SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC).
_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_RESTARTS = frozenset(range(0xD0, 0xD8))
_DHT, _DAC, _DQT, _DNL, _DRI, _DHP, _EXP = 0xC4, 0xCC, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF
_ORIENTATION = 0x0112
# How each EXIF orientation is undone (as Pillow's ImageOps.exif_transpose does).
_TURNS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
          4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
          6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
          8: Image.Transpose.ROTATE_90}


class _Unreadable(Exception):
    """Not a JPEG we can take apart."""


class _TooLarge(Exception):
    """The frame header claims more pixels than we decode."""


@dataclass
class _Parts:
    """The segments of the first picture that we keep, and what was left out."""

    kept: list[bytes] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)
    orientation: int = 1
    width: int = 0
    height: int = 0


def clean_jpeg(raw: bytes, max_pixels: int) -> StripResult:
    """A copy of the JPEG (or MPO) `raw` with only its first picture's image segments; a
    refusal when it is too large or cannot be taken apart."""
    try:
        parts = _split(raw, max_pixels)
    except _Unreadable:
        return StripResult.refusal(UNREADABLE)
    except _TooLarge:
        return StripResult.refusal(TOO_MANY_PIXELS)
    lossless = b"".join(parts.kept)
    cleaned = lossless
    if parts.orientation != 1:
        try:
            cleaned = _turned(lossless, parts.orientation, max_pixels)
        except _TooLarge:
            return StripResult.refusal(TOO_MANY_PIXELS)
        except _Unreadable:
            return StripResult.refusal(UNREADABLE)
        if len(cleaned) > len(raw):
            cleaned = with_orientation_only(lossless, parts.orientation)
    return StripResult(handled=True, media_type="image/jpeg", cleaned=cleaned,
                       removed=sorted(parts.removed))


def strip_jpeg_segments(raw: bytes, max_pixels: int) -> tuple[bytes, set[str]] | None:
    """The lossless copy alone (for pictures inside PDFs, which ignore EXIF orientation);
    None when `raw` is too large or not a JPEG we can take apart."""
    try:
        parts = _split(raw, max_pixels)
    except (_Unreadable, _TooLarge):
        return None
    return b"".join(parts.kept), parts.removed


def _split(raw: bytes, max_pixels: int) -> _Parts:
    if raw[:2] != b"\xff\xd8":
        raise _Unreadable
    parts = _Parts(kept=[b"\xff\xd8"])
    position, length = 2, len(raw)
    while True:
        if position >= length or raw[position] != 0xFF:
            raise _Unreadable  # cut short, or garbage where a marker must be
        while position < length and raw[position] == 0xFF:  # fill bytes
            position += 1
        if position >= length:
            raise _Unreadable
        marker = raw[position]
        position += 1
        if marker == _EOI:
            parts.kept.append(b"\xff\xd9")
            if raw[position:].strip(b"\x00\r\n"):
                # An MPO's other pictures, or anything else appended to the photo.
                parts.removed.add("extra pictures" if b"\xff\xd8\xff" in raw[position:]
                                  else "trailer")
            if not parts.width:
                raise _Unreadable
            return parts
        if marker in _RESTARTS or marker in (0x00, 0x01, _SOI):
            raise _Unreadable  # standalone markers have no place between segments
        if position + 2 > length:
            raise _Unreadable
        size = struct.unpack_from(">H", raw, position)[0]
        end = position + size
        if size < 2 or end > length:
            raise _Unreadable
        segment = raw[position - 2:end]
        payload = raw[position + 2:end]
        position = end
        if _APP0 <= marker <= 0xEF or marker == _COM:
            _keep_application_segment(parts, marker, payload)
            continue
        if not _well_formed(marker, payload):
            raise _Unreadable
        if marker in _FRAMES:
            _check_frame(parts, payload, max_pixels)
            parts.kept.append(segment)
        elif marker == _SOS:
            if not parts.width:
                raise _Unreadable  # a scan before any frame header
            scan_end = _end_of_scan(raw, position)
            parts.kept.append(segment + raw[position:scan_end])
            position = scan_end
        else:  # tables (DQT, DHT, DRI, DAC), DNL, EXP: part of the picture
            parts.kept.append(segment)


def _well_formed(marker: int, payload: bytes) -> bool:
    """Whether a segment we keep is exactly what its marker says it holds, so that nothing
    else can travel in it (a damaged or crafted file could label its EXIF a table)."""
    size = len(payload)
    if marker in _FRAMES or marker == _DHP:
        return size >= 6 and size == 6 + 3 * payload[5]
    if marker == _SOS:
        return size >= 1 and size == 1 + 2 * payload[0] + 3
    if marker == _DQT:
        return _sums_up(payload, lambda at: 1 + 64 * (1 + (payload[at] >> 4)))
    if marker == _DHT:
        return _sums_up(payload, lambda at: 17 + sum(payload[at + 1:at + 17])
                        if at + 17 <= size else size + 1)
    if marker in (_DRI, _DNL):
        return size == 2
    if marker == _DAC:
        return size % 2 == 0
    if marker == _EXP:
        return size == 1
    return False  # JPEG-LS, extensions and reserved markers: not in a photo


def _sums_up(payload: bytes, table_size: Callable[[int], int]) -> bool:
    """Whether `payload` is a whole number of tables, each as long as `table_size` says."""
    position = 0
    while position < len(payload):
        position += table_size(position)
    return position == len(payload) and len(payload) > 0


def _check_frame(parts: _Parts, payload: bytes, max_pixels: int) -> None:
    if parts.width:
        return  # a hierarchical picture's later frames are no larger than the first
    if len(payload) < 6:
        raise _Unreadable
    height, width = struct.unpack_from(">HH", payload, 1)
    if width == 0 or height == 0:
        raise _Unreadable  # a height set later by DNL: not in any camera's files
    if width * height > max_pixels:
        raise _TooLarge
    parts.width, parts.height = width, height


def _keep_application_segment(parts: _Parts, marker: int, payload: bytes) -> None:
    if marker == _APP0 and payload.startswith(b"JFIF\x00") and len(payload) >= 14:
        # Version, units and density; the thumbnail size set to 0 x 0 and its pixels left.
        parts.kept.append(b"\xff\xe0\x00\x10" + payload[:12] + b"\x00\x00")
        if payload[12:14] != b"\x00\x00":
            parts.removed.add("thumbnail")
        return
    if marker == _APP14 and payload.startswith(b"Adobe") and len(payload) == 12:
        parts.kept.append(b"\xff\xee\x00\x0e" + payload)
        return
    if marker == 0xE1 and payload.startswith(b"Exif\x00"):
        parts.removed.add("exif")
        if parts.orientation == 1:
            parts.orientation = _orientation(payload)
    elif marker == 0xE1 and payload.startswith(b"http://ns.adobe.com/"):
        parts.removed.add("xmp")
    elif marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00"):
        parts.removed.add("icc_profile")
    elif marker == 0xE2 and payload.startswith(b"MPF\x00"):
        parts.removed.add("extra pictures")
    elif marker == 0xED:
        parts.removed.add("iptc")
    elif marker == _COM:
        parts.removed.add("comment")
    else:
        parts.removed.add(f"APP{marker - _APP0}")


def _end_of_scan(raw: bytes, position: int) -> int:
    """Where the entropy-coded data from `position` ends: at the first marker that is not
    a stuffed byte (FF 00), a fill byte or a restart marker."""
    while True:
        found = raw.find(b"\xff", position)
        if found < 0 or found + 1 >= len(raw):
            raise _Unreadable  # the picture is cut short
        following = raw[found + 1]
        if following == 0x00 or following in _RESTARTS:
            position = found + 2
        elif following == 0xFF:
            position = found + 1
        else:
            return found


def _orientation(payload: bytes) -> int:
    """The EXIF orientation (1 to 8); 1 when it is missing or malformed, as a malformed
    EXIF costs the turn, not the file."""
    exif = Image.Exif()
    try:
        with warnings.catch_warnings():  # Pillow warns of damaged tags it skips
            warnings.simplefilter("ignore")
            exif.load(payload[6:])
            value = exif.get(_ORIENTATION, 1)
    except Exception:  # any malformed EXIF: the photo is kept as it is stored
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _turned(lossless: bytes, orientation: int, max_pixels: int) -> bytes:
    """The picture decoded, turned upright and encoded again at about its own quality: its
    own quantisation tables and chroma subsampling, Huffman tables optimised."""
    image = open_picture(lossless, max_pixels)
    if image is None:
        raise _TooLarge
    with image:
        if not isinstance(image, JpegImagePlugin.JpegImageFile):
            raise _Unreadable
        options: dict[str, object] = {"qtables": image.quantization, "optimize": True}
        sampling = JpegImagePlugin.get_sampling(image)
        if sampling != -1:
            options["subsampling"] = sampling
        image.load()
        upright = image.transpose(_TURNS[orientation])
        if upright.mode not in ("L", "RGB", "CMYK"):
            upright = upright.convert("RGB")
        out = io.BytesIO()
        upright.save(out, format="JPEG", **options)
    return out.getvalue()


def with_orientation_only(lossless: bytes, orientation: int) -> bytes:
    """`lossless` with an EXIF segment holding nothing but the orientation tag."""
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">H", 1) + \
        struct.pack(">HHIH", _ORIENTATION, 3, 1, orientation) + b"\x00\x00" + \
        struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + tiff
    return lossless[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + \
        lossless[2:]
