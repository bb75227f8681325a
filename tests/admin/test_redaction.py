"""Removing a manifestly irrelevant message or file (issue 11 §8 (a); Directive Art. 17, GDPR
data minimisation): the content is destroyed (ciphertext overwritten, file bytes deleted), a
sealed tombstone stands in its place for the reporter and the handlers, with a reason, a
confirmation and an audit event naming who, when and which item, never content."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from crypto import InvalidCiphertext
from portal.cases.redaction import redaction_records
from portal.cases.sealing import open_message
from portal.cases.tombstones import open_message_or_tombstone
from portal.db import session_factory, transaction, utcnow
from portal.models import Attachment, AuditEvent, Case, CaseRedaction, Message
from portal.states import AttachmentVariant, AuthorKind, KeyKind, MessageKind
from portal.storage import file_store
from tests.admin.case_support import (
    World,
    open_case,
    post,
    report_over_http,
    signed_in,
)
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.factories import csrf_token
from tests.portal.helpers import follow_up

LINK = re.compile(r'href="/admin/cases/([0-9a-f]{32})"')
IRRELEVANT = "IRRELEVANT-MARKER-8812 my neighbour has diabetes"
REMOVED = "Removed as irrelevant on"


def _photo() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "MakerMarker"
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def _case_with_reporter_message(client: FlaskClient, admin_app: Flask,
                                world: World) -> tuple[str, FlaskClient]:
    """A report with a photo (original kept) and a reporter's irrelevant follow-up message."""
    code = report_over_http(client, world.unit_id, "REPORT the agency keeps passports",
                            attachments=[(io.BytesIO(_photo()), "photo.jpg")],
                            keep_originals="y")
    follow_up(client, code)
    response = client.post("/case/messages", data={"csrf_token": csrf_token(client, "/case"),
                                                   "body": IRRELEVANT},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    alice = signed_in(admin_app, world.alice)
    (case_id,) = LINK.findall(alice.get("/admin/cases").get_data(as_text=True))
    return case_id, alice


def _reporter_message(app: Flask, case_id: str) -> Message:
    with app.app_context(), transaction(session_factory(app)) as db:
        message = db.scalar(select(Message).where(Message.case_id == case_id,
                                                  Message.author_kind == AuthorKind.REPORTER))
        assert message is not None
        return message


def _redact(alice: FlaskClient, case_id: str, kind: str, item_id: str,
            **data: str) -> object:
    # "confirmed" is what the confirmation page sends (issue 14 §9).
    payload = {"reason": "third_party_data", "note": "NOTE-MARKER about why", "confirm": "1",
               "confirmed": "yes"}
    payload.update(data)
    return post(alice, f"/admin/cases/{case_id}/redactions/{kind}/{item_id}", payload,
                token_from=f"/admin/cases/{case_id}")


def test_a_message_is_destroyed_and_a_tombstone_takes_its_place(
        client: FlaskClient, world: World, admin_app: Flask, portal_app: Flask) -> None:
    case_id, alice = _case_with_reporter_message(client, admin_app, world)
    before = _reporter_message(portal_app, case_id)
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert IRRELEVANT in page and "Remove as irrelevant" in page

    response = _redact(alice, case_id, "message", before.id)
    assert response.status_code == 303  # type: ignore[attr-defined]
    after = _reporter_message(portal_app, case_id)
    assert after.sealed_body != before.sealed_body
    with admin_app.app_context():
        db, opened = open_case(admin_app, case_id, world.alice)
        assert opened is not None
        key = opened.keys.key(after.key_kind, after.key_generation)
        assert key is not None
        # The stored body is a tombstone: no text, the day of removal.
        text, _sent, gone = open_message_or_tombstone(key, after, prev_seq=0)
        assert text == "" and gone == utcnow().date()
        # The content is gone for good: what is stored opens to nothing of it.
        assert open_message(key, after, prev_seq=0)[0] == ""
        records = redaction_records(db, opened)
        assert records[after.id].reason == "third_party_data"
        assert records[after.id].redacted_by == world.alice.id
        assert records[after.id].note == "NOTE-MARKER about why"
        db.close()
    # Handlers: the tombstone with the reason and who; no trace of the text.
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert IRRELEVANT not in page and REMOVED in page
    assert "Personal data of people the report does not concern" in page
    # The reporter: the same tombstone, no reason or note.
    reporter_page = client.get("/case").get_data(as_text=True)
    assert IRRELEVANT not in reporter_page and REMOVED in reporter_page
    assert "NOTE-MARKER" not in reporter_page
    # Audited: who, which item, no content.
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "case.item_redacted"))
        assert event is not None
        assert (event.actor_id, event.case_id, event.target_id) == (world.alice.id, case_id,
                                                                    before.id)
        row = db.scalar(select(CaseRedaction))
        assert row is not None and b"NOTE-MARKER" not in (row.sealed_note or b"")


