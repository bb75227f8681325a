"""A concern told in person to a leader (issue 11 §7(b)): the leader registers it, the case
records the leader channel and runs the same clocks as any report, what the leader wrote is
sealed like a report's minutes, and the reporter gets a case code to follow it."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

import admin.models_registry  # noqa: F401
from portal.cases.clocks import initial_due_dates
from portal.db import Base, engine_of, session_factory, transaction, utcnow
from portal.deadlines import start_of_day
from portal.extensions import settings_of
from portal.models import AuditEvent, Case, CaseKeyWrap, Message, WorkEnvironmentCheck
from portal.notifications import acknowledgement_reminders
from portal.states import Channel, MessageKind
from portal.stats import case_figures
from portal.workplace_states import WorkEnvironmentStatus
from tests.admin.case_support import CODE, Person, World, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.factories import csrf_token
from tests.portal.helpers import follow_up

URL = "/admin/cases/leader-intake"
ACCOUNT = "LEADER-ACCOUNT She told me at the canteen that overtime is not paid."
IDENTITY = "Kari Nordmann, phone 555 12 345"


def _register(app: Flask, person: Person, unit_id: str, **fields: Any) -> Any:
    client = signed_in(app, person)
    assert client.get(URL).status_code == 200
    data = {"csrf_token": csrf_token(client, URL), "unit": unit_id,
            "category": "unfair_wages", "language": "en",
            "description": "Unpaid overtime.", "account": ACCOUNT}
    data.update(fields)
    return client.post(URL, data=data)


def _only_case(app: Flask) -> Case:
    with app.app_context(), transaction(session_factory(app)) as db:
        (case,) = db.scalars(select(Case))
        db.expunge(case)
        return case


def test_a_manager_registers_a_concern_that_runs_the_same_clocks(
        world: World, portal_app: Flask, admin_app: Flask, client: FlaskClient,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    before = utcnow()
    response = _register(admin_app, world.mona, world.unit_id)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    page = response.get_data(as_text=True)
    match = CODE.search(page)
    assert match is not None
    code = match.group(1)
    # The manager holds no key of it: it went to the company's handlers.
    assert "The case went to the handlers of the company concerned." in page
    assert code not in caplog.text
    case = _only_case(portal_app)
    assert case.channel is Channel.LEADER
    assert case.unit_id == world.unit_id
    # The clocks of any report, counted from the registration.
    low, _ = initial_due_dates(before, settings_of(portal_app))
    high, feedback_high = initial_due_dates(utcnow(), settings_of(portal_app))
    assert low <= case.acknowledgement_due_at <= high
    assert case.feedback_due_at <= feedback_high
    assert case.next_due_at == case.acknowledgement_due_at
    assert case.created_at == start_of_day(case.created_at)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        holders = set(db.scalars(select(CaseKeyWrap.recipient_id)
                                 .where(CaseKeyWrap.case_id == case.id)))
        assert {world.alice.id, world.bob.id} <= holders
        assert world.mona.id not in holders
        (minutes,) = db.scalars(select(Message).where(Message.case_id == case.id))
        assert minutes.kind is MessageKind.MINUTES and minutes.author_id == world.mona.id
        event = db.scalar(select(AuditEvent).where(
            AuditEvent.action == "case.leader_intake_registered"))
        assert event is not None and event.actor_id == world.mona.id
        assert event.case_id == case.id
        # Reminded like any case as the acknowledgement deadline comes near.
        reminders = acknowledgement_reminders(db, now=case.acknowledgement_due_at
                                              - timedelta(days=1))
        assert case.id in reminders.case_ids
        # Counted in the year's figures (portal/stats.py) like any other case.
        figures = case_figures(db, case.created_at.year, now=utcnow(), k=1)
        assert figures.received.value == 1
    # The handlers read it, labelled as received by a leader.
    alice_page = signed_in(admin_app, world.alice).get(f"/admin/cases/{case.id}")
    html = alice_page.get_data(as_text=True)
    assert ACCOUNT in html and "Received by a leader" in html
    # The reporter follows it with the code and reads what the leader wrote down.
    follow_up(client, code)
    assert ACCOUNT in client.get("/case").get_data(as_text=True)


def test_a_handler_may_register_too_and_then_holds_the_case(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    response = _register(admin_app, world.alice, world.unit_id)
    assert response.status_code == 200
    assert "Open the case" in response.get_data(as_text=True)
    assert _only_case(portal_app).channel is Channel.LEADER


def test_the_reporters_identity_is_sealed_and_opens_the_working_environment_task(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    assert _register(admin_app, world.mona, world.unit_id,
                     identity=IDENTITY).status_code == 200
    case = _only_case(portal_app)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        check = db.scalar(select(WorkEnvironmentCheck)
                          .where(WorkEnvironmentCheck.case_id == case.id))
        assert check is not None and check.status is WorkEnvironmentStatus.OPEN
    # Neither the name nor the account is anywhere in clear.
    with engine_of(portal_app).connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(text(f"SELECT * FROM {table.name}")):  # noqa: S608
                for value in row:
                    blob = value if isinstance(value, bytes) else str(value).encode()
                    assert b"Nordmann" not in blob, table.name
                    assert b"LEADER-ACCOUNT" not in blob, table.name
    page = signed_in(admin_app, world.alice).get(f"/admin/cases/{case.id}")
    assert "Nordmann" in page.get_data(as_text=True)


def test_without_an_identity_there_is_no_task(world: World, portal_app: Flask,
                                              admin_app: Flask) -> None:
    assert _register(admin_app, world.mona, world.unit_id).status_code == 200
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalars(select(WorkEnvironmentCheck)).all() == []


def test_nothing_is_stored_without_an_account(world: World, portal_app: Flask,
                                              admin_app: Flask) -> None:
    assert _register(admin_app, world.mona, world.unit_id, account=" ").status_code == 400
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalars(select(Case)).all() == []


@pytest.mark.parametrize("who", ["adam", "audrey", "carl"])
def test_admins_auditors_and_compliance_cannot_register(world: World, admin_app: Flask,
                                                        who: str) -> None:
    client = signed_in(admin_app, getattr(world, who))
    assert client.get(URL).status_code == 403
