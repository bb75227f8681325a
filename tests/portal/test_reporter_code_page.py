"""Issue 14 §1: the case code page survives reload, Back and a language switch.

Before the fix the code page was the answer to POST /report: reloading it sent the report a
second time (a second case, a new code) and the language links led to an empty form."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.db import session_factory, transaction
from portal.extensions import settings_of
from portal.models import Case, ServerSession
from tests.factories import csrf_token
from tests.portal.conftest import Organisation
from tests.portal.helpers import CODE

DESCRIPTION = "Workers' passports are kept by the agency."


def _cases(app: Flask) -> int:
    with transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(Case)) or 0)


def _send(client: FlaskClient, unit_id: str, **extra: object) -> object:
    return client.post("/report", data={
        "csrf_token": csrf_token(client, "/report"), "category": "forced_labour",
        "unit": unit_id, "description": DESCRIPTION, **extra},
        content_type="multipart/form-data")


def _code(client: FlaskClient) -> str:
    page = client.get("/report/submitted").get_data(as_text=True)
    match = CODE.search(page)
    assert match, "no code on the code page"
    return match.group(1)


def _done(client: FlaskClient, last_group: str) -> object:
    return client.post("/report/submitted", data={
        "csrf_token": csrf_token(client, "/report/submitted"), "last_group": last_group})


def test_reload_of_the_code_page_shows_the_same_code_and_stores_no_second_case(
        client: FlaskClient, portal_app: Flask, organisation: Organisation) -> None:
    """Reproduction: send a report, press reload on the code page. Before: the POST was sent
    again and a second case with a new code was made. Now the POST answers 303 to a GET page."""
    response = _send(client, organisation.unit_id)
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["Location"].endswith("/report/submitted")  # type: ignore[attr-defined]
    first = _code(client)
    assert [_code(client) for _ in range(3)] == [first] * 3
    assert _cases(portal_app) == 1


def test_the_code_is_in_no_url_cookie_or_column_in_clear(
        client: FlaskClient, portal_app: Flask, organisation: Organisation) -> None:
    response = _send(client, organisation.unit_id)
    code = _code(client)
    symbols = code.replace("-", "")
    location = response.headers["Location"]  # type: ignore[attr-defined]
    cookies = response.headers.getlist("Set-Cookie")  # type: ignore[attr-defined]
    for text in (location, *cookies):
        assert code not in text and symbols not in text
    assert any(cookie.startswith("aktsom_submitted=") and "HttpOnly" in cookie
               and "SameSite=Strict" in cookie for cookie in cookies)
    with transaction(session_factory(portal_app)) as db:
        rows = db.scalars(select(ServerSession).where(ServerSession.kind == "submitted")).all()
        assert len(rows) == 1
        for row in rows:
            for value in (row.sealed_payload, row.lookup):
                assert symbols.encode() not in value and code.encode() not in value


def test_language_switch_on_the_code_page_keeps_the_code(
        client: FlaskClient, organisation: Organisation) -> None:
    """Reproduction: on the code page, choose "Norsk bokmål" in the header. Before: the link
    went to /report, an empty form, and the code was gone for good."""
    _send(client, organisation.unit_id)
    code = _code(client)
    page = client.get("/report/submitted").get_data(as_text=True)
    link = re.search(r'href="(/language/nb\?next=[^"]+)"', page)
    assert link, "no link to Norwegian on the code page"
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/report/submitted")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'id="case-code">{code}<' in page
    assert 'lang="nb"' in page
    assert "Skriv den siste gruppen i sakskoden din" in page


def test_done_needs_the_last_group_and_then_the_code_is_gone(
        client: FlaskClient, portal_app: Flask, organisation: Organisation) -> None:
    """A wrong last group says so and keeps the page; the right one deletes the entry, and
    Back to the code page shows neither the code nor a form that could resend the report."""
    _send(client, organisation.unit_id)
    code = _code(client)
    assert _done(client, "").status_code == 303  # type: ignore[attr-defined]
    wrong = _done(client, "AAAAA" if not code.endswith("AAAAA") else "BBBBB")
    # Post/redirect/get here too: no POST in the history for Back to offer to resend.
    assert wrong.status_code == 303  # type: ignore[attr-defined]
    page = client.get("/report/submitted").get_data(as_text=True)
    assert "That is not the last group of your case code" in page
    assert f'id="case-code">{code}<' in page
    assert _code(client) == code

    # Typed as people type it: lower case, O for 0, spaces.
    typed = " " + code.rsplit("-", 1)[1].lower().replace("0", "o") + " "
    response = _done(client, typed)
    assert response.status_code == 303  # type: ignore[attr-defined]
    with transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(func.count()).select_from(ServerSession).where(
            ServerSession.kind == "submitted")) == 0
    back = client.get("/report/submitted")
    assert back.status_code == 200
    assert 'id="case-code"' not in back.get_data(as_text=True)
    assert code not in back.get_data(as_text=True)
    assert "The case code page is closed" in back.get_data(as_text=True)
    assert _cases(portal_app) == 1


def test_the_code_page_expires(client: FlaskClient, portal_app: Flask,
                               organisation: Organisation) -> None:
    _send(client, organisation.unit_id)
    code = _code(client)
    minutes = settings_of(portal_app).submitted_code_minutes
    assert minutes == 30
    with transaction(session_factory(portal_app)) as db:
        for row in db.scalars(select(ServerSession).where(ServerSession.kind == "submitted")):
            row.created_at -= timedelta(minutes=minutes + 1)
            row.last_seen_at -= timedelta(minutes=minutes + 1)
    page = client.get("/report/submitted").get_data(as_text=True)
    assert code not in page and "The case code page is closed" in page
    with transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(func.count()).select_from(ServerSession).where(
            ServerSession.kind == "submitted")) == 0


def test_the_code_page_is_this_browsers_only(
        client: FlaskClient, portal_app: Flask, organisation: Organisation) -> None:
    _send(client, organisation.unit_id,
          attachments=[(io.BytesIO(b"evidence"), "notes.txt")])
    code = _code(client)
    other = portal_app.test_client()
    page = other.get("/report/submitted").get_data(as_text=True)
    assert code not in page and "notes.txt" not in page


def test_the_case_page_shows_the_code_again_during_the_first_visit(
        client: FlaskClient, organisation: Organisation) -> None:
    """Until "Done", /case (signed in with the code) shows the code again; after it, never."""
    _send(client, organisation.unit_id)
    code = _code(client)
    client.post("/followup", data={"csrf_token": csrf_token(client, "/followup"),
                                   "case_code": code})
    page = client.get("/case").get_data(as_text=True)
    assert 'id="code-again"' in page and code in page
    _done(client, code.rsplit("-", 1)[1])
    page = client.get("/case").get_data(as_text=True)
    assert 'id="code-again"' not in page and code not in page


def test_another_case_page_never_shows_this_code(
        client: FlaskClient, organisation: Organisation) -> None:
    _send(client, organisation.unit_id)
    first = _code(client)
    other = client.application.test_client()
    _send(other, organisation.unit_id)
    second = _code(other)
    # This browser signs in to the other case: the first case's code is not shown there.
    client.post("/followup", data={"csrf_token": csrf_token(client, "/followup"),
                                   "case_code": second})
    page = client.get("/case").get_data(as_text=True)
    assert first not in page and 'id="code-again"' not in page
