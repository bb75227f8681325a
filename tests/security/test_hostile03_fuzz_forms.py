"""Hostile input, point 3: a bounded fuzz of the form parsers. Random field names (known,
unknown, blank, missing), text or file parts, odd bytes and characters, with or without a
valid CSRF token, against the reporter's and the staff's forms: never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from config import Settings
from tests.admin.case_support import World, new_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.factories import csrf_token
from tests.portal.helpers import follow_up
from tests.security.multipart import Part, post_parts

FUZZ = hypothesis_settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
REPORTER_FIELDS = ["csrf_token", "category", "unit", "supplier", "location", "period",
                   "description", "attachments", "contact", "meeting", "exclude", "case_code",
                   "body"]
STAFF_FIELDS = ["csrf_token", "email", "password", "totp", "body", "is_feedback", "status",
                "outcome", "human_rights_breach", "supplier_id", "hold", "user_id",
                "manager_id", "summary", "channel", "unit", "category", "language",
                "description", "minutes"]
# Headers of a part are text; surrogates cannot be written into one.
CHARACTERS = st.characters(exclude_categories=["Cs"])
ODD_TEXT = st.sampled_from(["", "\0", "\r\n", "\u202e", "%00", "\ufeff", "x" * 30_000,
                            "dont_know", "other", "yes", "1", "y", "é", "' OR 1=1 --"])


@pytest.fixture
def settings(make_settings: Any, database_url: str) -> Settings:
    """The shared fixture without rate limits in the way: the fuzz is about parsing."""
    settings: Settings = make_settings(
        database_url=database_url, rate_limit_report="100000 per minute",
        rate_limit_followup="100000 per minute", rate_limit_login="100000 per minute")
    return settings


def parts(fields: list[str], known_values: list[str]) -> st.SearchStrategy[list[Part]]:
    name = st.one_of(st.sampled_from(fields), st.none(), st.just(""),
                     st.text(CHARACTERS, max_size=12).filter(lambda x: '"' not in x
                                                             and "\r" not in x
                                                             and "\n" not in x))
    value = st.one_of(st.text(CHARACTERS, max_size=80).map(str.encode), st.binary(max_size=80),
                      ODD_TEXT.map(str.encode), st.sampled_from(known_values).map(str.encode))
    filename = st.one_of(st.none(), st.none(), st.text(CHARACTERS, max_size=20).filter(
        lambda x: '"' not in x and "\r" not in x and "\n" not in x))
    return st.lists(st.builds(Part, name=name, value=value, filename=filename), max_size=8)


def check(client: FlaskClient, path: str, token: str | None, body: list[Part]) -> None:
    sent = ([Part("csrf_token", token.encode())] if token else []) + body
    response = post_parts(client, path, sent)
    page = response.get_data(as_text=True)
    assert response.status_code != 500, (path, sent)
    assert "Traceback" not in page
    response.close()


def test_fuzz_reporter_forms(client: FlaskClient, world: World, portal_app: Flask) -> None:
    _case_id, code = new_case(portal_app, world.unit_id)
    follow_up(client, code)
    token = csrf_token(client, "/report")
    known = [world.unit_id, world.alice.id, "dont_know", "other", code]

    @FUZZ
    @given(path=st.sampled_from(["/report", "/followup", "/case/messages"]),
           with_token=st.booleans(), body=parts(REPORTER_FIELDS, known))
    def fuzz(path: str, with_token: bool, body: list[Part]) -> None:
        check(client, path, token if with_token else None, body)

    fuzz()


def test_fuzz_staff_forms(admin_app: Flask, portal_app: Flask, world: World) -> None:
    case_id, _code = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    token = csrf_token(alice, "/admin/cases")
    stranger = admin_app.test_client()
    login_token = csrf_token(stranger, "/admin/login")
    known = [world.unit_id, world.mona.id, world.bob.id, world.alice.email, "acknowledged",
             "forced_labour", "oral", "en", "1", "0", "yes"]
    case = f"/admin/cases/{case_id}"
    paths = [f"{case}/{action}" for action in ("notes", "messages", "status", "outcome",
                                               "supplier", "legal-hold", "grant", "escalate")]

    @FUZZ
    @given(path=st.sampled_from(["/admin/login", "/admin/cases/new", *paths]),
           with_token=st.booleans(), body=parts(STAFF_FIELDS, known))
    def fuzz(path: str, with_token: bool, body: list[Part]) -> None:
        if path == "/admin/login":
            check(stranger, path, login_token if with_token else None, body)
        else:
            check(alice, path, token if with_token else None, body)

    fuzz()
