"""Issue 14 §2: an upload over the total limit, or a post the rate limit slows down, shows the
form again with what was typed and names the files dropped.

Reproduction before the fix: files larger together than the request limit gave Werkzeug's bare
413 page before the view ran (and Back showed an empty form); a 429 likewise."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.db import session_factory, transaction
from portal.models import Case
from portal.upload_spool import OVERSIZE_READ_FACTOR
from tests.factories import csrf_token, make_handler, make_recovery_key, make_unit
from tests.portal.helpers import follow_up, submit

TEXT = "The agency keeps our passports and deducts recruitment fees."


def _ready(app: Flask) -> str:
    unit = make_unit(app, "NORDIC", "Nordic Security AS")
    make_handler(app, "Alice Handler", [unit])
    make_recovery_key(app)
    return unit


def _cases(app: Flask) -> int:
    with transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(Case)) or 0)


def _close(response: Any) -> None:
    """The test client spools a large body to a temporary file: close it."""
    response.close()
    response.request.input_stream.close()


def _page(response: Any) -> str:
    return str(response.get_data(as_text=True)).replace("&#39;", "'")


def test_files_over_the_request_limit_bring_back_the_form_with_the_text(
        make_portal_app: Any) -> None:
    app = make_portal_app(max_file_bytes=64 * 1024, max_total_upload_bytes=128 * 1024)
    unit = _ready(app)
    client = app.test_client()
    big = b"v" * (700 * 1024)  # two of them: over max_request_bytes (128 KiB + 1 MiB)
    assert 2 * len(big) > app.extensions["aktsom.settings"].max_request_bytes
    response = client.post("/report", data={
        "csrf_token": csrf_token(client, "/report"), "category": "forced_labour",
        "unit": unit, "description": TEXT, "contact": "Signal only",
        "attachments": [(io.BytesIO(big), "video-one.mp4"), (io.BytesIO(big), "video-two.mp4")]},
        content_type="multipart/form-data")
    assert response.status_code == 413
    page = _page(response)
    assert 'action="/report"' in page  # the form, not the bare error page
    assert TEXT in page and "Signal only" in page
    assert "The files are too large together (0 MB at most)" not in page
    assert "The files are too large together" in page
    assert "video-one.mp4" in page and "video-two.mp4" in page
    assert "Choose them again" in page
    assert _cases(app) == 0
    _close(response)


def test_a_body_far_over_the_limit_is_still_refused_before_reading(
        make_portal_app: Any) -> None:
    """The read-on limit is bounded: past it, Werkzeug's 413 as before."""
    app = make_portal_app(max_file_bytes=64 * 1024, max_total_upload_bytes=128 * 1024)
    client = app.test_client()
    token = csrf_token(client, "/report")
    limit = app.extensions["aktsom.settings"].max_request_bytes * OVERSIZE_READ_FACTOR
    assert token
    response = client.post("/report", data=b"v" * (limit + 1),
                           content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert 'action="/report"' not in response.get_data(as_text=True)


def test_a_message_over_the_limit_keeps_the_text(make_portal_app: Any) -> None:
    app = make_portal_app(max_file_bytes=64 * 1024, max_total_upload_bytes=128 * 1024)
    unit = _ready(app)
    client = app.test_client()
    follow_up(client, submit(client, unit, "Passports are kept."))
    response = client.post("/case/messages", data={
        "csrf_token": csrf_token(client, "/case"), "body": TEXT,
        "attachments": [(io.BytesIO(b"v" * (1400 * 1024)), "recording.m4a")]},
        content_type="multipart/form-data")
    assert response.status_code == 413
    page = _page(response)
    assert 'action="/case/messages"' in page and TEXT in page and "recording.m4a" in page
    _close(response)


def test_the_rate_limit_brings_back_the_form_with_the_text(make_portal_app: Any) -> None:
    app = make_portal_app(rate_limit_report="1 per minute")
    unit = _ready(app)
    client: FlaskClient = app.test_client()
    submit(client, unit, "The first report.")
    response = client.post("/report", data={
        "csrf_token": csrf_token(client, "/report"), "category": "forced_labour",
        "unit": unit, "description": TEXT,
        "attachments": [(io.BytesIO(b"evidence"), "payslip.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 429
    page = _page(response)
    assert 'action="/report"' in page and TEXT in page
    assert "Too many attempts in a short time, so this has not been sent yet" in page
    assert "payslip.pdf" in page
    assert _cases(app) == 1


def test_a_carried_message_survives_the_rate_limit_on_the_code_form(
        make_portal_app: Any) -> None:
    """Reproduction: the text carried through the code form met the /followup limit and the
    bare 429 page lost it."""
    app = make_portal_app(rate_limit_followup="1 per minute")
    _ready(app)
    client = app.test_client()
    token = csrf_token(client, "/followup")
    data = {"csrf_token": token, "case_code": "AAAAA-AAAAA-AAAAA-AAAAA", "body": TEXT}
    assert client.post("/followup", data=data).status_code == 200
    response = client.post("/followup", data=data)
    assert response.status_code == 429
    page = _page(response)
    assert 'action="/followup"' in page and TEXT in page
    assert "AAAAA-AAAAA" not in page  # the code typed is never echoed
    assert "Too many attempts in a short time" in page
