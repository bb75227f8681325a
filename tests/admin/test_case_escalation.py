"""Escalating a breach to a manager: they read the summary written for them and decide, and
never the report, neither on the page nor with their key."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select

from portal.cases.access_grants import exclude_user
from portal.cases.escalations import escalations_for_supplier
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of
from portal.models import AuditEvent, Case, CaseKeyWrap, Escalation, User
from supplier_dd.models import Supplier
from tests.admin.case_support import World, new_case, open_case, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)

SUMMARY = "SUMMARY-MARKER substantiated forced labour at the supplier"
DECISION_NOTE = "DECISION-MARKER end it by June"


def _escalated(world: World, portal_app: Flask, admin_app: Flask) -> str:
    case_id, _ = new_case(portal_app, world.unit_id, "REPORT-MARKER passports kept",
                          files={"evidence.txt": b"ledger"})
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/notes", {"body": "NOTE-MARKER internal"})
    # The link is a pick from the register (issue 12 §7): the supplier must be in it.
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        db.add(Supplier(id="SUP-1", name="Mica Mining", country="IN"))
    post(alice, f"/admin/cases/{case_id}/supplier", {"supplier_id": "SUP-1"})
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert world.mona.name in page
    response = post(alice, f"/admin/cases/{case_id}/escalate",
                    {"manager_id": world.mona.id, "summary": SUMMARY})
    assert response.status_code == 303
    return case_id


def test_the_manager_sees_the_summary_only_and_decides(world: World, portal_app: Flask,
                                                       admin_app: Flask) -> None:
    case_id = _escalated(world, portal_app, admin_app)
    mona = signed_in(admin_app, world.mona)
    listing = mona.get("/admin/cases").get_data(as_text=True)
    assert f'href="/admin/cases/{case_id}"' in listing
    assert "awaiting your decision" in listing
    page = mona.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert SUMMARY in page
    for hidden in ("REPORT-MARKER", "NOTE-MARKER", "evidence.txt"):
        assert hidden not in page
    # Not only the page: she holds no key of the case itself, so the database and her key
    # open nothing but the escalation.
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(func.count()).select_from(CaseKeyWrap).where(
            CaseKeyWrap.recipient_id == world.mona.id)) == 0
        (escalation_id,) = db.scalars(select(Escalation.id))
    response = post(mona, f"/admin/cases/{case_id}/escalations/{escalation_id}/decision",
                    {"decision": "terminate", "note": DECISION_NOTE})
    assert response.status_code == 303
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        escalation = db.get(Escalation, escalation_id)
        assert escalation is not None
        assert (escalation.decision, escalation.decided_by) == ("terminate", world.mona.id)
        assert escalation.sealed_decision_note is not None
        assert DECISION_NOTE.encode() not in escalation.sealed_decision_note
        actions = list(db.scalars(select(AuditEvent.action)))
        assert {"case.escalated", "escalation.decided"} <= set(actions)
        records = escalations_for_supplier(db, "SUP-1")
        assert [(item.id, item.decision) for item in records] == [(escalation_id, "terminate")]
        assert escalations_for_supplier(db, "SUP-2") == []
    assert DECISION_NOTE in mona.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    # The handlers read the summary, the decision and its note on the case page.
    bob_page = signed_in(admin_app, world.bob).get(f"/admin/cases/{case_id}").get_data(
        as_text=True)
    assert SUMMARY in bob_page and DECISION_NOTE in bob_page
    assert "Terminate the agreement" in bob_page


def test_escalation_refusals(world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/escalate", {"manager_id": world.bob.id,
                                                      "summary": SUMMARY})
    post(alice, f"/admin/cases/{case_id}/escalate", {"manager_id": world.mona.id,
                                                      "summary": ""})
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(func.count()).select_from(Escalation)) == 0
    mona = signed_in(admin_app, world.mona)
    response = post(mona, f"/admin/cases/{case_id}/escalations/nope/decision",
                    {"decision": "suspend"})
    assert response.status_code == 404


def test_excluding_the_manager_closes_the_escalation_to_them(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id = _escalated(world, portal_app, admin_app)
    db, opened = open_case(portal_app, case_id, world.alice)
    with portal_app.app_context(), db:
        assert opened is not None
        actor, manager = db.get(User, world.alice.id), db.get(User, world.mona.id)
        assert actor is not None and manager is not None
        exclude_user(db, server_keys_of(portal_app), opened=opened, actor=actor,
                     excluded=manager)
        db.commit()
    mona = signed_in(admin_app, world.mona)
    assert mona.get(f"/admin/cases/{case_id}").status_code == 404
    assert not re.search(case_id, mona.get("/admin/cases").get_data(as_text=True))


def test_the_manager_sees_the_case_by_its_reference_and_the_supplier_by_name(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    """Gap 3 of the issue 14 audit: the "Escalated to you" table linked a case by the date of
    its escalation, the escalation page showed no reference, and it showed the supplier's raw
    id where its name belongs."""
    case_id = _escalated(world, portal_app, admin_app)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        reference = db.scalar(select(Case.reference).where(Case.id == case_id))
    assert reference
    mona = signed_in(admin_app, world.mona)
    listing = mona.get("/admin/cases").get_data(as_text=True)
    section = listing[listing.index('id="escalations"'):]
    section = section[:section.index("</table>")]
    assert re.search(rf'<a class="case-reference" href="/admin/cases/{case_id}">'
                     rf'{re.escape(reference)}</a>', section)
    page = mona.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert f'<dd id="case-reference">{reference}</dd>' in page
    assert '<dd id="supplier-link">Mica Mining</dd>' in page
    assert "SUP-1" not in page


def test_an_unmatched_supplier_reference_is_said_to_be_one(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id = _escalated(world, portal_app, admin_app)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        case = db.get(Case, case_id)
        assert case is not None
        case.supplier_id = "old free text"
    page = signed_in(admin_app, world.mona).get(f"/admin/cases/{case_id}").get_data(
        as_text=True)
    assert "Not in the supplier register (old free text)" in page
