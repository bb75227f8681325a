"""Nothing readable at rest; tampering and failures handled safely (issue 4 §9)."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from config import Settings
from crypto import normalise_case_code
from portal.db import session_factory, transaction
from portal.models import Attachment, Case, Message
from portal.storage import file_store
from tests.factories import csrf_token
from tests.portal.conftest import Organisation
from tests.portal.helpers import follow_up, post_report, submit

MARKER = "ZEBRA-MARKER-7731 the foreman takes passports"
FILE_MARKER = b"FILE-CONTENT-MARKER-4411 payroll ledger"


def _all_bytes_at_rest(settings: Settings, app: Flask) -> bytes:
    """The SQLite files (or a dump of every PostgreSQL row) plus every stored file."""
    chunks = [path.read_bytes() for path in settings.instance_dir.rglob("*")
              if path.is_file() and path.name != "server-keys.json"]
    if not settings.database_url.startswith("sqlite"):
        with transaction(session_factory(app)) as db:
            for table in ("cases", "messages", "attachments", "case_key_wraps",
                          "server_sessions", "audit_events"):
                for row in db.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
                    chunks.append(repr(tuple(row)).encode())
    return b"\n".join(chunks)


def test_nothing_readable_at_rest_or_in_logs(client: FlaskClient, organisation: Organisation,
                                             settings: Settings, portal_app: Flask,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    code = submit(client, organisation.unit_id, MARKER, contact="reporter@example.net",
                  supplier="Marker Supplier Ltd",
                  attachments=[(io.BytesIO(FILE_MARKER), "ledger.txt")])
    follow_up(client, code)
    client.post("/case/messages", data={"csrf_token": csrf_token(client, "/case"),
                                        "body": MARKER + " again"},
                content_type="multipart/form-data")
    with transaction(session_factory(portal_app)) as db:
        db.execute(text("SELECT 1"))
    at_rest = _all_bytes_at_rest(settings, portal_app)
    normalised = normalise_case_code(code)
    for secret in (MARKER.encode(), FILE_MARKER, b"reporter@example.net", b"Marker Supplier",
                   code.encode(), normalised.encode(), b"ledger.txt"):
        assert secret not in at_rest
    logged = caplog.text
    for secret in (MARKER, code, normalised, "reporter@example.net", "127.0.0.1"):
        assert secret not in logged


def test_tampered_rows_show_a_damaged_mark_not_a_500(client: FlaskClient,
                                                     organisation: Organisation,
                                                     portal_app: Flask) -> None:
    code = submit(client, organisation.unit_id, MARKER,
                  attachments=[(io.BytesIO(FILE_MARKER), "ledger.txt")])
    follow_up(client, code)
    client.post("/case/messages", data={"csrf_token": csrf_token(client, "/case"),
                                        "body": "A message"},
                content_type="multipart/form-data")
    with transaction(session_factory(portal_app)) as db:
        case = db.scalars(select(Case)).one()
        message = db.scalars(select(Message)).one()
        case.sealed_answers = _flip(case.sealed_answers)
        message.sealed_body = _flip(message.sealed_body)
    response = client.get("/case")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "failed its integrity check" in page
    assert MARKER not in page


def test_swapped_ciphertexts_between_cases_do_not_open(client: FlaskClient,
                                                      organisation: Organisation,
                                                      portal_app: Flask) -> None:
    first = submit(client, organisation.unit_id, "First case text")
    submit(client, organisation.unit_id, "Second case text")
    with transaction(session_factory(portal_app)) as db:
        one, two = db.scalars(select(Case).order_by(Case.created_at)).all()
        one.sealed_answers, two.sealed_answers = two.sealed_answers, one.sealed_answers
    follow_up(client, first)
    page = client.get("/case").get_data(as_text=True)
    assert "Second case text" not in page
    assert "failed its integrity check" in page


def test_tampered_attachment_file_is_refused(client: FlaskClient, organisation: Organisation,
                                             portal_app: Flask) -> None:
    follow_up(client, submit(client, organisation.unit_id, "x",
                             attachments=[(io.BytesIO(FILE_MARKER * 100), "ledger.txt")]))
    with transaction(session_factory(portal_app)) as db:
        attachment = db.scalars(select(Attachment).where(Attachment.variant == "clean")).one()
    with portal_app.app_context():
        path = file_store(portal_app).path(attachment.stored_name)
    path.write_bytes(_flip(path.read_bytes()))
    response = client.get(f"/case/attachments/{attachment.id}")
    assert response.status_code == 409
    assert FILE_MARKER not in response.data


def _flip(blob: bytes) -> bytes:
    middle = len(blob) // 2
    return blob[:middle] + bytes([blob[middle] ^ 1]) + blob[middle + 1:]


def _stored_files(settings: Settings) -> list[Path]:
    return [path for path in settings.storage_dir.rglob("*") if path.is_file()]


def test_oversized_file_gives_413_and_leaves_nothing(make_portal_app: Any,
                                                    organisation: Organisation) -> None:
    app = make_portal_app(max_file_bytes=1024, max_total_upload_bytes=8192)
    settings = app.extensions["aktsom.settings"]
    client = app.test_client()
    response = post_report(client, organisation.unit_id, "x",
                           attachments=[(io.BytesIO(b"a" * 2000), "big.bin")])
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    response = post_report(client, organisation.unit_id, "x",
                           attachments=[(io.BytesIO(b"a" * 20000), "huge.bin")])
    assert response.status_code == 413
    response.close()
    assert _stored_files(settings) == []
    with transaction(session_factory(app)) as db:
        assert db.scalar(select(func.count()).select_from(Case)) == 0


def test_failure_mid_submission_leaves_no_case_and_no_file(
    client: FlaskClient, organisation: Organisation, portal_app: Flask, settings: Settings,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    import portal.cases.submission as services

    def explode(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("injected failure")

    # After the attachments are streamed into the store, before the commit.
    monkeypatch.setattr(services, "record_event", explode)
    portal_app.config["TESTING"] = False
    response = post_report(client, organisation.unit_id, MARKER,
                           attachments=[(io.BytesIO(FILE_MARKER), "ledger.txt")])
    assert response.status_code == 500
    assert 'id="case-code"' not in response.get_data(as_text=True)
    assert _stored_files(settings) == []
    with transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(func.count()).select_from(Case)) == 0
        assert db.scalar(select(func.count()).select_from(Attachment)) == 0


def test_store_sweep_removes_orphans_only(portal_app: Flask, settings: Settings,
                                          client: FlaskClient,
                                          organisation: Organisation) -> None:
    import os

    from portal.recovery import sweep_file_store

    submit(client, organisation.unit_id, "x", attachments=[(io.BytesIO(b"kept"), "k.txt")])
    with portal_app.app_context():
        store = file_store(portal_app)
        orphan = store.new_name()
        with store.create(orphan) as handle:
            handle.write(b"left by a crash")
        os.utime(store.path(orphan), (0, 0))
        kept_before = set(store.all_names()) - {orphan}
        assert sweep_file_store(portal_app) == 1
        assert set(store.all_names()) == kept_before
