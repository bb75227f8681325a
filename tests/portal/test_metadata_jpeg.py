"""Issue 15 §4: photos cleaned without encoding them again. The picture's segments (frame,
tables, scans) are copied byte for byte; EXIF, XMP, IPTC, comments, the ICC profile, the
multi-picture index and anything after the first picture are left behind; only a photo whose
EXIF orientation asks for a turn is encoded again. The copy is never larger than the
original. WebP pictures are cleaned the same way, chunk by chunk."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from portal.metadata import TOO_MANY_PIXELS, UNREADABLE, strip_metadata
from portal.metadata_jpeg import clean_jpeg, with_orientation_only
from portal.metadata_webp import clean_webp
from tests.portal.metadata_corpus import exiftool_path, exiftool_tags

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
MAX_PIXELS = 50_000_000
GPS = {1: "N", 2: (59.0, 54.0, 27.0), 3: "E", 4: (10.0, 43.0, 34.0)}


def _walk(jpeg: bytes) -> tuple[list[int], int]:
    """The markers before the first scan, in order, and where that scan starts (walking
    segment by segment: an EXIF thumbnail has scans of its own)."""
    markers, position = [], 2
    while jpeg[position + 1] != 0xDA:
        marker = jpeg[position + 1]
        markers.append(marker)
        position += 2 + struct.unpack_from(">H", jpeg, position + 2)[0]
    return markers, position


def _segments(jpeg: bytes) -> list[int]:
    return _walk(jpeg)[0]


def _scans(jpeg: bytes) -> bytes:
    """From the first scan to the end of the first picture: the coded pixels."""
    start = _walk(jpeg)[1]
    return jpeg[start:jpeg.index(b"\xff\xd9", start) + 2]


def _pixels(jpeg: bytes) -> bytes:
    with Image.open(io.BytesIO(jpeg)) as image:
        return image.tobytes()


def _photo(**options: object) -> bytes:
    picture = Image.radial_gradient("L").resize((96, 64)).convert("RGB")
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0xA431] = "Apple", "iPhone 14 Pro", "SERIAL-X1"
    exif[0x8825] = GPS
    out = io.BytesIO()
    mode = options.pop("mode", "RGB")
    picture.convert(str(mode)).save(out, format="JPEG", exif=exif, xmp=b"<x:xmpmeta/>",
                                    comment=b"Taken by Kari", **options)
    return out.getvalue()


def _with_jfif_thumbnail(jpeg: bytes) -> bytes:
    """APP0 JFIF carrying a 2 x 1 RGB thumbnail, as old cameras and editors wrote."""
    payload = b"JFIF\x00\x01\x01\x01\x00\x48\x00\x48\x02\x01" + bytes([200, 10, 10] * 2)
    app0 = b"\xff\xe0" + struct.pack(">H", len(payload) + 2) + payload
    start = 2 + 2 + struct.unpack_from(">H", jpeg, 4)[0] if jpeg[3] == 0xE0 else 2
    return jpeg[:2] + app0 + jpeg[start:]


def _with_icc(jpeg: bytes) -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    payload = b"ICC_PROFILE\x00\x01\x01" + profile
    return jpeg[:2] + b"\xff\xe2" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


VARIANTS: dict[str, Callable[[], bytes]] = {
    "baseline": lambda: _photo(quality=85),
    "progressive": lambda: _photo(quality=85, progressive=True),
    "restart-markers": lambda: _photo(quality=85, restart_marker_blocks=1),
    "greyscale": lambda: _photo(mode="L"),
    "cmyk-adobe": lambda: _photo(mode="CMYK"),
    "jfif-thumbnail": lambda: _with_jfif_thumbnail(_photo()),
    "icc-profile": lambda: _with_icc(_photo()),
    "appended-zip": lambda: _photo() + b"PK\x03\x04 a hidden archive after the picture",
    "corpus-phone-photo": lambda: (CORPUS / "phone-photo.jpg").read_bytes(),
}
KEPT_MARKERS = {0xE0, 0xEE, 0xDB, 0xC4, 0xDD} | set(range(0xC0, 0xD0))


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_issue15_4_segments_are_copied_and_the_pixels_are_untouched(name: str) -> None:
    original = VARIANTS[name]()
    result = strip_metadata(io.BytesIO(original), "image/jpeg")
    assert result.handled and result.cleaned is not None, result.refused
    cleaned = result.cleaned
    assert len(cleaned) <= len(original)
    assert _scans(cleaned) == _scans(original)  # the coded picture, byte for byte
    assert _pixels(cleaned) == _pixels(original)
    assert set(_segments(cleaned)) <= KEPT_MARKERS, [hex(m) for m in _segments(cleaned)]
    assert cleaned.endswith(b"\xff\xd9") and cleaned.count(b"\xff\xd8") == 1
    assert result.removed


def test_issue15_4_exiftool_finds_only_the_picture(tmp_path: Path) -> None:
    """The ICC profile goes too (portal.metadata_jpeg says why); the JFIF thumbnail goes;
    Adobe's APP14 stays for CMYK, or its colours would invert."""
    exiftool = exiftool_path()
    for name in ("icc-profile", "jfif-thumbnail", "cmyk-adobe", "corpus-phone-photo"):
        result = clean_jpeg(VARIANTS[name](), MAX_PIXELS)
        assert result.cleaned is not None
        groups = {key.split(":")[0] for key in exiftool_tags(exiftool, result.cleaned)}
        assert groups <= {"ExifTool", "System", "File", "JFIF", "Adobe", "Composite",
                          "SourceFile"}, (name, groups)
    assert "icc_profile" in clean_jpeg(VARIANTS["icc-profile"](), MAX_PIXELS).removed
    assert "thumbnail" in clean_jpeg(VARIANTS["jfif-thumbnail"](), MAX_PIXELS).removed
    assert 0xEE in _segments(clean_jpeg(VARIANTS["cmyk-adobe"](), MAX_PIXELS).cleaned or b"")


