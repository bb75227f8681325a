"""The original with its metadata (kept only where the reporter chose to keep it) is reached
through an explicit evidence-copy step (issue 14 §10): a warning page, a deliberate POST, a
file name that says what it is, and an audit entry of its own."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from portal.cases.attachments import Upload
from portal.cases.submission import NewReport, submit_report
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.models import Attachment, AuditEvent
from portal.storage import file_store
from tests.admin.case_support import World, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)


def _photo() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "MakerMarker"
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def _setup(app: Flask, world: World) -> tuple[str, dict[str, str]]:
    with app.app_context(), transaction(session_factory(app)) as db:
        report = NewReport(category="forced_labour", human_rights=True, unit_id=world.unit_id,
                           description="See the photo.", language="en", keep_originals=True)
        submitted = submit_report(
            db, settings=settings_of(app), server_keys=server_keys_of(app), store=file_store(app),
            report=report,
            uploads=[Upload(filename="photo.jpg", media_type="image/jpeg",
                            stream=io.BytesIO(_photo()))])
        case_id = submitted.case.id
    with app.app_context(), transaction(session_factory(app)) as db:
        files = {str(item.variant): item.id for item in db.scalars(
            select(Attachment).where(Attachment.case_id == case_id))}
    assert set(files) == {"clean", "original"}
    return case_id, files


def _actions(app: Flask, case_id: str) -> list[str]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return list(db.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case_id)
                               .order_by(AuditEvent.seq)))


def test_the_original_is_not_one_click_away(world: World, portal_app: Flask,
                                            admin_app: Flask) -> None:
    case_id, files = _setup(portal_app, world)
    alice = signed_in(admin_app, world.alice)
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    evidence = f"/admin/cases/{case_id}/attachments/{files['original']}/evidence-copy"
    assert f'href="{evidence}"' in page
    assert f'href="/admin/cases/{case_id}/attachments/{files["original"]}"' not in page
    # The plain download of the original leads to the warning, and hands out nothing.
    response = alice.get(f"/admin/cases/{case_id}/attachments/{files['original']}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(evidence)
    warning = alice.get(evidence)
    assert warning.status_code == 200
    html = warning.get_data(as_text=True)
    assert "Metadata can identify the reporter" in html
    assert f'action="{evidence}"' in html and 'method="post"' in html
    assert b"MakerMarker" not in warning.data
    assert "case.evidence_copy_downloaded" not in _actions(portal_app, case_id)


def test_the_evidence_copy_is_named_and_audited(world: World, portal_app: Flask,
                                                admin_app: Flask) -> None:
    case_id, files = _setup(portal_app, world)
    alice = signed_in(admin_app, world.alice)
    evidence = f"/admin/cases/{case_id}/attachments/{files['original']}/evidence-copy"
    response = post(alice, evidence, token_from=evidence)
    assert response.status_code == 200
    assert b"MakerMarker" in response.data
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "ORIGINAL-WITH-METADATA-photo.jpg" in disposition
    response.close()
    assert _actions(portal_app, case_id).count("case.evidence_copy_downloaded") == 1
    # The cleaned copy keeps its own name and its own action.
    clean = alice.get(f"/admin/cases/{case_id}/attachments/{files['clean']}")
    assert b"MakerMarker" not in clean.data
    assert "ORIGINAL-WITH-METADATA" not in clean.headers["Content-Disposition"]
    clean.close()
    assert "case.attachment_downloaded" in _actions(portal_app, case_id)


def test_the_step_needs_the_csrf_token_and_an_original(world: World, portal_app: Flask,
                                                       admin_app: Flask) -> None:
    case_id, files = _setup(portal_app, world)
    alice: FlaskClient = signed_in(admin_app, world.alice)
    evidence = f"/admin/cases/{case_id}/attachments/{files['original']}/evidence-copy"
    assert alice.post(evidence, data={}).status_code == 400
    assert "case.evidence_copy_downloaded" not in _actions(portal_app, case_id)
    # A cleaned copy has no evidence copy.
    assert alice.get(f"/admin/cases/{case_id}/attachments/{files['clean']}/evidence-copy"
                     ).status_code == 404
    # Nor does a handler who does not hold the case see one.
    olga = signed_in(admin_app, world.olga)
    assert olga.get(evidence).status_code == 404
