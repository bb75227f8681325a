"""Issue 14 §2, audit gap 6: a reporter's form whose CSRF check fails loses nothing typed.

Reproduction: a reporter writes a report for more than REPORTER_FORM_LIFETIME (4 hours), or
their session cookie is lost meanwhile (Tor Browser's "New identity"), and presses "Send".
Before the fix they got the bare 400 page and the text was gone. Now the form comes back
filled in, with a fresh token and a word that it had expired; nothing of the post is stored,
and sending it again works."""

from __future__ import annotations

import html
import io
import re
import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from portal import REPORTER_COOKIE
from portal.db import session_factory, transaction
from portal.hardening import REPORTER_FORM_LIFETIME
from portal.models import Case, Message
from tests.factories import csrf_token
from tests.portal.conftest import Organisation
from tests.portal.helpers import CODE, follow_up, submit

LONG_REPORT = "The foreman keeps our passports in his office safe. " * 30
LONG_ANSWER = "He also takes a recruitment fee from each new worker. " * 30
EXPIRED = "This form had expired; check your text and send it again."
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class _Older(TimestampSigner):
    """Signs as if it were past the form's lifetime: a token from a form left open too long."""

    def get_timestamp(self) -> int:
        return int(time.time()) - int(REPORTER_FORM_LIFETIME.total_seconds()) - 60


def _expired_token(app: Flask, client: FlaskClient) -> str:
    """A token for this browser's session as Flask-WTF signs it, but signed too long ago."""
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token",
                                        signer=_Older)
    return str(serializer.dumps(raw))


def _lose_the_session_cookie(client: FlaskClient) -> None:
    client.delete_cookie(REPORTER_COOKIE)


