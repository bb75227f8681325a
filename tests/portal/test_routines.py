"""The reporting routines of each company (AML §2A-6; issue 11 §7(a)): a public page built
from the settings the channel runs on, and the versions adopted with the employee
representatives, recorded by administrators, kept and audited."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.audit import Actor
from portal.db import session_factory, transaction, utcnow
from portal.extensions import server_keys_of
from portal.models import AuditEvent, OrgUnit, Role, RoutineVersion
from portal.refusals import Refusal
from portal.routines.services import current_version, record_version, versions_of
from portal.states import ActorKind
from tests.admin.helpers import make_user, sign_in
from tests.factories import csrf_token, make_unit
from tests.portal.test_accessibility import _assert_accessible

NO_VERSION = "No version of these routines has yet been recorded as adopted"


def _admin(app: Flask) -> FlaskClient:
    user, password, secret = make_user(app, roles=[Role.ADMIN])
    client = app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    return client


def _record(client: FlaskClient, unit_id: str, **fields: Any) -> Any:
    url = f"/admin/routines/{unit_id}"
    data = {"csrf_token": csrf_token(client, url), "version_label": "1.0",
            "adopted_on": "2026-03-01",
            "adopted_with": "The employee representatives and the safety representative"}
    data.update(fields)
    return client.post(url, data=data)


def test_the_default_page_states_the_configured_clocks_and_channels(
        make_portal_app: Any) -> None:
    app = make_portal_app(acknowledgement_days=5, feedback_months=2)
    make_unit(app, "NORDIC", "Nordic Textiles AS")
    page = app.test_client().get("/routines/NORDIC")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Routines for reporting at Nordic Textiles AS" in html
    # Built from the settings, not written into the text.
    assert "within 5 days" in html and "within 2 months of the acknowledgement" in html
    assert "within 7 days" not in html
    # How, to whom, the leader channel, the authorities, and the retaliation category.
    assert "To your nearest leader, in person." in html
    assert "case handlers appointed for it" in html
    assert "To a public authority instead" in html
    assert "Retaliation for an earlier report" in html
    # Honest about what has not been adopted yet.
    assert NO_VERSION in html


def test_an_unknown_company_is_not_found(client: FlaskClient) -> None:
    assert client.get("/routines/NOPE").status_code == 404


def test_the_landing_page_and_the_index_lead_to_each_company(portal_app: Flask,
                                                              client: FlaskClient) -> None:
    make_unit(portal_app, "NORDIC", "Nordic Textiles AS")
    make_unit(portal_app, "BALTIC", "Baltic Sourcing UAB")
    assert 'href="/routines"' in client.get("/").get_data(as_text=True)
    index = client.get("/routines").get_data(as_text=True)
    assert 'href="/routines/NORDIC"' in index and 'href="/routines/BALTIC"' in index


def test_an_admin_records_versions_which_are_kept_shown_and_audited(
        portal_app: Flask, admin_app: Flask, client: FlaskClient) -> None:
    unit_id = make_unit(portal_app, "NORDIC", "Nordic Textiles AS")
    admin = _admin(admin_app)
    assert _record(admin, unit_id).status_code == 303
    assert _record(admin, unit_id, version_label="2.0", adopted_on="2026-09-15",
                   adopted_with="The works council").status_code == 303
    public = client.get("/routines/NORDIC").get_data(as_text=True)
    assert "Version 2.0" in public and "The works council" in public
    assert NO_VERSION not in public
    history = admin.get(f"/admin/routines/{unit_id}").get_data(as_text=True)
    assert "1.0" in history and "2.0" in history
    assert "The employee representatives and the safety representative" in history
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        versions = versions_of(db, unit_id)
        assert [version.version_label for version in versions] == ["2.0", "1.0"]
        recorded = db.scalars(select(AuditEvent.target_id).where(
            AuditEvent.action == "routines.version_recorded")).all()
        assert sorted(recorded) == sorted(version.id for version in versions)
    overview = admin.get("/admin/routines").get_data(as_text=True)
    assert "Nordic Textiles AS" in overview and "2.0" in overview


def test_the_version_in_force_is_the_latest_adopted_not_the_latest_recorded(
        portal_app: Flask, admin_app: Flask) -> None:
    unit_id = make_unit(portal_app, "NORDIC", "Nordic Textiles AS")
    admin = _admin(admin_app)
    assert _record(admin, unit_id, version_label="2", adopted_on="2026-06-01").status_code == 303
    # An older version recorded afterwards (for the history) does not replace it.
    assert _record(admin, unit_id, version_label="1", adopted_on="2025-01-01").status_code == 303
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        version = current_version(db, unit_id)
        assert version is not None and version.version_label == "2"


def test_refusals_change_nothing(portal_app: Flask, admin_app: Flask) -> None:
    unit_id = make_unit(portal_app, "NORDIC", "Nordic Textiles AS")
    admin = _admin(admin_app)
    assert _record(admin, unit_id).status_code == 303
    # The same label again, a date in the future, nobody named to adopt it with.
    assert _record(admin, unit_id).status_code == 400
    tomorrow = (utcnow().date() + timedelta(days=2)).isoformat()
    assert _record(admin, unit_id, version_label="9", adopted_on=tomorrow).status_code == 400
    assert _record(admin, unit_id, version_label="8", adopted_with=" ").status_code == 400
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert len(db.scalars(select(RoutineVersion)).all()) == 1
        assert len(db.scalars(select(AuditEvent).where(
            AuditEvent.action == "routines.version_recorded")).all()) == 1
        unit = db.get_one(OrgUnit, unit_id)
        with pytest.raises(Refusal):
            record_version(db, server_keys_of(portal_app), Actor(ActorKind.SYSTEM, None),
                           unit=unit, version_label="x" * 41, adopted_on=date(2026, 1, 1),
                           adopted_with="The union", body=None)


def test_a_company_text_replaces_the_standard_text_but_not_the_clocks(
        portal_app: Flask, admin_app: Flask, client: FlaskClient) -> None:
    unit_id = make_unit(portal_app, "NORDIC", "Nordic Textiles AS")
    admin = _admin(admin_app)
    own = "OWN-TEXT Report to the HR director or in the channel. <b>not bold</b>"
    assert _record(admin, unit_id, body=own).status_code == 303
    html = client.get("/routines/NORDIC").get_data(as_text=True)
    assert "OWN-TEXT Report to the HR director" in html
    # Escaped, never markup.
    assert "<b>not bold</b>" not in html and "&lt;b&gt;not bold&lt;/b&gt;" in html
    assert "To your nearest leader, in person." not in html
    assert "within 7 days" in html


def test_the_page_is_translated(portal_app: Flask, client: FlaskClient) -> None:
    make_unit(portal_app, "NORDIC", "Nordic Textiles AS")
    english = client.get("/routines/NORDIC").get_data(as_text=True)
    client.set_cookie("aktsom_lang", "nb")
    norwegian = client.get("/routines/NORDIC").get_data(as_text=True)
    assert 'lang="nb"' in norwegian
    assert "To your nearest leader, in person." in english
    assert "To your nearest leader, in person." not in norwegian


def test_the_routines_pages_are_structurally_accessible(portal_app: Flask,
                                                        client: FlaskClient) -> None:
    make_unit(portal_app, "NORDIC", "Nordic Textiles AS")
    for path in ("/routines", "/routines/NORDIC"):
        _assert_accessible(client.get(path).get_data(as_text=True))
