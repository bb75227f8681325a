"""Issue 10, "done when": a bounded fuzz of the upload path finds no 500. Real-looking files
(a JPEG and an MPO with GPS, a PNG with an author, a PDF with everything) are damaged at
random (bytes flipped, the file cut short) and sent through /report: every answer is the
case code page, a clean refusal (422) or a size refusal (413), never a server error, and a
refusal stores nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from config import Settings
from tests.portal import metadata_corpus
from tests.portal.conftest import Organisation
from tests.portal.helpers import post_report

SEEDS = {
    "photo.jpg": metadata_corpus.jpeg_with_gps(),
    "phone.mpo": metadata_corpus.mpo_with_gps(),
    "scan.png": metadata_corpus.png_with_author(),
    "report.pdf": metadata_corpus.pdf_with_everything(),
}
FUZZ = hypothesis_settings(max_examples=40, deadline=None, derandomize=True, database=None,
                           suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                  HealthCheck.too_slow])


@pytest.fixture
def settings(make_settings: Any, database_url: str) -> Settings:
    """Rate limits out of the way: the fuzz is about the files."""
    configured: Settings = make_settings(database_url=database_url,
                                         rate_limit_report="100000 per minute")
    return configured


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SEEDS)))
    content = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(0, 8))):
        position = draw(st.integers(0, len(content) - 1))
        content[position] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        content = content[:draw(st.integers(0, len(content)))]
    return name, bytes(content)


@FUZZ
@given(upload=damaged())
def test_damaged_files_never_make_a_server_error(client: FlaskClient, organisation: Organisation,
                                                 portal_app: Flask,
                                                 upload: tuple[str, bytes]) -> None:
    name, content = upload
    response = post_report(client, organisation.unit_id, "A damaged file.",
                           attachments=[(io.BytesIO(content), name)])
    assert response.status_code in (200, 413, 422), (name, response.status_code)
    if response.status_code == 422:
        assert "nothing was stored" in response.get_data(as_text=True)
