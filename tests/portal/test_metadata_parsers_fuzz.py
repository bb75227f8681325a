"""A bounded fuzz of the lossless cleaners (issue 10 point 3, issue 15 §4): the corpus's
JPEG, MPO and WebP files, damaged at random, either are refused or come out no larger than
they came and without a byte of their metadata, and never raise. In process (no child): the
child's limits are tested in test_hostile_uploads.py."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from portal.metadata import clean_bytes

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
SEEDS = {name: (CORPUS / name).read_bytes()
         for name in ("phone-photo.jpg", "phone-portrait.jpg", "phone-dual.mpo",
                      "phone-photo.webp")}
MARKERS = (b"Corpusdottir", b"C39XK2CORPUS7", b"CORPUS-BURST", b"ns.adobe.com",
           b"Photoshop 3.0", b"MPF\x00", b"XMP ", b"EXIF")


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    content = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    # Most damage where the parsers look (the segments before the picture, 8-12 KB with a
    # phone's EXIF and thumbnail), some anywhere.
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.one_of(st.integers(0, min(len(content), 16384) - 1),
                                  st.integers(0, len(content) - 1)))
        content[position] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        content = content[:draw(st.integers(0, len(content)))]
    return bytes(content)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(raw=damaged())
def test_damaged_photos_are_refused_or_cleaned_never_larger(raw: bytes) -> None:
    result = clean_bytes(raw, 50_000_000)
    if result.refused is not None:
        assert result.cleaned is None
        return
    if not result.handled:  # no longer starts like a picture we clean
        return
    assert result.cleaned is not None
    assert len(result.cleaned) <= len(raw)
    for marker in MARKERS:
        assert marker not in result.cleaned, marker
    if result.media_type == "image/jpeg":
        with Image.open(io.BytesIO(result.cleaned)) as image:
            # At most the orientation, when turning would have made the file larger.
            assert set(image.getexif()) <= {0x0112}
