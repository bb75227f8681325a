"""The retention page (issue 11 §5): an administrator sets a company's periods; above the
country's legal maximum is refused; other roles cannot reach it. And the case page's legal
hold: a reason and a review date, renewed or released."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from portal.db import session_factory, transaction, utcnow
from portal.models import AuditEvent, Case, LegalHold, OrgUnit
from tests.admin.case_support import World, new_case, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)


def _unit(app: Flask, unit_id: str) -> OrgUnit:
    with app.app_context(), transaction(session_factory(app)) as db:
        unit = db.get(OrgUnit, unit_id)
        assert unit is not None
        return unit


def test_an_admin_sets_the_periods_and_the_maximum_holds(world: World, portal_app: Flask,
                                                         admin_app: Flask) -> None:
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        baltic = db.get(OrgUnit, world.other_unit_id)
        assert baltic is not None
        baltic.country = "SE"
    adam = signed_in(admin_app, world.adam)
    page = adam.get("/admin/retention").get_data(as_text=True)
    assert 'id="retention-BALTIC"' in page and "730" in page
    nordic, baltic_id = world.unit_id, world.other_unit_id
    post(adam, f"/admin/retention/{nordic}", {f"{nordic}-days": "400",
                                              f"{nordic}-unfounded_days": "30"},
         token_from="/admin/retention")
    unit = _unit(portal_app, nordic)
    assert (unit.retention_days, unit.unfounded_retention_days) == (400, 30)
    post(adam, f"/admin/retention/{baltic_id}", {f"{baltic_id}-days": "800"},
         token_from="/admin/retention")
    assert _unit(portal_app, baltic_id).retention_days is None
    assert "at most 730 days" in adam.get("/admin/retention").get_data(as_text=True)
    # Blank goes back to the default.
    post(adam, f"/admin/retention/{nordic}", {f"{nordic}-days": "",
                                              f"{nordic}-unfounded_days": ""},
         token_from="/admin/retention")
    unit = _unit(portal_app, nordic)
    assert (unit.retention_days, unit.unfounded_retention_days) == (None, None)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(AuditEvent.actor_id).where(
            AuditEvent.action == "unit.retention_changed").limit(1)) == world.adam.id
    for person in (world.alice, world.audrey):
        client = signed_in(admin_app, person)
        assert client.get("/admin/retention").status_code == 403


def test_the_case_page_holds_with_a_reason_and_a_review_date(world: World, portal_app: Flask,
                                                             admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    url = f"/admin/cases/{case_id}"
    alice = signed_in(admin_app, world.alice)
    soon = (utcnow() + timedelta(days=30)).date()
    post(alice, f"{url}/legal-hold", {"hold": "1", "reason": "other", "review_at": str(soon)})
    assert "Write down why the case is held" in alice.get(url).get_data(as_text=True)
    far = (utcnow() + timedelta(days=400)).date()
    post(alice, f"{url}/legal-hold", {"hold": "1", "reason": "authority_investigation",
                                      "review_at": str(far)})
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.get(Case, case_id).legal_hold is False  # type: ignore[union-attr]
    post(alice, f"{url}/legal-hold", {"hold": "1", "reason": "other", "note": "HOLD-MARKER",
                                      "review_at": str(soon)})
    page = alice.get(url).get_data(as_text=True)
    assert 'id="legal-hold-state"' in page and "HOLD-MARKER" in page
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        hold = db.scalars(select(LegalHold).where(LegalHold.case_id == case_id)).one()
        assert hold.review_at.date() == soon and hold.reason == "other"
    post(alice, f"{url}/legal-hold", {"hold": "0", "confirm": "yes"})
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.get(Case, case_id).legal_hold is False  # type: ignore[union-attr]
        assert db.scalar(select(LegalHold.id).where(LegalHold.case_id == case_id)) is None