def test_issue15_4_mpo_keeps_its_first_picture_as_a_plain_jpeg() -> None:
    original = (CORPUS / "phone-dual.mpo").read_bytes()
    result = clean_jpeg(original, MAX_PIXELS)
    assert result.cleaned is not None
    with Image.open(io.BytesIO(original)) as mpo:
        assert mpo.format == "MPO" and getattr(mpo, "n_frames", 1) == 2
        first = mpo.tobytes()
    with Image.open(io.BytesIO(result.cleaned)) as cleaned:
        assert cleaned.format == "JPEG" and getattr(cleaned, "n_frames", 1) == 1
        assert cleaned.tobytes() == first
    assert _scans(result.cleaned) == _scans(original)
    assert b"MPF\x00" not in result.cleaned and result.cleaned.count(b"\xff\xd8\xff") == 1
    assert "extra pictures" in result.removed and len(result.cleaned) < len(original) // 2


def test_issue15_4_a_photo_to_turn_is_encoded_again_upright_and_not_larger() -> None:
    original = (CORPUS / "phone-portrait.jpg").read_bytes()  # 480 x 360, orientation 6
    result = clean_jpeg(original, MAX_PIXELS)
    assert result.cleaned is not None and len(result.cleaned) <= len(original)
    with Image.open(io.BytesIO(result.cleaned)) as cleaned:
        assert cleaned.size == (360, 480)
        assert dict(cleaned.getexif()) == {}
        with Image.open(io.BytesIO(original)) as before:
            # Its own quantisation tables: about the quality it came with.
            assert cleaned.quantization == before.quantization  # type: ignore[attr-defined]


def test_issue15_4_when_turning_would_grow_the_file_only_the_orientation_stays() -> None:
    """An optimised baseline JPEG cannot be encoded again smaller: the lossless copy is kept
    with an EXIF holding the orientation and nothing else."""
    exif = Image.Exif()
    exif[0x0112], exif[0x010F] = 6, "Apple"
    exif[0x8825] = GPS
    picture = Image.blend(Image.radial_gradient("L").resize((480, 360)).convert("RGB"),
                          Image.effect_noise((480, 360), 24).convert("RGB"), 0.25)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=90, optimize=True, exif=exif)
    original = out.getvalue()
    result = clean_jpeg(original, MAX_PIXELS)
    assert result.cleaned is not None and len(result.cleaned) <= len(original)
    assert _scans(result.cleaned) == _scans(original)
    with Image.open(io.BytesIO(result.cleaned)) as cleaned:
        assert dict(cleaned.getexif()) == {0x0112: 6}
    tags = exiftool_tags(exiftool_path(), result.cleaned)
    assert tags["IFD0:Orientation"] == "Rotate 90 CW"
    assert not [key for key in tags if key.startswith(("GPS", "IFD0:Make"))]


