"""Issue 13 §1 says /information-request is "rate limited like reports"; audit gap 5 found it
was not: since issue 14 §6 /report is limited per form session (behind an onion service every
visitor has the same address, as every test client here shares 127.0.0.1), while the
information request was still limited per address, and a refused post gave the bare 429 page
and lost the question typed.

Reproduction before the fix: one requester's flood made every other requester on the same
address get 429 (`test_one_requesters_flood_does_not_lock_out_another`), and the 429 page
held neither the form nor the text (`test_the_429_page_keeps_what_was_typed_and_says_why`)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

import portal.hardening
from portal.db import session_factory, transaction
from portal.models import InformationRequest
from portal.states import Role
from tests.factories import csrf_token, make_handler, make_recovery_key, make_unit
from tests.portal.helpers import post_report

QUESTION = "Which factories sew the uniforms, and how do you check overtime there?"
NAME = "Kari Nordmann"
ADDRESS = "Storgata 1\n0155 Oslo"
SLOWED = "Too many attempts in a short time, so this has not been sent yet"


def _ready(app: Flask) -> str:
    """A company and a compliance officer who can receive requests; the company's id."""
    unit = make_unit(app, "CLOTHING", "Clothing AS")
    make_handler(app, "Compliance Officer", [], roles=(Role.COMPLIANCE,))
    make_recovery_key(app)
    return unit


def _ask(client: FlaskClient, unit: str, question: str = QUESTION) -> Any:
    return client.post("/information-request", data={
        "csrf_token": csrf_token(client, "/information-request"), "unit": unit,
        "question": question, "name": NAME, "contact_kind": "postal", "contact": ADDRESS})


def _requests(app: Flask) -> int:
    with app.app_context(), transaction(session_factory(app)) as db:
        return db.scalar(select(func.count()).select_from(InformationRequest)) or 0


def test_the_limit_answers_429_to_the_flooding_session(make_portal_app: Any) -> None:
    app = make_portal_app(rate_limit_report="2 per minute")
    unit = _ready(app)
    flooder = app.test_client()
    statuses = [_ask(flooder, unit, f"Question {number}.").status_code for number in range(4)]
    assert statuses == [303, 303, 429, 429]
    assert _requests(app) == 2


def test_one_requesters_flood_does_not_lock_out_another(make_portal_app: Any) -> None:
    app = make_portal_app(rate_limit_report="1 per minute")
    unit = _ready(app)
    flooder = app.test_client()
    assert _ask(flooder, unit, "One.").status_code == 303
    assert _ask(flooder, unit, "Two.").status_code == 429
    # Another requester from the same (onion) address is not held back by the flooder.
    assert _ask(app.test_client(), unit).status_code == 303
    assert _requests(app) == 2


def test_the_report_budget_and_the_request_budget_are_apart(make_portal_app: Any) -> None:
    """One browser session that asked a question may still report, and the other way round:
    the per-session keys are per endpoint."""
    app = make_portal_app(rate_limit_report="1 per minute")
    unit = _ready(app)
    make_handler(app, "Alice Handler", [unit])
    client = app.test_client()
    assert _ask(client, unit).status_code == 303
    assert _ask(client, unit).status_code == 429
    assert post_report(client, unit, "A report after a question.").status_code == 200


def test_the_429_page_keeps_what_was_typed_and_says_why(make_portal_app: Any) -> None:
    app = make_portal_app(rate_limit_report="1 per minute")
    unit = _ready(app)
    client = app.test_client()
    assert _ask(client, unit, "The first question.").status_code == 303
    response = _ask(client, unit)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert 'action="/information-request"' in page
    assert QUESTION in page and NAME in page and "Storgata 1" in page and "0155 Oslo" in page
    assert f'selected value="{unit}"' in page  # the company chosen
    assert re.search(r'<input checked [^>]*type="radio" value="postal">', page)  # by post
    assert SLOWED in page
    assert 'name="csrf_token"' in page  # the form can be sent again as it is
    assert _requests(app) == 1


def test_csrf_is_still_required_and_a_refused_token_spends_no_budget(
        make_portal_app: Any) -> None:
    app = make_portal_app(rate_limit_report="1 per minute")
    unit = _ready(app)
    client = app.test_client()
    csrf_token(client, "/information-request")  # a session, but no token in the post
    for _ in range(3):
        response = client.post("/information-request", data={
            "unit": unit, "question": QUESTION, "contact_kind": "email",
            "contact": "someone@example.net"})
        assert response.status_code == 400
        # The form comes back with the question, as an expired form does (issue 14 §2):
        # nothing is filed and the page is escaped like any other.
        page = response.get_data(as_text=True)
        assert "This form had expired" in page and QUESTION in page
    assert _requests(app) == 0
    assert _ask(client, unit).status_code == 303


def test_an_incomplete_form_spends_no_budget(make_portal_app: Any) -> None:
    app = make_portal_app(rate_limit_report="1 per minute")
    unit = _ready(app)
    client = app.test_client()
    for _ in range(3):
        assert _ask(client, unit, question="").status_code == 422
    assert _ask(client, unit).status_code == 303


def test_information_requests_count_in_the_global_slowdown(
        make_portal_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_portal_app(rate_limit_report="100 per minute",
                          rate_limit_global_per_minute=1, rate_limit_slowdown_max_seconds=3)
    unit = _ready(app)
    waited: list[float] = []
    monkeypatch.setattr(portal.hardening, "_sleep", waited.append)
    statuses = [_ask(app.test_client(), unit, f"Question {n}.").status_code for n in range(3)]
    assert statuses == [303] * 3  # slowed, never refused
    assert waited == [3.0, 3.0]
