"""Disclosing the reporter's identity to an authority (issue 11 §8 (c); Directive Art. 16(2),
(3)): a recorded step on the staff side (authority sealed, legal basis, date), only where the
reporter gave their name; the reporter is told in the dialogue, in their language, unless the
reason for not telling them is recorded with a note; audited without content."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.cases.identity import record_identity
from portal.cases.submission import NewReport, submit_report
from portal.db import session_factory, transaction, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import AuditEvent, IdentityDisclosure, Message
from portal.states import AuthorKind
from portal.storage import file_store
from tests.admin.case_support import World, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.portal.helpers import follow_up

NAME = "Ola Nordmann-Quokka 8841"
AUTHORITY = "Politiet Quokka-distrikt 7719"
NOTE = "NOTE-QUOKKA police asked us not to tell yet"
TOLD_EN = "We have to disclose your identity to"
TOLD_NB = "Vi må gi identiteten din til"


def reported(app: Flask, unit_id: str, *, name: str | None = NAME,
             language: str = "en") -> tuple[str, str]:
    """(case id, code) of a report made as the form does, with a name given or not."""
    with app.app_context(), transaction(session_factory(app)) as db:
        submitted = submit_report(
            db, settings=settings_of(app), server_keys=server_keys_of(app),
            store=file_store(app), uploads=[],
            report=NewReport(category="forced_labour", human_rights=True, unit_id=unit_id,
                             description="Passports are kept.", language=language))
        if name:
            record_identity(db, keys=submitted.keys, case=submitted.case, name=name)
        return submitted.case.id, submitted.code


def _disclose(client: FlaskClient, case_id: str, **data: Any) -> Any:
    payload = {"authority": "other", "authority_other": AUTHORITY,
               "legal_basis": "authority_investigation",
               "disclosed_on": utcnow().date().isoformat(), "tell_reporter": "tell"}
    payload.update(data)
    return post(client, f"/admin/cases/{case_id}/identity/disclosures", payload,
                token_from=f"/admin/cases/{case_id}")


def _disclosures(app: Flask, case_id: str) -> list[IdentityDisclosure]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return list(db.scalars(select(IdentityDisclosure)
                               .where(IdentityDisclosure.case_id == case_id)))


def _handler_messages(app: Flask, case_id: str) -> int:
    with app.app_context(), transaction(session_factory(app)) as db:
        return len(list(db.scalars(select(Message.id).where(
            Message.case_id == case_id, Message.author_kind == AuthorKind.HANDLER))))


def _actions(app: Flask, case_id: str) -> list[tuple[str, str | None]]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return [(event.action, event.actor_id) for event in db.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq))]


def test_a_disclosure_is_recorded_and_the_reporter_told(
        client: FlaskClient, world: World, admin_app: Flask, portal_app: Flask) -> None:
    case_id, code = reported(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    assert _disclose(alice, case_id).status_code == 303
    (row,) = _disclosures(portal_app, case_id)
    assert row.legal_basis == "authority_investigation" and row.reporter_notified
    assert row.withheld_reason is None and row.recorded_by == world.alice.id
    assert row.disclosed_on.date() == utcnow().date()
    # The authority is sealed, not in clear.
    assert AUTHORITY.encode() not in row.sealed_details
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert AUTHORITY in page and "The reporter was told on" in page
    # Audited, without content: who and what.
    actions = _actions(portal_app, case_id)
    assert ("case.identity_disclosed", world.alice.id) in actions
    assert ("case.identity_disclosure_notified", world.alice.id) in actions
    # The reporter reads it in the dialogue.
    follow_up(client, code)
    reporter_page = client.get("/case").get_data(as_text=True)
    assert TOLD_EN in reporter_page and AUTHORITY in reporter_page
    assert "an investigation by a national authority" in reporter_page


def test_the_reporter_is_told_in_their_language(
        client: FlaskClient, world: World, admin_app: Flask, portal_app: Flask) -> None:
    case_id, code = reported(portal_app, world.unit_id, language="nb")
    alice = signed_in(admin_app, world.alice)
    assert _disclose(alice, case_id, authority="0").status_code == 303
    follow_up(client, code)
    reporter_page = client.get("/case").get_data(as_text=True)
    assert TOLD_NB in reporter_page and TOLD_EN not in reporter_page
    # The first configured authority, by its name.
    assert settings_of(portal_app).authorities[0].name in reporter_page


def test_not_telling_the_reporter_needs_a_reason_and_a_note(
        client: FlaskClient, world: World, admin_app: Flask, portal_app: Flask) -> None:
    case_id, code = reported(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    _disclose(alice, case_id, tell_reporter="withhold")
    assert "Record why the reporter is not told" in alice.get(url).get_data(as_text=True)
    _disclose(alice, case_id, tell_reporter="withhold",
              withheld_reason="jeopardise_investigation")
    assert _disclosures(portal_app, case_id) == []
    assert _disclose(alice, case_id, tell_reporter="withhold",
                     withheld_reason="jeopardise_investigation", note=NOTE).status_code == 303
    (row,) = _disclosures(portal_app, case_id)
    assert not row.reporter_notified and row.withheld_reason == "jeopardise_investigation"
    assert NOTE.encode() not in row.sealed_details
    assert _handler_messages(portal_app, case_id) == 0
    page = alice.get(url).get_data(as_text=True)
    assert NOTE in page and "Telling the reporter would jeopardise the investigation" in page
    follow_up(client, code)
    assert TOLD_EN not in client.get("/case").get_data(as_text=True)
    assert ("case.identity_disclosure_notified", world.alice.id) not in _actions(portal_app,
                                                                                 case_id)
    # Later, once it may be said: told now, and the reason for not telling is cleared.
    assert post(alice, f"{url}/identity/disclosures/{row.id}/tell",
                token_from=url).status_code == 303
    (row,) = _disclosures(portal_app, case_id)
    assert row.reporter_notified and row.withheld_reason is None
    assert TOLD_EN in client.get("/case").get_data(as_text=True)
    post(alice, f"{url}/identity/disclosures/{row.id}/tell", token_from=url)
    assert "already been told" in alice.get(url).get_data(as_text=True)
    assert _handler_messages(portal_app, case_id) == 1


def test_only_cases_with_a_named_reporter(client: FlaskClient, world: World,
                                          admin_app: Flask, portal_app: Flask) -> None:
    case_id, _code = reported(portal_app, world.unit_id, name=None)
    alice = signed_in(admin_app, world.alice)
    assert "Record a disclosure" not in alice.get(f"/admin/cases/{case_id}").get_data(
        as_text=True)
    _disclose(alice, case_id)
    assert "did not give their name" in alice.get(f"/admin/cases/{case_id}").get_data(
        as_text=True)
    assert _disclosures(portal_app, case_id) == []
    assert _handler_messages(portal_app, case_id) == 0


def test_every_part_is_required(client: FlaskClient, world: World, admin_app: Flask,
                                portal_app: Flask) -> None:
    case_id, _code = reported(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    # A form that fails validation comes back filled in, the error beside the field (§9).
    answer = _disclose(alice, case_id, tell_reporter="")
    assert answer.status_code == 422
    assert "Choose whether the reporter is told" in answer.get_data(as_text=True)
    _disclose(alice, case_id, authority="", authority_other="")
    assert "Name the authority" in alice.get(url).get_data(as_text=True)
    _disclose(alice, case_id, legal_basis="")
    assert "Choose the legal basis" in alice.get(url).get_data(as_text=True)
    _disclose(alice, case_id, legal_basis="because_we_want")
    _disclose(alice, case_id,
              disclosed_on=(utcnow() - timedelta(days=30)).date().isoformat())
    assert "cannot be before the report was received" in alice.get(url).get_data(as_text=True)
    assert _disclosures(portal_app, case_id) == []
    # No CSRF token: refused before anything.
    response = alice.post(f"{url}/identity/disclosures", data={
        "authority": "other", "authority_other": AUTHORITY, "legal_basis":
        "judicial_proceedings", "disclosed_on": utcnow().date().isoformat(),
        "tell_reporter": "tell"})
    assert response.status_code == 400
    assert _disclosures(portal_app, case_id) == []


def test_only_a_holder_of_the_case_records_it(client: FlaskClient, world: World,
                                              admin_app: Flask, portal_app: Flask) -> None:
    case_id, _code = reported(portal_app, world.unit_id)
    for person in (world.olga, world.mona, world.adam, world.audrey):
        outsider = signed_in(admin_app, person)
        page = outsider.get("/admin/").get_data(as_text=True)
        token = page.split('name="csrf_token"')[1].split('value="')[1].split('"')[0]
        response = outsider.post(f"/admin/cases/{case_id}/identity/disclosures", data={
            "csrf_token": token, "authority": "other", "authority_other": AUTHORITY,
            "legal_basis": "judicial_proceedings",
            "disclosed_on": utcnow().date().isoformat(), "tell_reporter": "tell"})
        assert response.status_code in (403, 404)
    assert _disclosures(portal_app, case_id) == []