def test_the_dialogue_goes_on_intact_after_a_removal(
        client: FlaskClient, world: World, admin_app: Flask, portal_app: Flask) -> None:
    case_id, alice = _case_with_reporter_message(client, admin_app, world)
    message = _reporter_message(portal_app, case_id)
    post(alice, f"/admin/cases/{case_id}/messages", {"body": "REPLY-AFTER", "is_feedback":
                                                     "update"})
    _redact(alice, case_id, "message", message.id)
    client.post("/case/messages", data={"csrf_token": csrf_token(client, "/case"),
                                        "body": "REPORTER-AFTER"},
                content_type="multipart/form-data")
    for page in (client.get("/case").get_data(as_text=True),
                 alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)):
        assert "REPLY-AFTER" in page and "REPORTER-AFTER" in page
        assert "failed its integrity check" not in page


def test_a_file_and_its_kept_original_are_destroyed(
        client: FlaskClient, world: World, admin_app: Flask, portal_app: Flask) -> None:
    case_id, alice = _case_with_reporter_message(client, admin_app, world)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        files = {item.variant: (item.id, item.stored_name) for item in db.scalars(
            select(Attachment).where(Attachment.case_id == case_id))}
    assert set(files) == {AttachmentVariant.CLEAN, AttachmentVariant.ORIGINAL}
    store = file_store(portal_app)
    assert all(store.exists(name) for _id, name in files.values())
    clean_id = files[AttachmentVariant.CLEAN][0]

    assert _redact(alice, case_id, "attachment", clean_id).status_code == 303  # type: ignore[attr-defined]
    # The bytes are gone from the store (after the commit), both variants.
    assert not any(store.exists(name) for _id, name in files.values())
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        rows = list(db.scalars(select(Attachment).where(Attachment.case_id == case_id)))
        assert {row.size for row in rows} == {0}
        assert not any(store.exists(row.stored_name) for row in rows)
        assert len(list(db.scalars(select(CaseRedaction)))) == 2
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "photo.jpg" not in page and page.count(REMOVED) == 2
    assert alice.get(f"/admin/cases/{case_id}/attachments/{clean_id}").status_code == 404
    reporter_page = client.get("/case").get_data(as_text=True)
    assert "photo.jpg" not in reporter_page
    assert "A file removed as irrelevant on" in reporter_page
    assert client.get(f"/case/attachments/{clean_id}").status_code == 404


def test_removal_needs_a_reason_a_confirmation_and_a_csrf_token(
        client: FlaskClient, world: World, admin_app: Flask, portal_app: Flask) -> None:
    case_id, alice = _case_with_reporter_message(client, admin_app, world)
    message = _reporter_message(portal_app, case_id)
    url = f"/admin/cases/{case_id}/redactions/message/{message.id}"
    unconfirmed = _redact(alice, case_id, "message", message.id, confirm="")
    assert unconfirmed.status_code == 303  # type: ignore[attr-defined]
    assert "Tick the confirmation" in alice.get(f"/admin/cases/{case_id}").get_data(
        as_text=True)
    _redact(alice, case_id, "message", message.id, reason="")
    assert "Choose why the item is removed" in alice.get(f"/admin/cases/{case_id}").get_data(
        as_text=True)
    assert alice.post(url, data={"reason": "not_relevant", "confirm": "1"}).status_code == 400
    assert _reporter_message(portal_app, case_id).sealed_body == message.sealed_body
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(CaseRedaction.id)) is None


