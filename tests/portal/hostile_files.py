"""Hostile files for issue point 2 (decompression bombs and parser crashes), made on the fly,
and cleaners that misbehave, to prove the child process's limits hold."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pikepdf
from PIL import Image

from portal.metadata_result import StripResult


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + \
        struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A tiny JPEG whose frame header claims `width` x `height` pixels."""
    out = io.BytesIO()
    Image.new("L", (8, 8)).save(out, format="JPEG", quality=10)
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def png_with_large_ztxt() -> bytes:
    """A zTXt chunk inflating past Pillow's MAX_TEXT_CHUNK (ValueError in the parser)."""
    header = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
    ztxt = _png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(bytes(8 * 1024 * 1024), 9))
    pixels = _png_chunk(b"IDAT", zlib.compress(b"\x00" + bytes(12) * 4))
    return b"\x89PNG\r\n\x1a\n" + header + ztxt + pixels + _png_chunk(b"IEND", b"")


def png_with_large_iccp() -> bytes:
    header = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
    iccp = _png_chunk(b"iCCP", b"icc\x00\x00" + zlib.compress(bytes(8 * 1024 * 1024), 9))
    pixels = _png_chunk(b"IDAT", zlib.compress(b"\x00" + bytes(12) * 4))
    return b"\x89PNG\r\n\x1a\n" + header + iccp + pixels + _png_chunk(b"IEND", b"")


def png_with_truncated_ihdr() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", b"\x00\x00\x00\x04\x00") + \
        _png_chunk(b"IEND", b"")


def jpeg_with_malformed_exif_rational() -> bytes:
    """Orientation 6 (so the picture is turned) and XResolution, a RATIONAL tag, stored as
    text: writing the EXIF back raised TypeError (bad operand type for abs())."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="JPEG")
    entries = struct.pack(">HHI", 0x0112, 3, 1) + struct.pack(">H", 6) + b"\0\0" + \
        struct.pack(">HHI", 0x011A, 2, 4) + b"abc\0"
    ifd = b"MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">H", 2) + entries + \
        struct.pack(">I", 0)
    app1 = b"Exif\x00\x00" + ifd
    segment = b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
    data = out.getvalue()
    return data[:2] + segment + data[2:]


def pdf_with_info_not_a_dictionary() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.trailer.Info = 3  # iterating it for its keys raised TypeError
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def spin_forever(raw: bytes, max_pixels: int) -> StripResult:
    """A cleaner stuck in a loop (as a parser on a crafted file)."""
    while True:
        pass


def sleep_forever(raw: bytes, max_pixels: int) -> StripResult:
    """A cleaner stuck without using CPU: only the parent's wall clock stops it."""
    time.sleep(3600)
    return StripResult(handled=False)


def eat_memory(raw: bytes, max_pixels: int) -> StripResult:
    """A cleaner that decodes a bomb."""
    hoard = [bytearray(64 * 1024 * 1024) for _ in range(64)]  # 4 GiB
    return StripResult(handled=True, media_type="image/png", cleaned=bytes(len(hoard)))


def liar(raw: bytes, max_pixels: int) -> StripResult:
    """A child taken over: answers with a template of its own."""
    return StripResult(handled=False, refused="%(name)s is fine, %(secret)s")
