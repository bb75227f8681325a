"""Who receives a case (conflict of interest, group routing, certification) and what
metadata is removed from attachments."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from crypto import open_reporter_key, unwrap_case_key
from portal.cases.attachments import attachment_meta
from portal.cases.keyring import Keyring
from portal.cases.reading import open_case_view
from portal.cases.sealing import read_attachment
from portal.db import session_factory, transaction
from portal.metadata import strip_metadata
from portal.models import Attachment, Case, CaseKeyWrap
from portal.storage import file_store
from tests.factories import make_handler
from tests.portal.conftest import Organisation
from tests.portal.helpers import post_report, submit


def _user_recipients(app: Flask) -> set[str]:
    with transaction(session_factory(app)) as db:
        return {wrap.recipient_id for wrap in db.scalars(select(CaseKeyWrap))
                if wrap.recipient_kind == "user"}


def test_excluded_handler_receives_no_key(client: FlaskClient, organisation: Organisation,
                                          portal_app: Flask) -> None:
    page = client.get("/report").get_data(as_text=True)
    assert "Alice Handler" in page and "Grace Group" in page
    submit(client, organisation.unit_id, "About Alice.", exclude=[organisation.alice.user_id])
    assert _user_recipients(portal_app) == {organisation.bob.user_id}


def test_excluding_everyone_routes_to_the_group(client: FlaskClient,
                                                organisation: Organisation,
                                                portal_app: Flask) -> None:
    response = post_report(client, organisation.unit_id, "About both.",
                           exclude=[organisation.alice.user_id, organisation.bob.user_id])
    page = response.get_data(as_text=True)
    assert "has gone to the group" in page, page[page.find("<main"):][:1500]
    assert _user_recipients(portal_app) == {organisation.grace.user_id}
    with transaction(session_factory(portal_app)) as db:
        assert db.scalars(select(Case)).one().routed_to_group


def test_dont_know_goes_to_the_group(client: FlaskClient, organisation: Organisation,
                                     portal_app: Flask) -> None:
    submit(client, "dont_know", "Not sure which company.")
    assert _user_recipients(portal_app) == {organisation.grace.user_id}


def test_uncertified_key_never_receives_a_case(client: FlaskClient,
                                               organisation: Organisation,
                                               portal_app: Flask) -> None:
    rogue = make_handler(portal_app, "Rogue Insert", [organisation.unit_id], certified=False)
    submit(client, organisation.unit_id, "Something.")
    recipients = _user_recipients(portal_app)
    assert rogue.user_id not in recipients
    assert recipients == {organisation.alice.user_id, organisation.bob.user_id}
    assert "Rogue Insert" not in client.get("/report").get_data(as_text=True)


def test_channel_not_ready_stores_nothing(client: FlaskClient, portal_app: Flask) -> None:
    from tests.factories import make_unit

    unit = make_unit(portal_app, "EMPTY", "No handlers AS")
    response = post_report(client, unit, "Nobody to read this.")
    assert response.status_code == 503
    assert "Nothing was stored" in response.get_data(as_text=True)
    with transaction(session_factory(portal_app)) as db:
        assert db.scalars(select(Case)).all() == []


def test_handler_and_reporter_keys_open_the_same_case(client: FlaskClient,
                                                      organisation: Organisation,
                                                      portal_app: Flask) -> None:
    code = submit(client, organisation.unit_id, "Shared secret text.")
    with transaction(session_factory(portal_app)) as db:
        case = db.scalars(select(Case)).one()
        wrap = db.scalar(select(CaseKeyWrap).where(
            CaseKeyWrap.recipient_id == organisation.alice.user_id,
            CaseKeyWrap.key_kind == "case"))
        assert wrap is not None
        from_handler = unwrap_case_key(wrap.blob, organisation.alice.private_key,
                                       case_id=f"{case.id}:case",
                                       recipient_id=organisation.alice.user_id)
        pair = open_reporter_key(case.reporter_key, code, case_id=case.id)
        reporter_wrap = db.scalar(select(CaseKeyWrap).where(
            CaseKeyWrap.case_id == case.id, CaseKeyWrap.recipient_kind == "reporter"))
        assert reporter_wrap is not None and reporter_wrap.key_kind == "case"
        from_reporter = unwrap_case_key(reporter_wrap.blob, pair.private_bytes,
                                        case_id=f"{case.id}:case", recipient_id="reporter")
        assert from_handler == from_reporter
        view = open_case_view(db, case, Keyring.of(case.id, from_handler))
        assert view.answers is not None
        assert view.answers["description"] == "Shared secret text."


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (32, 16), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Maker"  # Make
    exif[0x0110] = "Model X"
    exif[0x8825] = {2: (59.0, 54.0, 0.0), 1: "N"}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _pdf_with_author() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = "Kari Nordmann"
    pdf.docinfo["/Creator"] = "Office 2024"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_metadata_is_removed_and_the_original_kept_for_handlers(
    client: FlaskClient, organisation: Organisation, portal_app: Flask
) -> None:
    """With the reporter's consent only: the box is ticked here. The original used to be kept
    always, behind the reporter's back; the issue (metadata removal, point 1) makes it opt-in,
    see test_point1_no_original_is_kept_unless_the_reporter_asks."""
    response = post_report(client, organisation.unit_id, "Photos attached.", attachments=[
        (io.BytesIO(_jpeg_with_gps()), "photo.jpg"),
        (io.BytesIO(_pdf_with_author()), "memo.pdf"),
        (io.BytesIO(b"plain"), "notes.docx"),
    ], keep_originals="y")
    page = response.get_data(as_text=True)
    assert ("<bdi>photo.jpg</bdi>: we removed hidden information (camera, time and location "
            "details) from the copy we store. As you asked, the original file, with that "
            "information, was also kept for the case handlers.") in page
    assert ("<bdi>memo.pdf</bdi>: we removed hidden information (author, software used) from "
            "the copy") in page
    assert "<bdi>notes.docx</bdi>: we could not check" in page
    with transaction(session_factory(portal_app)) as db:
        case = db.scalars(select(Case)).one()
        wrap = db.scalar(select(CaseKeyWrap).where(
            CaseKeyWrap.recipient_id == organisation.alice.user_id,
            CaseKeyWrap.key_kind == "staff"))
        assert wrap is not None
        staff_key = unwrap_case_key(wrap.blob, organisation.alice.private_key,
                                    case_id=f"{case.id}:staff",
                                    recipient_id=organisation.alice.user_id)
        attachments = db.scalars(select(Attachment)).all()
    variants = sorted((a.variant, a.key_kind) for a in attachments)
    assert variants == [("clean", "case")] * 3 + [("original", "staff")] * 2
    with portal_app.app_context():
        store = file_store(portal_app)
        original = next(a for a in attachments if a.variant == "original"
                        and attachment_meta(staff_key, a)["name"] == "photo.jpg")
        with read_attachment(store, staff_key, original) as handle:
            assert b"SpyCam Maker" in handle.read()


def test_point1_no_original_is_kept_unless_the_reporter_asks(
    client: FlaskClient, organisation: Organisation, portal_app: Flask
) -> None:
    """Issue point 1: the reporter was told the metadata was removed while an original with
    GPS and author stayed one click away for handlers. Unticked (the default), only the
    cleaned copy exists, and the notice says what is true."""
    form = client.get("/report").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="keep_originals"[^>]*>', form)
    assert box is not None and "checked" not in box.group(0)
    assert ("Also keep my original files unchanged for the case handlers. Originals can "
            "contain hidden information such as the location where a photo was taken and "
            "the device.") in form
    response = post_report(client, organisation.unit_id, "Photos attached.", attachments=[
        (io.BytesIO(_jpeg_with_gps()), "photo.jpg"),
        (io.BytesIO(_pdf_with_author()), "memo.pdf"),
    ])
    page = response.get_data(as_text=True)
    assert ("<bdi>photo.jpg</bdi>: we removed hidden information (camera, time and location "
            "details) before storing it.") in page
    assert "original" not in page[page.find("<main"):]
    with transaction(session_factory(portal_app)) as db:
        variants = sorted((a.variant, a.key_kind) for a in db.scalars(select(Attachment)))
    assert variants == [("clean", "case")] * 2


@pytest.mark.parametrize("maker", [_jpeg_with_gps, _pdf_with_author])
def test_strip_metadata_output_has_none_left(maker: object) -> None:
    raw = maker()  # type: ignore[operator]
    result = strip_metadata(io.BytesIO(raw), "application/octet-stream")
    assert result.handled and result.cleaned is not None
    for marker in (b"SpyCam Maker", b"Kari Nordmann", b"Office 2024"):
        assert marker not in result.cleaned
    assert result.removed


def test_a_fake_image_is_not_trusted() -> None:
    result = strip_metadata(io.BytesIO(b"\xff\xd8\xff garbage"), "image/jpeg")
    assert not result.handled
