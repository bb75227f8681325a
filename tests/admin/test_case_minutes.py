"""Oral and meeting reports: the handler registers the case with minutes and hands over the
code (shown once); the reporter reads the minutes with it and confirms or corrects them."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.cases.keyring import Keyring
from portal.cases.keys import unwrap_for_recipient
from portal.cases.reading import open_case_view
from portal.db import session_factory, transaction
from portal.models import AuditEvent, Case, Message
from portal.states import KeyKind
from tests.admin.case_support import CODE, World, new_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.factories import csrf_token
from tests.portal.helpers import follow_up

MINUTES = "MINUTES-MARKER We met on Tuesday; the worker described unpaid overtime."


def _register(admin_app: Flask, world: World) -> tuple[str, FlaskClient]:
    alice = signed_in(admin_app, world.alice)
    form = alice.get("/admin/cases/new")
    assert form.status_code == 200
    response = alice.post("/admin/cases/new", data={
        "csrf_token": csrf_token(alice, "/admin/cases/new"), "channel": "meeting",
        "unit": world.unit_id, "category": "unfair_wages", "language": "en",
        "description": "Unpaid overtime at the warehouse.", "minutes": MINUTES})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    match = CODE.search(response.get_data(as_text=True))
    assert match is not None
    return match.group(1), alice


def _minutes_id(app: Flask) -> str:
    with app.app_context(), transaction(session_factory(app)) as db:
        message = db.scalar(select(Message).where(Message.kind == "minutes"))
        assert message is not None and message.key_kind == KeyKind.CASE
        return message.id


def test_register_confirm_and_correct(client: FlaskClient, world: World, portal_app: Flask,
                                      admin_app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    code, alice = _register(admin_app, world)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        (case,) = db.scalars(select(Case))
        assert (case.channel, case.category, case.human_rights) == ("meeting", "unfair_wages",
                                                                     True)
        case_id = case.id
        assert "case.registered" in db.scalars(select(AuditEvent.action)).all()
    assert code not in caplog.text
    minutes_id = _minutes_id(portal_app)
    # The other handler of the unit got the case too; the page shows it.
    bob_page = signed_in(admin_app, world.bob).get(f"/admin/cases/{case_id}")
    assert MINUTES in bob_page.get_data(as_text=True)

    follow_up(client, code)
    assert MINUTES in client.get("/case").get_data(as_text=True)
    url = f"/case/minutes/{minutes_id}/confirm"
    token = csrf_token(client, "/case")
    # A correction needs the text of it.
    client.post(url, data={"csrf_token": token, "action": "correct", "correction": " "})
    assert client.post(url, data={"csrf_token": token, "action": "confirm"}).status_code == 303
    response = client.post(url, data={"csrf_token": token, "action": "correct",
                                      "correction": "It was Wednesday."})
    assert response.status_code == 303
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        kinds = [(message.kind, message.author_kind) for message in db.scalars(
            select(Message).where(Message.case_id == case_id).order_by(Message.seq))]
        assert kinds == [("minutes", "handler"), ("minutes-confirmation", "reporter"),
                         ("minutes-correction", "reporter")]
        actions = db.scalars(select(AuditEvent.action)).all()
        assert {"case.minutes_confirmed", "case.minutes_corrected"} <= set(actions)
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "Minutes confirmed by the reporter" in page
    assert "It was Wednesday." in page


def test_minutes_answers_need_the_right_session(client: FlaskClient, world: World,
                                                portal_app: Flask, admin_app: Flask) -> None:
    code, _alice = _register(admin_app, world)
    minutes_id = _minutes_id(portal_app)
    url = f"/case/minutes/{minutes_id}/confirm"
    token = csrf_token(client, "/followup")
    response = client.post(url, data={"csrf_token": token, "action": "confirm"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/followup")
    # Another case's reporter cannot answer these minutes.
    _other_id, other_code = new_case(portal_app, world.unit_id)
    follow_up(client, other_code)
    token = csrf_token(client, "/case")
    assert client.post(url, data={"csrf_token": token, "action": "confirm"}).status_code == 404
    follow_up(client, code)
    assert client.post(url, data={"action": "confirm"}).status_code == 400
    token = csrf_token(client, "/case")
    assert client.post("/case/minutes/not-minutes/confirm",
                       data={"csrf_token": token, "action": "confirm"}).status_code == 404


def test_the_partial_renders_the_answer_forms(world: World, portal_app: Flask,
                                              admin_app: Flask) -> None:
    _code, _alice = _register(admin_app, world)
    with portal_app.test_request_context("/case"), \
            transaction(session_factory(portal_app)) as db:
        (case,) = db.scalars(select(Case))
        case_key = unwrap_for_recipient(db, case.id, world.alice.id, world.alice.private_key,
                                        KeyKind.CASE)
        assert case_key is not None
        view = open_case_view(db, case, Keyring.of(case.id, case_key))
        html = render_template_string(
            '{% for message in view.messages %}{% if message.kind == "minutes" %}'
            '{% include "reports/_minutes.html" %}{% endif %}{% endfor %}', view=view)
    minutes_id = view.messages[0].id
    assert len(re.findall(rf'action="/case/minutes/{minutes_id}/confirm"', html)) == 2
    assert 'name="csrf_token"' in html and 'value="confirm"' in html
    assert "<script" not in html and "style=" not in html


def test_registering_needs_a_unit_of_ones_own(world: World, admin_app: Flask) -> None:
    alice = signed_in(admin_app, world.alice)
    response = alice.post("/admin/cases/new", data={
        "csrf_token": csrf_token(alice, "/admin/cases/new"), "channel": "oral",
        "unit": world.other_unit_id, "category": "other", "language": "en",
        "description": "x", "minutes": "y"})
    assert response.status_code == 400
    assert CODE.search(response.get_data(as_text=True)) is None