def test_issue15_4_orientation_only_exif_is_read_as_such() -> None:
    lossless = clean_jpeg(_photo(), MAX_PIXELS).cleaned or b""
    turned = with_orientation_only(lossless, 8)
    with Image.open(io.BytesIO(turned)) as image:
        assert dict(image.getexif()) == {0x0112: 8}


@pytest.mark.parametrize(("damage", "expected"), [
    (lambda jpeg: jpeg[:-2], UNREADABLE),  # no end of picture
    (lambda jpeg: jpeg[:len(jpeg) // 2], UNREADABLE),  # cut inside the scan
    (lambda jpeg: jpeg[:2] + jpeg[jpeg.index(b"\xff\xda"):], UNREADABLE),  # scan, no frame
    (lambda jpeg: jpeg[:20] + b"\x00\x00" + jpeg[20:], UNREADABLE),  # garbage for a marker
    # The EXIF labelled a quantisation or Huffman table, to travel in a kept segment.
    (lambda jpeg: jpeg.replace(b"\xff\xe1", b"\xff\xdb", 1), UNREADABLE),
    (lambda jpeg: jpeg.replace(b"\xff\xe1", b"\xff\xc4", 1), UNREADABLE),
    (lambda jpeg: jpeg.replace(b"\xff\xe1", b"\xff\xf7", 1), UNREADABLE),  # JPEG-LS frame
], ids=["no-eoi", "cut-in-scan", "scan-before-frame", "garbage", "exif-as-dqt", "exif-as-dht",
        "exif-as-jpeg-ls"])
def test_issue15_4_a_jpeg_that_cannot_be_taken_apart_is_refused(
    damage: Callable[[bytes], bytes], expected: str,
) -> None:
    result = strip_metadata(io.BytesIO(damage(_photo())), "image/jpeg")
    assert result.refused == expected and result.cleaned is None


def test_issue15_4_webp_is_cleaned_chunk_by_chunk() -> None:
    original = (CORPUS / "phone-photo.webp").read_bytes()
    result = strip_metadata(io.BytesIO(original), "image/webp")
    assert result.handled and result.cleaned is not None
    assert result.media_type == "image/webp" and len(result.cleaned) < len(original)
    assert {"exif", "xmp"} <= set(result.removed)
    with Image.open(io.BytesIO(original)) as before, \
            Image.open(io.BytesIO(result.cleaned)) as after:
        assert after.tobytes() == before.tobytes()
        assert "exif" not in after.info and "xmp" not in after.info
    assert b"EXIF" not in result.cleaned and b"XMP " not in result.cleaned


def test_issue15_4_animated_webp_keeps_its_frames() -> None:
    frames = [Image.new("RGB", (32, 32), colour) for colour in ("red", "blue", "green")]
    exif = Image.Exif()
    exif[0x8825] = GPS
    out = io.BytesIO()
    frames[0].save(out, format="WEBP", save_all=True, append_images=frames[1:], exif=exif,
                   xmp=b"<x:xmpmeta>Kari</x:xmpmeta>", lossless=True)
    result = clean_webp(out.getvalue(), MAX_PIXELS)
    assert result.cleaned is not None and b"Kari" not in result.cleaned
    with Image.open(io.BytesIO(result.cleaned)) as after:
        assert getattr(after, "n_frames", 1) == 3
        assert "exif" not in after.info


def test_issue15_4_webp_canvas_bomb_is_refused_from_its_header() -> None:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="WEBP", exif=Image.Exif().tobytes() or None)
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x08\x00\x00\x00" + \
        (16383).to_bytes(3, "little") * 2
    body = out.getvalue()[12:]
    if body.startswith(b"VP8X"):
        body = body[18:]
    content = b"WEBP" + vp8x + body
    bomb = b"RIFF" + struct.pack("<I", len(content)) + content
    assert strip_metadata(io.BytesIO(bomb), "image/webp").refused == TOO_MANY_PIXELS
