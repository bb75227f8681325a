"""Issue 14 §2: no typed text is lost.

Reproduction: a reporter writes a long answer on /case, the idle timeout passes, they press
"Send message". Before the fix they landed on /followup and the text was gone."""

from __future__ import annotations

import io
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from config import load_settings
from portal.db import session_factory, transaction
from portal.models import ServerSession
from tests.factories import csrf_token
from tests.portal.conftest import Organisation
from tests.portal.helpers import follow_up, submit

LONG_ANSWER = "The foreman took our passports on the first day. " * 40


def _expire_reporter_session(app: Flask) -> None:
    with transaction(session_factory(app)) as db:
        for row in db.scalars(select(ServerSession).where(ServerSession.kind == "reporter")):
            row.last_seen_at -= timedelta(days=1)


def test_the_idle_timeout_is_long_enough_to_compose() -> None:
    """The default was 10 minutes: too short to write a long answer (SecureDrop: 120)."""
    assert load_settings({}, env="test").reporter_idle_minutes == 120


def test_text_typed_past_the_idle_timeout_comes_back_after_the_code(
        client: FlaskClient, portal_app: Flask, organisation: Organisation) -> None:
    code = submit(client, organisation.unit_id, "Passports are kept.")
    follow_up(client, code)
    token = csrf_token(client, "/case")
    _expire_reporter_session(portal_app)

    response = client.post("/case/messages", data={
        "csrf_token": token, "body": LONG_ANSWER,
        "attachments": [(io.BytesIO(b"evidence"), "payslip.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert LONG_ANSWER.strip() in page.replace("&#39;", "'")
    assert 'name="case_code"' in page and 'action="/followup"' in page
    assert "payslip.pdf" in page and "Choose them again" in page

    response = client.post("/followup", data={
        "csrf_token": csrf_token(client, "/followup"), "case_code": code,
        "body": LONG_ANSWER})
    assert response.status_code == 200
    page = response.get_data(as_text=True).replace("&#39;", "'")
    # Back in the message box of the case page, unsent.
    assert 'action="/case/messages"' in page
    assert LONG_ANSWER.strip() in page
    assert "Your message has not been sent yet" in page
    assert "aktsom_case=" in response.headers["Set-Cookie"]
    case_page = client.get("/case").get_data(as_text=True).replace("&#39;", "'")
    assert "No messages yet." in case_page


def test_a_wrong_code_keeps_the_carried_text(
        client: FlaskClient, portal_app: Flask, organisation: Organisation) -> None:
    submit(client, organisation.unit_id, "Passports are kept.")
    response = client.post("/followup", data={
        "csrf_token": csrf_token(client, "/followup"), "case_code": "AAAAA-AAAAA-AAAAA-AAAAA",
        "body": LONG_ANSWER})
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert "We could not open a case with that code" in page
    assert LONG_ANSWER.strip() in page


def test_log_out_still_ends_the_session_at_once(
        client: FlaskClient, portal_app: Flask, organisation: Organisation) -> None:
    code = submit(client, organisation.unit_id, "Passports are kept.")
    follow_up(client, code)
    response = client.post("/case/logout", data={"csrf_token": csrf_token(client, "/case")})
    assert response.status_code == 303
    assert client.get("/case").status_code == 303
    with transaction(session_factory(portal_app)) as db:
        assert db.scalars(select(ServerSession).where(
            ServerSession.kind == "reporter")).all() == []