def _count(app: Flask, model: Any) -> int:
    with transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _page(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def _fresh_token(page: str) -> str:
    tokens = set(_TOKEN.findall(page))
    assert tokens, "no CSRF token on the page"
    return str(tokens.pop())


def _report(organisation: Organisation, token: str) -> dict[str, Any]:
    return {"csrf_token": token, "category": "forced_labour", "unit": organisation.unit_id,
            "description": LONG_REPORT, "supplier": "Mica Mining Ltd",
            "location": "Warehouse 4", "contact": "Signal +47 000"}


def _check_report_comes_back(portal_app: Flask, client: FlaskClient,
                             organisation: Organisation, token: str) -> None:
    data = _report(organisation, token)
    data["attachments"] = [(io.BytesIO(b"ledger"), "payslip.pdf")]
    response = client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    page = _page(response)
    assert EXPIRED in page
    assert 'action="/report"' in page
    assert LONG_REPORT.strip() in page
    for typed in ("Mica Mining Ltd", "Warehouse 4", "Signal +47 000"):
        assert typed in page
    assert re.search(rf'<option selected value="{organisation.unit_id}"|'
                     rf'<option value="{organisation.unit_id}" selected', page)
    assert "payslip.pdf" in page and "Choose them again" in page
    assert _count(portal_app, Case) == 0, "a post that failed its CSRF check stored a case"

    # Sent again with the page's new token, as the reporter would: it is stored.
    fresh = _fresh_token(page)
    assert fresh != token
    again = client.post("/report", data=_report(organisation, fresh),
                        content_type="multipart/form-data", follow_redirects=True)
    assert again.status_code == 200
    assert CODE.search(again.get_data(as_text=True))
    assert _count(portal_app, Case) == 1


def test_a_report_form_past_its_lifetime_comes_back_filled_in(
        portal_app: Flask, client: FlaskClient, organisation: Organisation) -> None:
    csrf_token(client, "/report")
    _check_report_comes_back(portal_app, client, organisation,
                             _expired_token(portal_app, client))


def test_a_report_form_whose_session_cookie_was_lost_comes_back_filled_in(
        portal_app: Flask, client: FlaskClient, organisation: Organisation) -> None:
    token = csrf_token(client, "/report")
    _lose_the_session_cookie(client)
    _check_report_comes_back(portal_app, client, organisation, token)


def test_a_report_without_any_token_comes_back_filled_in(
        portal_app: Flask, client: FlaskClient, organisation: Organisation) -> None:
    data = _report(organisation, "")
    del data["csrf_token"]
    response = client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    page = _page(response)
    assert EXPIRED in page and LONG_REPORT.strip() in page
    assert _count(portal_app, Case) == 0


def _send_the_message_again(portal_app: Flask, client: FlaskClient, page: str) -> None:
    """Sent again with the page's new token, as the reporter would: it is stored."""
    again = client.post("/case/messages", data={"csrf_token": _fresh_token(page),
                                                "body": LONG_ANSWER},
                        content_type="multipart/form-data")
    assert again.status_code == 303
    assert _count(portal_app, Message) == 1


def test_an_expired_message_form_comes_back_with_the_text(
        portal_app: Flask, client: FlaskClient, organisation: Organisation) -> None:
    code = submit(client, organisation.unit_id, "Passports are kept.")
    follow_up(client, code)
    csrf_token(client, "/case")
    response = client.post("/case/messages", data={
        "csrf_token": _expired_token(portal_app, client), "body": LONG_ANSWER,
        "attachments": [(io.BytesIO(b"evidence"), "contract.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 400
    page = _page(response)
    assert EXPIRED in page and 'action="/case/messages"' in page
    assert LONG_ANSWER.strip() in page
    assert "contract.pdf" in page and "Choose them again" in page
    assert _count(portal_app, Message) == 0

    _send_the_message_again(portal_app, client, page)


def test_a_message_form_whose_form_cookie_was_lost_comes_back_with_the_text(
        portal_app: Flask, client: FlaskClient, organisation: Organisation) -> None:
    """The form's cookie lost, the reporter's session still open: the case page again."""
    code = submit(client, organisation.unit_id, "Passports are kept.")
    follow_up(client, code)
    token = csrf_token(client, "/case")
    _lose_the_session_cookie(client)
    response = client.post("/case/messages", data={"csrf_token": token, "body": LONG_ANSWER},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    page = _page(response)
    assert EXPIRED in page and LONG_ANSWER.strip() in page
    assert _count(portal_app, Message) == 0
    _send_the_message_again(portal_app, client, page)


def test_an_expired_code_form_keeps_the_carried_message_but_never_the_code(
        portal_app: Flask, client: FlaskClient, organisation: Organisation) -> None:
    code = submit(client, organisation.unit_id, "Passports are kept.")
    csrf_token(client, "/followup")
    response = client.post("/followup", data={
        "csrf_token": _expired_token(portal_app, client), "case_code": code,
        "body": LONG_ANSWER})
    assert response.status_code == 400
    page = _page(response)
    assert EXPIRED in page and 'action="/followup"' in page
    assert LONG_ANSWER.strip() in page
    assert code not in page
    assert "aktsom_case=" not in response.headers.get("Set-Cookie", "")

    again = client.post("/followup", data={"csrf_token": _fresh_token(page),
                                           "case_code": code, "body": LONG_ANSWER})
    assert again.status_code == 200
    assert LONG_ANSWER.strip() in _page(again)
    assert 'action="/case/messages"' in _page(again)


def test_other_forms_still_get_the_plain_400(client: FlaskClient,
                                             organisation: Organisation) -> None:
    code = submit(client, organisation.unit_id, "Passports are kept.")
    follow_up(client, code)
    response = client.post("/case/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert EXPIRED not in _page(response)


def test_an_expired_information_request_comes_back_filled_in(
        portal_app: Flask, client: FlaskClient, organisation: Organisation) -> None:
    """The public information-request form (issue 13 §1) gets the same treatment: past its
    lifetime or without its cookie, the question comes back with a fresh token, nothing is
    filed, and sending it again files it."""
    from portal.models.information_requests import InformationRequest
    from portal.states import Role
    from tests.factories import make_handler

    make_handler(portal_app, "Compliance Officer", [], roles=(Role.COMPLIANCE,))
    question = "Which of your suppliers in Bangladesh were assessed last year, and how? " * 5
    csrf_token(client, "/information-request")
    data = {"csrf_token": _expired_token(portal_app, client), "unit": organisation.unit_id,
            "name": "Ola Nordmann", "contact_kind": "postal",
            "contact": "Storgata 1, 0155 Oslo", "question": question}
    response = client.post("/information-request", data=data)
    assert response.status_code == 400
    page = _page(response)
    assert EXPIRED in page and question.strip() in page
    assert "Ola Nordmann" in page and "Storgata 1, 0155 Oslo" in page
    assert _count(portal_app, InformationRequest) == 0
    data["csrf_token"] = _fresh_token(page)
    again = client.post("/information-request", data=data)
    assert again.status_code == 303
    assert _count(portal_app, InformationRequest) == 1