def test_legal_records_stay(client: FlaskClient, world: World, admin_app: Flask,
                            portal_app: Flask) -> None:
    case_id, alice = _case_with_reporter_message(client, admin_app, world)
    url = f"/admin/cases/{case_id}"
    post(alice, f"{url}/acknowledge")
    post(alice, f"{url}/messages", {"body": "FEEDBACK-TEXT", "is_feedback": "feedback"})
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        kept = {message.kind: message.id for message in db.scalars(select(Message).where(
            Message.case_id == case_id, Message.author_kind == AuthorKind.HANDLER))}
    assert set(kept) == {MessageKind.ACKNOWLEDGEMENT, MessageKind.MESSAGE}
    for message_id in kept.values():
        _redact(alice, case_id, "message", message_id)
        assert "cannot be removed" in alice.get(url).get_data(as_text=True)
    page = alice.get(url).get_data(as_text=True)
    assert "FEEDBACK-TEXT" in page
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(CaseRedaction.id)) is None


def test_only_a_holder_of_the_case_removes(client: FlaskClient, world: World,
                                           admin_app: Flask, portal_app: Flask) -> None:
    case_id, _alice = _case_with_reporter_message(client, admin_app, world)
    message = _reporter_message(portal_app, case_id)
    for person in (world.olga, world.mona, world.adam):
        outsider = signed_in(admin_app, person)
        response = outsider.post(
            f"/admin/cases/{case_id}/redactions/message/{message.id}",
            data={"csrf_token": _token(outsider), "reason": "not_relevant", "confirm": "1"})
        assert response.status_code in (403, 404)
    assert _reporter_message(portal_app, case_id).sealed_body == message.sealed_body


def _token(client: FlaskClient) -> str:
    page = client.get("/admin/").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def test_an_internal_note_of_an_older_key_generation_is_removed(
        client: FlaskClient, world: World, admin_app: Flask, portal_app: Flask) -> None:
    """After someone is left out (a new key generation), items sealed under the older keys
    are still replaced under their own generation."""
    case_id, alice = _case_with_reporter_message(client, admin_app, world)
    post(alice, f"/admin/cases/{case_id}/notes", {"body": "NOTE-OLD-GENERATION"})
    # Alice shares the case with Bob, then leaves herself out (at once): a new generation.
    post(alice, f"/admin/cases/{case_id}/grant", {"grant-user_id": world.bob.id})
    # (Confirmed, as the step-aside page does: issue 14 §9.)
    post(alice, f"/admin/cases/{case_id}/exclude", {"exclude-user_id": world.alice.id,
                                                    "exclude-confirm_self": "yes"})
    bob = signed_in(admin_app, world.bob)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        note = db.scalar(select(Message).where(Message.case_id == case_id,
                                               Message.kind == MessageKind.NOTE))
        assert note is not None and note.key_generation == 0
        assert note.key_kind == KeyKind.STAFF
        case_row = db.get(Case, case_id)
        assert case_row is not None and case_row.key_generation == 1
    assert _redact(bob, case_id, "message", note.id).status_code == 303  # type: ignore[attr-defined]
    page = bob.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "NOTE-OLD-GENERATION" not in page and REMOVED in page
    assert "failed its integrity check" not in page


def test_a_tombstone_cannot_be_forged_by_a_database_writer(
        client: FlaskClient, world: World, admin_app: Flask, portal_app: Flask) -> None:
    """Copying a tombstone over another message (to hide it) reads as damaged, not removed."""
    case_id, alice = _case_with_reporter_message(client, admin_app, world)
    message = _reporter_message(portal_app, case_id)
    post(alice, f"/admin/cases/{case_id}/messages", {"body": "REPLY-TO-HIDE",
                                                     "is_feedback": "update"})
    _redact(alice, case_id, "message", message.id)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        tombstone = db.get(Message, message.id)
        target = db.scalar(select(Message).where(Message.case_id == case_id,
                                                 Message.author_kind == AuthorKind.HANDLER))
        assert tombstone is not None and target is not None
        target.sealed_body = tombstone.sealed_body
    with admin_app.app_context():
        db, opened = open_case(admin_app, case_id, world.alice)
        assert opened is not None
        forged = db.get(Message, target.id)
        assert forged is not None
        key = opened.keys.key(forged.key_kind, forged.key_generation)
        assert key is not None
        try:
            open_message_or_tombstone(key, forged, prev_seq=message.seq)
        except InvalidCiphertext:
            pass
        else:
            raise AssertionError("a moved tombstone opened")
        db.close()
    page = client.get("/case").get_data(as_text=True)
    assert page.count(REMOVED) == 1 and "failed its integrity check" in page
