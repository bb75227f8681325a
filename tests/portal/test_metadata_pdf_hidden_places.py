"""Issue 10 point 1, found by the audit of the delivered cleaning (gaps 1 and 2): places in a
PDF where identifying data stayed while the reporter was told the file was cleaned.

- Gap 1: a JPEG 2000 picture (/JPXDecode) was copied with its XMP and GeoJP2 boxes and
  `removed == []`. Such a PDF is now refused, as a .jp2 file is.
- Gap 2: a comment written directly in /Annots (not an indirect object) kept its author
  (/T) and date (/M); a JPEG written inline in a page's drawing (BI ... ID ... EI) kept its
  EXIF. The comment is cleaned now; the inline JPEG is refused.

The files are made here with pikepdf; every check looks for the marker in the bytes.
"""

from __future__ import annotations

import io
import zlib

import pikepdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pikepdf import Array, Dictionary, Name
from PIL import Image
from sqlalchemy import select

from portal import metadata_pdf
from portal.db import session_factory, transaction
from portal.metadata import PDF_PICTURES, UNREADABLE, clean_bytes, strip_metadata
from portal.models import Attachment, Case
from tests.portal.conftest import Organisation
from tests.portal.helpers import post_report
from tests.portal.metadata_corpus import doubled_flate_pdf, jpeg_with_gps

MARKER = b"Marker-Kari-Nordmann-59.91N"
MAX_PIXELS = 50_000_000


