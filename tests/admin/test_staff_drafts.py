"""Issue 14, audit gap 5: a handler's text posted after the staff idle timeout is not lost.

Reproduction: a handler writes a long reply (or an internal note) for longer than the staff
idle timeout and presses "Send". Before the fix the sign-in guard sent them to sign in and the
text was gone (`portal.access._login_redirect` kept `next` only for a GET). Now the text is
kept sealed through the sign-in and comes back, unsent, in its box on the case page."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from config import Settings
from portal.db import session_factory, transaction, utcnow
from portal.models import Message, ServerSession
from portal.staff_drafts import DRAFT_COOKIE, DRAFT_KIND
from tests.admin.case_support import World, new_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.helpers import sign_in
from tests.factories import csrf_token

REPLY = "REPLY-MARKER Thank you; could you tell us which shift this was on? " * 20
NOTE = "NOTE-MARKER The foreman named is also on the safety committee. " * 20


def _idle_out(app: Flask, settings: Settings) -> None:
    idle = timedelta(minutes=settings.staff_idle_minutes)
    with transaction(session_factory(app)) as db:
        db.execute(update(ServerSession).where(ServerSession.kind == "staff")
                   .values(last_seen_at=utcnow() - idle - timedelta(seconds=1)))


def _messages(app: Flask) -> int:
    with transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(Message)) or 0)


def _box(page: str, field_id: str) -> str:
    match = re.search(rf'<textarea[^>]*id="{field_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no text box {field_id}"
    return html.unescape(match.group(1)).strip()


def _write_then_idle_out(client: FlaskClient, app: Flask, settings: Settings, case_id: str,
                         path: str, data: dict[str, str], text_field: str = "body") -> str:
    token = csrf_token(client, f"/admin/cases/{case_id}")
    before = _messages(app)
    _idle_out(app, settings)
    response = client.post(f"/admin/cases/{case_id}/{path}",
                           data={"csrf_token": token, **data})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/admin/login?next=")
    assert _messages(app) == before, "nothing is sent without a session"
    # Kept sealed: the text is in no table in clear, and not in any cookie.
    with transaction(session_factory(app)) as db:
        (row,) = db.scalars(select(ServerSession).where(ServerSession.kind == DRAFT_KIND))
        assert data[text_field][:40].encode() not in row.sealed_payload
    assert data[text_field][:40] not in response.headers.get("Set-Cookie", "")
    return location


def test_a_reply_sent_after_the_idle_timeout_comes_back_after_the_sign_in(
        world: World, portal_app: Flask, admin_app: Flask, settings: Settings) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    location = _write_then_idle_out(alice, portal_app, settings, case_id, "messages",
                                    {"body": REPLY, "is_feedback": "no"})
    login = alice.get(location).get_data(as_text=True)
    assert "Your session had ended, so this was not sent." in html.unescape(login)

    response = sign_in(alice, world.alice.email, world.alice.password,
                       world.alice.totp_secret, step_offset=1,
                       next_path=location.split("next=", 1)[1])
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/cases/{case_id}"
    page = alice.get(f"/admin/cases/{case_id}")
    text = page.get_data(as_text=True)
    assert _box(text, "body") == REPLY.strip()
    assert "This has not been sent yet" in html.unescape(text)
    assert _messages(portal_app) == 0, "put back, never sent automatically"
    # Once: the draft is gone from the server and the browser.
    assert alice.get_cookie(DRAFT_COOKIE, path="/admin") is None
    with transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(func.count()).select_from(ServerSession).where(
            ServerSession.kind == DRAFT_KIND)) == 0
    assert REPLY[:40] not in alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)


def test_an_internal_note_comes_back_in_the_note_box(
        world: World, portal_app: Flask, admin_app: Flask, settings: Settings) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    location = _write_then_idle_out(alice, portal_app, settings, case_id, "notes",
                                    {"body": NOTE})
    sign_in(alice, world.alice.email, world.alice.password, world.alice.totp_secret,
            step_offset=1, next_path=location.split("next=", 1)[1])
    text = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert _box(text, "note-body") == NOTE.strip()
    assert _box(text, "body") == ""


def test_another_user_signing_in_on_that_browser_never_sees_the_text(
        world: World, portal_app: Flask, admin_app: Flask, settings: Settings) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    location = _write_then_idle_out(alice, portal_app, settings, case_id, "messages",
                                    {"body": REPLY, "is_feedback": "no"})
    response = sign_in(alice, world.bob.email, world.bob.password, world.bob.totp_secret,
                       next_path=location.split("next=", 1)[1])
    assert response.status_code == 303
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert page and "REPLY-MARKER" not in page


def test_meeting_minutes_come_back_in_their_box(
        world: World, portal_app: Flask, admin_app: Flask, settings: Settings) -> None:
    case_id, _ = new_case(portal_app, world.unit_id, meeting_requested=True)
    alice = signed_in(admin_app, world.alice)
    minutes = "MINUTES-MARKER We met at the union office; present: the reporter and Alice."
    location = _write_then_idle_out(alice, portal_app, settings, case_id, "meeting-minutes",
                                    {"minutes": minutes}, text_field="minutes")
    sign_in(alice, world.alice.email, world.alice.password, world.alice.totp_secret,
            step_offset=1, next_path=location.split("next=", 1)[1])
    text = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert _box(text, "minutes") == minutes


def test_every_server_session_kind_fits_its_column() -> None:
    """`staff_draft` (11 characters) passed on SQLite, which ignores lengths, and failed on
    PostgreSQL's VARCHAR(10): every kind a server-side session is started with must fit."""
    from admin.auth.enrolment import ENROLMENT_SESSION_KIND
    from portal.access import STAFF_SESSION_KIND
    from portal.models.sessions import ServerSession
    from portal.reports.session import KIND, NOTICES_KIND, SUBMITTED_KIND

    width = ServerSession.__table__.c.kind.type.length
    for kind in (DRAFT_KIND, STAFF_SESSION_KIND, ENROLMENT_SESSION_KIND, KIND, NOTICES_KIND,
                 SUBMITTED_KIND):
        assert len(kind) <= width, kind
