"""Issue (hostile input), point 1: metadata removal that keeps its promise.

A reviewer found, against a running server, that the "cleaned" PDF still carried its
pictures' EXIF and GPS, page XMP, comment authors, embedded files and PieceInfo, and that
multi-picture JPEGs (MPO, from phones) were not cleaned at all. Each file of the corpus
below is checked with exiftool, an independent tool, not with our own parser.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.db import session_factory, transaction
from portal.metadata import strip_metadata
from portal.models import Attachment, Case
from tests.factories import csrf_token
from tests.portal.conftest import Organisation
from tests.portal.helpers import follow_up, post_report, submit
from tests.portal.metadata_corpus import (
    MARKERS,
    embedded_jpegs,
    exiftool_path,
    exiftool_tags,
    identifying,
    jpeg_with_gps,
    mpo_with_gps,
    pdf_streams_and_strings,
    pdf_with_everything,
    png_with_author,
)

CORPUS: dict[str, Callable[[], bytes]] = {
    "photo.jpg": jpeg_with_gps, "phone.mpo.jpg": mpo_with_gps, "chart.png": png_with_author,
    "memo.pdf": pdf_with_everything,
}


@pytest.fixture(scope="module")
def exiftool() -> str:
    return exiftool_path()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_point1_the_corpus_carries_metadata_before(name: str, exiftool: str) -> None:
    """The check would see it: every file of the corpus has what must go."""
    assert identifying(exiftool_tags(exiftool, CORPUS[name]()))


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_point1_exiftool_finds_nothing_identifying_after_cleaning(name: str,
                                                                 exiftool: str) -> None:
    result = strip_metadata(io.BytesIO(CORPUS[name]()), "application/octet-stream")
    assert result.handled and result.cleaned is not None, result.refused
    assert identifying(exiftool_tags(exiftool, result.cleaned)) == []
    for marker in MARKERS:
        assert marker.encode() not in result.cleaned
    assert result.removed


def test_point1_mpo_is_cleaned_as_a_single_jpeg(exiftool: str) -> None:
    result = strip_metadata(io.BytesIO(mpo_with_gps()), "image/jpeg")
    assert result.handled and result.cleaned is not None
    tags = exiftool_tags(exiftool, result.cleaned)
    assert tags["File:FileType"] == "JPEG"
    assert not [name for name in tags if "MPF" in name or "MPImage" in name]
    assert result.cleaned.count(b"\xff\xd8\xff") == 1  # the second picture is gone
    assert "extra pictures" in result.removed


def test_point1_pdf_is_cleaned_deeply(exiftool: str) -> None:
    """Info, every XMP stream, comment authors and popups, embedded files (name tree and
    FileAttachment comments), PieceInfo, and the EXIF GPS of the embedded picture."""
    result = strip_metadata(io.BytesIO(pdf_with_everything()), "application/pdf")
    assert result.handled and result.cleaned is not None
    everything = pdf_streams_and_strings(result.cleaned)
    for marker in MARKERS + ("/PieceInfo", "/EmbeddedFiles", "/FileAttachment", "/Popup",
                             "/Metadata", "D:20240101120000Z"):
        assert marker.encode() not in everything, marker
    pictures = embedded_jpegs(result.cleaned)
    assert len(pictures) == 1
    assert identifying(exiftool_tags(exiftool, pictures[0])) == []
    assert b"Look here" in everything  # the comment's text is the content: kept
    assert set(result.removed) >= {"Author", "XMP", "PieceInfo", "annotation authors",
                                   "embedded files", "exif"}


def test_point1_reporter_download_is_the_clean_copy(
    client: FlaskClient, organisation: Organisation, portal_app: Flask, exiftool: str,
) -> None:
    """End to end: what is stored and served is what exiftool finds clean."""
    code = submit(client, organisation.unit_id, "Evidence.", attachments=[
        (io.BytesIO(maker()), name) for name, maker in sorted(CORPUS.items())])
    with transaction(session_factory(portal_app)) as db:
        stored = db.scalars(select(Attachment)).all()
    assert {item.variant for item in stored} == {"clean"} and len(stored) == len(CORPUS)
    follow_up(client, code)
    for item in stored:
        response = client.get(f"/case/attachments/{item.id}")
        assert response.status_code == 200
        assert identifying(exiftool_tags(exiftool, response.data)) == []
        response.close()


def test_point1_heic_is_refused_and_nothing_stored(client: FlaskClient,
                                                   organisation: Organisation,
                                                   portal_app: Flask) -> None:
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)
    response = post_report(client, organisation.unit_id, "A photo.",
                           attachments=[(io.BytesIO(heic), "IMG_0001.HEIC")])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "\u2068IMG_0001.HEIC\u2069 is a HEIC photo" in page and "nothing was stored" in page
    assert 'id="case-code"' not in page
    with transaction(session_factory(portal_app)) as db:
        assert db.scalars(select(Case)).all() == []
        assert db.scalars(select(Attachment)).all() == []


def test_point1_follow_up_keeps_the_original_only_when_asked(
    client: FlaskClient, organisation: Organisation, portal_app: Flask,
) -> None:
    """The follow-up form has the same box, unticked; it works without JavaScript (a plain
    form field)."""
    code = submit(client, organisation.unit_id, "First.")
    follow_up(client, code)
    page = client.get("/case").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="keep_originals"[^>]*>', page)
    assert box is not None and "checked" not in box.group(0)
    for keep in ({}, {"keep_originals": "y"}):
        response = client.post("/case/messages", data={
            "csrf_token": csrf_token(client, "/case"), "body": "More.",
            "attachments": [(io.BytesIO(jpeg_with_gps()), "photo.jpg")], **keep,
        }, content_type="multipart/form-data", follow_redirects=True)
        text = response.get_data(as_text=True)
        if keep:
            assert "the original file, with that information, was also kept" in text
        else:
            assert "photo.jpg: removed camera, time and location details" in text
    with transaction(session_factory(portal_app)) as db:
        variants = sorted(item.variant for item in db.scalars(select(Attachment)))
    assert variants == ["clean", "clean", "original"]