def _saved(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


def _jp2_with_xmp_box() -> bytes:
    """A real JP2 file (Pillow, OpenJPEG) followed by an XML box holding the marker, as a
    camera's or a GIS tool's XMP or GML box would be."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 200)).save(out, format="JPEG2000")
    xml = b"<x:xmpmeta><dc:creator>" + MARKER + b"</dc:creator></x:xmpmeta>"
    return out.getvalue() + (8 + len(xml)).to_bytes(4, "big") + b"xml " + xml


def _pdf_with_jpx_picture(filters: Name | Array) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 100))
    page = pdf.pages[0]
    picture = pdf.make_stream(_jp2_with_xmp_box(), Type=Name.XObject, Subtype=Name.Image,
                              Width=16, Height=16, Filter=filters)
    page.obj.Resources = Dictionary(XObject=Dictionary(Im0=picture))
    page.obj.Contents = pdf.make_stream(b"q 16 0 0 16 10 10 cm /Im0 Do Q")
    return _saved(pdf)


@pytest.mark.parametrize("filters", [Name.JPXDecode, Array([Name.JPXDecode])],
                         ids=["name", "array"])
def test_gap1_pdf_with_jpeg2000_picture_is_refused(filters: Name | Array) -> None:
    """Before: the picture was copied byte for byte, marker and all, with removed == []."""
    raw = _pdf_with_jpx_picture(filters)
    assert MARKER in raw
    result = clean_bytes(raw, MAX_PIXELS)
    assert result.refused == PDF_PICTURES
    assert not result.handled and result.cleaned is None


def test_gap1_pdf_with_jpeg2000_picture_is_refused_and_nothing_stored(
    client: FlaskClient, organisation: Organisation, portal_app: Flask,
) -> None:
    """End to end, through the cleaning child: the reporter is told the PDF holds pictures
    that cannot be cleaned (not that it is a JPEG 2000 picture, which it is not)."""
    raw = _pdf_with_jpx_picture(Name.JPXDecode)
    assert strip_metadata(io.BytesIO(raw), "application/pdf").refused == PDF_PICTURES
    response = post_report(client, organisation.unit_id, "A scan.",
                           attachments=[(io.BytesIO(raw), "scan.pdf")])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "\u2068scan.pdf\u2069 holds pictures in a form we cannot clean" in page
    assert "nothing was stored" in page and "scan.pdf\u2069 is a JPEG 2000" not in page
    with transaction(session_factory(portal_app)) as db:
        assert db.scalars(select(Case)).all() == []
        assert db.scalars(select(Attachment)).all() == []


def test_gap2_comment_written_directly_in_annots_loses_author_and_date() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 100))
    pdf.pages[0].obj.Annots = Array([Dictionary(
        Type=Name.Annot, Subtype=Name.Text, Rect=Array([0, 0, 20, 20]),
        Contents=pikepdf.String("Look here"), T=pikepdf.String(MARKER.decode()),
        M=pikepdf.String("D:20240101120000Z"))])
    raw = _saved(pdf)
    assert MARKER in raw and b"D:20240101120000Z" in raw
    result = clean_bytes(raw, MAX_PIXELS)
    assert result.handled and result.cleaned is not None, result.refused
    assert MARKER not in result.cleaned and b"D:20240101120000Z" not in result.cleaned
    assert b"Look here" in result.cleaned  # the comment itself is content: kept
    assert {"annotation authors", "dates"} <= set(result.removed)
    with pikepdf.open(io.BytesIO(result.cleaned)) as cleaned:
        annotation = cleaned.pages[0].obj.Annots[0]
        assert "/T" not in annotation and "/M" not in annotation


def _inline_jpeg(dictionary: bytes) -> bytes:
    """A drawing with an inline JPEG picture (whose EXIF holds GPS) under `dictionary`."""
    jpeg = jpeg_with_gps()
    assert b"Exif" in jpeg
    return b"q 40 0 0 30 0 0 cm BI " + dictionary + b" ID " + jpeg + b"\nEI Q"


def _page_drawing(drawing: bytes, flate: bool) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 100))
    if flate:
        stream = pikepdf.Stream(pdf, zlib.compress(drawing))
        stream.Filter = Name.FlateDecode
        pdf.pages[0].obj.Contents = pdf.make_indirect(stream)
    else:
        pdf.pages[0].obj.Contents = pdf.make_stream(drawing)
    return _saved(pdf)


def _form_drawing(drawing: bytes) -> bytes:
    """The inline picture in a form XObject that the page draws."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 100))
    form = pdf.make_stream(drawing, Type=Name.XObject, Subtype=Name.Form,
                           BBox=Array([0, 0, 100, 100]))
    pdf.pages[0].obj.Resources = Dictionary(XObject=Dictionary(Fm0=form))
    pdf.pages[0].obj.Contents = pdf.make_stream(b"/Fm0 Do")
    return _saved(pdf)


def _type3_glyph(drawing: bytes) -> bytes:
    """The inline picture as the glyph of a Type 3 font written in the page's resources."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 100))
    glyph = pdf.make_stream(b"40 0 0 0 40 30 d1 " + drawing)
    font = Dictionary(Type=Name.Font, Subtype=Name.Type3, FontBBox=Array([0, 0, 40, 30]),
                      FontMatrix=Array([0.01, 0, 0, 0.01, 0, 0]), FirstChar=65, LastChar=65,
                      Widths=Array([40]), Encoding=Dictionary(Differences=Array([65, Name.g])),
                      CharProcs=Dictionary(g=glyph), Resources=Dictionary())
    pdf.pages[0].obj.Resources = Dictionary(Font=Dictionary(F1=font))
    pdf.pages[0].obj.Contents = pdf.make_stream(b"BT /F1 1 Tf (A) Tj ET")
    return _saved(pdf)


@pytest.mark.parametrize("raw", [
    _page_drawing(_inline_jpeg(b"/W 40 /H 30 /CS /RGB /BPC 8 /F /DCT"), flate=False),
    _page_drawing(_inline_jpeg(b"/W 40 /H 30 /CS /RGB /BPC 8 /F /DCT"), flate=True),
    _page_drawing(_inline_jpeg(b"/Width 40 /Height 30 /ColorSpace /DeviceRGB "
                               b"/BitsPerComponent 8 /Filter [/DCTDecode]"), flate=True),
    _page_drawing(_inline_jpeg(b"/W 40 /H 30 /CS /RGB /BPC 8 /F /D#43T"), flate=False),
    _form_drawing(_inline_jpeg(b"/W 40 /H 30 /CS /RGB /BPC 8 /F /DCT")),
    _type3_glyph(_inline_jpeg(b"/W 40 /H 30 /CS /RGB /BPC 8 /F /DCT")),
], ids=["page", "page-flate", "full-names", "escaped-name", "form-xobject", "type3-glyph"])
def test_gap2_inline_jpeg_picture_is_refused(raw: bytes) -> None:
    """Before: the drawing was copied as it came, EXIF and all, and the file was 'cleaned'."""
    result = clean_bytes(raw, MAX_PIXELS)
    assert result.refused == PDF_PICTURES
    assert result.cleaned is None


def test_gap2_inline_pictures_coded_as_samples_are_kept() -> None:
    """A bitmap glyph or icon coded as samples carries nothing else: the file is cleaned and
    its drawing copied byte for byte."""
    drawing = b"q 8 0 0 8 0 0 cm BI /W 8 /H 8 /CS /G /BPC 8 /F /AHx ID " + b"7f" * 64 + b"> EI Q"
    raw = _page_drawing(drawing, flate=True)
    result = clean_bytes(raw, MAX_PIXELS)
    assert result.handled and result.cleaned is not None, result.refused
    with pikepdf.open(io.BytesIO(result.cleaned)) as cleaned:
        assert cleaned.pages[0].obj.Contents.read_bytes() == drawing
        assert cleaned.pages[0].obj.Contents.Filter == Name.FlateDecode


def test_gap2_drawing_beyond_the_budget_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Looking for inline pictures reads drawings through, never past a budget of decoded
    bytes per file (512 MiB; 2 MiB here): a bomb beyond it is refused, not read to its end."""
    monkeypatch.setattr(metadata_pdf, "_CONTENT_BUDGET", 2 * 1024 * 1024)
    assert clean_bytes(doubled_flate_pdf(1), MAX_PIXELS).handled
    assert clean_bytes(doubled_flate_pdf(3), MAX_PIXELS).refused == UNREADABLE


def test_gap7_the_name_in_a_refusal_is_isolated(
    client: FlaskClient, organisation: Organisation,
) -> None:
    """Issue 10 gap 7: a refusal is text (escaped where shown), so the name sits between
    FSI and PDI, the plain-text form of <bdi>: a right-to-left name cannot reorder it."""
    response = post_report(client, organisation.unit_id, "A scan.",
                           attachments=[(io.BytesIO(_pdf_with_jpx_picture(Name.JPXDecode)),
                                         "مسح.pdf")])
    assert response.status_code == 422
    assert "\u2068مسح.pdf\u2069 holds pictures" in response.get_data(as_text=True)
