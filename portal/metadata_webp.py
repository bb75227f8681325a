"""Cleaning WebP pictures without encoding them again.

A WebP file is a RIFF list of chunks: the picture (VP8, VP8L, ALPH, or ANIM and ANMF for an
animation) and, beside it, EXIF, XMP and an ICC profile (dropped, for the reasons given in
portal.metadata_jpeg). Only the picture's chunks are copied, so the copy is lossless and
never larger; the size is read from the headers before anything else.
"""

from __future__ import annotations

import struct

from portal.metadata_result import TOO_MANY_PIXELS, UNREADABLE, StripResult

_PICTURE = frozenset({b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF"})
_IN_FRAME = frozenset({b"VP8 ", b"VP8L", b"ALPH"})
_LABELS = {b"EXIF": "exif", b"XMP ": "xmp", b"ICCP": "icc_profile"}
# VP8X flags of the chunks we drop: ICC profile, EXIF, XMP.
_METADATA_FLAGS = 0x20 | 0x08 | 0x04


class _Refused(Exception):
    def __init__(self, template: str) -> None:
        super().__init__(template)
        self.template = template


def is_webp(head: bytes) -> bool:
    """Whether `head` starts a WebP file."""
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def clean_webp(raw: bytes, max_pixels: int) -> StripResult:
    """A copy of the WebP `raw` with only its picture's chunks; a refusal when it is too
    large or cannot be taken apart."""
    removed: set[str] = set()
    try:
        (declared,) = struct.unpack_from("<I", raw, 4)
        body = raw[12:8 + declared]
        if declared < 4 or len(body) != declared - 4:
            raise _Refused(UNREADABLE)
        if len(raw) > 8 + declared + (declared & 1):
            removed.add("trailer")
        chunks = _chunks(body, top_level=True, max_pixels=max_pixels, removed=removed)
    except (_Refused, struct.error) as error:
        template = error.template if isinstance(error, _Refused) else UNREADABLE
        return StripResult.refusal(template)
    if not any(chunk[:4] in (b"VP8 ", b"VP8L", b"ANMF") for chunk in chunks):
        return StripResult.refusal(UNREADABLE)
    content = b"WEBP" + b"".join(chunks)
    cleaned = b"RIFF" + struct.pack("<I", len(content)) + content
    return StripResult(handled=True, media_type="image/webp", cleaned=cleaned,
                       removed=sorted(removed))


def _chunks(body: bytes, *, top_level: bool, max_pixels: int,
            removed: set[str]) -> list[bytes]:
    kept: list[bytes] = []
    position = 0
    while position < len(body):
        kind = body[position:position + 4]
        (size,) = struct.unpack_from("<I", body, position + 4)
        payload = body[position + 8:position + 8 + size]
        if len(payload) != size:
            raise _Refused(UNREADABLE)
        position += 8 + size + (size & 1)
        if kind == b"VP8X" and top_level and not kept:
            _check_size(_canvas(payload), max_pixels)
            flags = payload[0] & ~_METADATA_FLAGS
            kept.append(_chunk(kind, bytes([flags]) + payload[1:]))
        elif kind in (_PICTURE if top_level else _IN_FRAME):
            if kind in (b"VP8 ", b"VP8L"):
                _check_size(_bitstream_size(kind, payload), max_pixels)
            if kind == b"ANMF":
                if len(payload) < 16:
                    raise _Refused(UNREADABLE)
                frames = _chunks(payload[16:], top_level=False, max_pixels=max_pixels,
                                 removed=removed)
                payload = payload[:16] + b"".join(frames)
            kept.append(_chunk(kind, payload))
        else:
            removed.add(_LABELS.get(kind, "other chunks"))
    return kept


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) & 1)


def _canvas(payload: bytes) -> tuple[int, int]:
    if len(payload) < 10:
        raise _Refused(UNREADABLE)
    width = int.from_bytes(payload[4:7], "little") + 1
    height = int.from_bytes(payload[7:10], "little") + 1
    return width, height


def _bitstream_size(kind: bytes, payload: bytes) -> tuple[int, int]:
    if kind == b"VP8 ":
        if len(payload) < 10 or payload[3:6] != b"\x9d\x01\x2a":
            raise _Refused(UNREADABLE)
        width, height = struct.unpack_from("<HH", payload, 6)
        return width & 0x3FFF, height & 0x3FFF
    if len(payload) < 5 or payload[0] != 0x2F:
        raise _Refused(UNREADABLE)
    bits = int.from_bytes(payload[1:5], "little")
    return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1


def _check_size(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise _Refused(UNREADABLE)
    if width * height > max_pixels:
        raise _Refused(TOO_MANY_PIXELS)
