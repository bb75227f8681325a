"""The task on every case with a known reporter to check their working environment (AML
§2A-3(2); issue 11 §7(d)): opened by itself when the reporter gives contact details, by a
handler otherwise; recorded without content (state, date, a reason from a fixed list), an
optional note sealed under the staff key; shown on the case page and counted in the list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

import admin.models_registry  # noqa: F401
from crypto import InvalidCiphertext
from portal.cases.retention import purge_expired_cases
from portal.cases.sealing import open_text
from portal.cases.work_environment import NOTE
from portal.db import Base, engine_of, session_factory, transaction, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import AuditEvent, Case, CaseLink, OrgUnit, WorkEnvironmentCheck
from portal.states import KeyKind
from portal.workplace_states import NotApplicableReason, WorkEnvironmentStatus
from tests.admin.case_support import (
    World,
    case_row,
    new_case,
    open_case,
    post,
    report_over_http,
    signed_in,
)
from tests.admin.case_support import world as world  # noqa: F401 (fixture)

NOTE_TEXT = "NOTE-MARKER Spoke with her manager; moved to the day shift at her wish."
OPEN_COUNT = "1 working-environment check is open on your cases."


def _check(app: Flask, case_id: str) -> WorkEnvironmentCheck | None:
    with app.app_context(), transaction(session_factory(app)) as db:
        check = db.scalar(select(WorkEnvironmentCheck)
                          .where(WorkEnvironmentCheck.case_id == case_id))
        if check is not None:
            db.expunge(check)
        return check


def _only_case_id(app: Flask) -> str:
    with app.app_context(), transaction(session_factory(app)) as db:
        (case_id,) = db.scalars(select(Case.id))
        return case_id


def _actions(app: Flask, case_id: str) -> list[str]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return list(db.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case_id)
                               .order_by(AuditEvent.seq)))


def test_a_web_report_with_contact_details_opens_the_task(
        world: World, client: FlaskClient, portal_app: Flask) -> None:
    report_over_http(client, world.unit_id, "Unpaid overtime.",
                     contact="kari@example.org")
    case_id = _only_case_id(portal_app)
    check = _check(portal_app, case_id)
    assert check is not None and check.status is WorkEnvironmentStatus.OPEN
    # Dated like the case it belongs to: the day only.
    case = case_row(portal_app, case_id)
    assert case is not None and check.created_at == case.created_at
    assert "case.work_environment_check_opened" in _actions(portal_app, case_id)


def test_an_anonymous_report_has_no_task(world: World, client: FlaskClient,
                                         portal_app: Flask, admin_app: Flask) -> None:
    report_over_http(client, world.unit_id, "Unpaid overtime.")
    case_id = _only_case_id(portal_app)
    assert _check(portal_app, case_id) is None
    page = signed_in(admin_app, world.alice).get(f"/admin/cases/{case_id}")
    assert "The reporter is not known, so there is no task." in page.get_data(as_text=True)


def test_checked_with_a_sealed_note_shown_counted_and_audited(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _code = new_case(portal_app, world.unit_id, contact="Kari, 555 12 345")
    alice = signed_in(admin_app, world.alice)
    listing = alice.get("/admin/cases").get_data(as_text=True)
    assert OPEN_COUNT in listing and "working-environment check open" in listing
    day = (utcnow() - timedelta(days=3)).date()
    response = post(alice, f"/admin/cases/{case_id}/work-environment",
                    {"result": "checked", "checked_on": day.isoformat(), "note": NOTE_TEXT})
    assert response.status_code == 303
    check = _check(portal_app, case_id)
    assert check is not None
    assert (check.status, check.checked_on, check.updated_by) == (
        WorkEnvironmentStatus.CHECKED, day, world.alice.id)
    assert check.sealed_note is not None
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert NOTE_TEXT in page and 'id="work-check-status">Checked<' in page
    listing = alice.get("/admin/cases").get_data(as_text=True)
    assert OPEN_COUNT not in listing and "working-environment check open" not in listing
    assert "case.work_environment_checked" in _actions(portal_app, case_id)
    # The note is sealed under the staff key: the case key (the reporter's) cannot open it.
    with portal_app.app_context():
        db, opened = open_case(portal_app, case_id, world.alice)
        assert opened is not None
        case_key = opened.keys.newest(KeyKind.CASE)
        with pytest.raises(InvalidCiphertext):
            open_text(case_key, case_id=case_id, item_id=check.id, kind=NOTE,
                      blob=check.sealed_note)
        db.close()
    # And nowhere in clear.
    with engine_of(portal_app).connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(text(f"SELECT * FROM {table.name}")):  # noqa: S608
                assert not any(b"NOTE-MARKER" in (value if isinstance(value, bytes)
                                                  else str(value).encode()) for value in row)


def test_not_applicable_takes_a_reason_from_the_list(world: World, portal_app: Flask,
                                                     admin_app: Flask) -> None:
    case_id, _code = new_case(portal_app, world.unit_id, contact="Kari")
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}/work-environment"
    # No reason, a reason outside the list, a date in the future: refused, nothing changes.
    post(alice, url, {"result": "not_applicable"})
    post(alice, url, {"result": "not_applicable", "reason": "she is annoying"})
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    post(alice, url, {"result": "checked", "checked_on": tomorrow})
    check = _check(portal_app, case_id)
    assert check is not None and check.status is WorkEnvironmentStatus.OPEN
    assert post(alice, url, {"result": "not_applicable",
                             "reason": "not_an_employee"}).status_code == 303
    check = _check(portal_app, case_id)
    assert check is not None
    assert check.status is WorkEnvironmentStatus.NOT_APPLICABLE
    assert check.not_applicable_reason is NotApplicableReason.NOT_AN_EMPLOYEE
    assert check.sealed_note is None and check.checked_on is None
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "The reporter is not employed in the group" in page
    assert "case.work_environment_not_applicable" in _actions(portal_app, case_id)


def test_a_handler_opens_the_task_when_the_reporter_becomes_known(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _code = new_case(portal_app, world.unit_id)
    assert _check(portal_app, case_id) is None
    alice = signed_in(admin_app, world.alice)
    assert post(alice, f"/admin/cases/{case_id}/work-environment/open").status_code == 303
    # Once only.
    assert post(alice, f"/admin/cases/{case_id}/work-environment/open").status_code == 303
    check = _check(portal_app, case_id)
    assert check is not None and check.status is WorkEnvironmentStatus.OPEN
    assert _actions(portal_app, case_id).count("case.work_environment_check_opened") == 1
    assert post(alice, f"/admin/cases/{case_id}/work-environment",
                {"result": "checked"}).status_code == 303
    check = _check(portal_app, case_id)
    assert check is not None and check.checked_on == utcnow().date()


def test_someone_who_cannot_open_the_case_cannot_touch_the_task(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _code = new_case(portal_app, world.unit_id, contact="Kari")
    olga = signed_in(admin_app, world.olga)
    response = post(olga, f"/admin/cases/{case_id}/work-environment",
                    {"result": "checked", "checked_on": date.today().isoformat()})
    assert response.status_code == 404
    assert post(olga, f"/admin/cases/{case_id}/work-environment/open").status_code == 404
    check = _check(portal_app, case_id)
    assert check is not None and check.status is WorkEnvironmentStatus.OPEN


def test_the_retention_purge_takes_the_task_and_the_links_with_the_case(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    earlier, _ = new_case(portal_app, world.unit_id, "The first report.")
    later, _ = new_case(portal_app, world.unit_id, "Moved after reporting.", contact="Kari",
                        category="retaliation", human_rights=False)
    alice = signed_in(admin_app, world.alice)
    assert post(alice, f"/admin/cases/{later}/links",
                {"earlier_case_id": earlier}).status_code == 303
    now = utcnow()
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        case = db.get(Case, later)
        assert case is not None
        case.status, case.closed_at = "closed", now - timedelta(days=4000)
        # A unit's own period: with none set anywhere, `_expired` in portal/cases/retention.py
        # matches no case that has a unit (reported; not this module's code).
        unit = db.get(OrgUnit, world.unit_id)
        assert unit is not None
        unit.retention_days = 30
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        result = purge_expired_cases(db, settings_of(portal_app), server_keys_of(portal_app),
                                     now=now)
        assert result.purged == 1, result
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.get(Case, later) is None and db.get(Case, earlier) is not None
        assert db.scalars(select(WorkEnvironmentCheck)).all() == []
        assert db.scalars(select(CaseLink)).all() == []
