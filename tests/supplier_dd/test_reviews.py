"""Contract reviews (issue 12 §6): a substantiated human-rights breach in a linked case opens a
review (through a signal from case handling, inside its transaction), a manager records the
harm of leaving and decides; the case's handlers see only that a review exists, the manager
never sees the case."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from portal.cases.handling import record_outcome
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of
from portal.models import AuditEvent, Case, Role, User
from supplier_dd.models import Supplier
from supplier_dd.models.reviews import ContractReview, ReviewStatus, ReviewTrigger
from tests.admin.case_support import World, new_case, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.helpers import make_user, sign_in

REPORT = "REPORT-MARKER workers' passports are kept by the dormitory manager"
HARM = "HARM-MARKER 800 jobs, no other employer in the district"
RATIONALE = "RATIONALE-MARKER no remediation after two audits"


def _supplier(app: Flask, name: str = "Dormitory Textiles Ltd") -> str:
    with app.app_context(), transaction(session_factory(app)) as db:
        supplier = Supplier(name=name, org_number=f"ORG-{name[:3]}", country="BD", tier=1)
        db.add(supplier)
        db.flush()
        return supplier.id


def _reviews(app: Flask) -> list[ContractReview]:
    with app.app_context(), transaction(session_factory(app)) as db:
        rows = list(db.scalars(select(ContractReview).order_by(ContractReview.opened_at)))
        db.expunge_all()
        return rows


def _audit_actions(app: Flask) -> list[str]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return [str(action) for action in db.scalars(select(AuditEvent.action))]


def _linked_breach(world: World, portal_app: Flask, admin_app: Flask,
                   supplier_id: str) -> tuple[str, FlaskClient]:
    """A case linked to the supplier, found a substantiated breach by Alice (signed in)."""
    case_id, _code = new_case(portal_app, world.unit_id, REPORT)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/supplier", {"supplier_id": supplier_id})
    post(alice, f"/admin/cases/{case_id}/outcome",
         {"outcome": "substantiated", "human_rights_breach": "yes"})
    return case_id, alice


def test_a_breach_opens_a_review_that_a_manager_decides(world: World, portal_app: Flask,
                                                        admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    case_id, alice = _linked_breach(world, portal_app, admin_app, supplier_id)
    (review,) = _reviews(admin_app)
    assert (review.supplier_id, review.trigger, review.case_id, review.status) == (
        supplier_id, ReviewTrigger.BREACH, case_id, ReviewStatus.OPEN)
    assert review.opened_by is None  # opened by the system, not by the handler
    assert "supplier.review_opened" in _audit_actions(admin_app)
    # Recording the outcome again opens no second review.
    post(alice, f"/admin/cases/{case_id}/outcome",
         {"outcome": "substantiated", "human_rights_breach": "yes"})
    assert len(_reviews(admin_app)) == 1
    case_page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "A contract review of the linked supplier is open." in case_page
    assert "Dormitory Textiles Ltd" in case_page

    # Compliance puts it before the manager (the nearest leader).
    carl = signed_in(admin_app, world.carl)
    url = f"/admin/suppliers/reviews/{review.id}"
    assert post(carl, f"{url}/manager", {"manager_id": world.mona.id},
                token_from=url).status_code == 303

    mona = signed_in(admin_app, world.mona)
    listing = mona.get("/admin/suppliers/reviews/").get_data(as_text=True)
    assert f'href="{url}"' in listing
    page = mona.get(url).get_data(as_text=True)
    assert "Dormitory Textiles Ltd" in page
    # The manager sees the review and the supplier's name, never the case: not its text,
    # not even its id (no way to the case from here).
    for hidden in ("REPORT-MARKER", case_id):
        assert hidden not in page
        assert hidden not in listing
    # Deciding needs the harm assessment first (responsible disengagement).
    decision = {"decision": "terminate", "rationale": RATIONALE, "notice_given": "yes",
                "decision_date": "2026-09-01"}
    post(mona, f"{url}/decision", decision, token_from=url)
    assert _reviews(admin_app)[0].status == ReviewStatus.OPEN
    assert post(mona, f"{url}/harm", {"worse_harm": "no", "assessment": HARM},
                token_from=url).status_code == 303
    assert post(mona, f"{url}/decision", decision, token_from=url).status_code == 303
    (decided,) = _reviews(admin_app)
    assert (decided.status, decided.decision, decided.worse_harm, decided.notice_given,
            decided.decision_date, decided.decided_by) == (
        ReviewStatus.DECIDED, "terminate", False, True, date(2026, 9, 1), world.mona.id)
    assert {"supplier.review_assigned", "supplier.review_harm_recorded",
            "supplier.review_decided"} <= set(_audit_actions(admin_app))

    # The handler sees that the review was decided, and nothing of it.
    case_page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "A contract review of the linked supplier has been decided." in case_page
    for hidden in ("HARM-MARKER", "RATIONALE-MARKER", "Terminate the agreement"):
        assert hidden not in case_page
    # Nor can they open it: the supplier pages are not theirs.
    assert alice.get(url).status_code == 403


def test_a_rolled_back_outcome_opens_no_review(world: World, portal_app: Flask,
                                               admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    case_id, _code = new_case(portal_app, world.unit_id, REPORT)
    factory = session_factory(admin_app)
    with admin_app.app_context():
        for commit in (False, True):
            try:
                with transaction(factory) as db:
                    case = db.get(Case, case_id)
                    user = db.get(User, world.alice.id)
                    assert case is not None and user is not None
                    case.supplier_id = supplier_id
                    record_outcome(db, server_keys_of(admin_app), case=case, user=user,
                                   outcome="substantiated", human_rights_breach=True)
                    # The review is written in the same transaction as the outcome...
                    assert db.scalar(select(func.count()).select_from(ContractReview)) == 1
                    if not commit:
                        raise RuntimeError("the request failed after the outcome")
            except RuntimeError:
                pass
            # ...so a rollback takes it along, and a commit keeps both.
            assert len(_reviews(admin_app)) == (1 if commit else 0)


def test_a_breach_found_before_the_link_opens_the_review_on_linking(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    case_id, _code = new_case(portal_app, world.unit_id, REPORT)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/outcome",
         {"outcome": "partly_substantiated", "human_rights_breach": "yes"})
    assert _reviews(admin_app) == []
    post(alice, f"/admin/cases/{case_id}/supplier", {"supplier_id": supplier_id})
    (review,) = _reviews(admin_app)
    assert (review.trigger, review.case_id) == (ReviewTrigger.BREACH, case_id)


@pytest.mark.parametrize(("outcome", "breach"), [
    ("substantiated", "no"), ("substantiated", "unknown"), ("unfounded", "yes"),
    ("not_assessable", "yes"),
])
def test_no_review_without_a_substantiated_breach(world: World, portal_app: Flask,
                                                  admin_app: Flask, outcome: str,
                                                  breach: str) -> None:
    supplier_id = _supplier(admin_app)
    case_id, _code = new_case(portal_app, world.unit_id, REPORT)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/supplier", {"supplier_id": supplier_id})
    post(alice, f"/admin/cases/{case_id}/outcome",
         {"outcome": outcome, "human_rights_breach": breach})
    assert _reviews(admin_app) == []
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "contract review" not in page


def test_the_review_goes_to_the_manager_the_breach_was_escalated_to(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    case_id, _code = new_case(portal_app, world.unit_id, REPORT)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/supplier", {"supplier_id": supplier_id})
    post(alice, f"/admin/cases/{case_id}/escalate",
         {"manager_id": world.mona.id, "summary": "Breach at the supplier."})
    post(alice, f"/admin/cases/{case_id}/outcome",
         {"outcome": "substantiated", "human_rights_breach": "yes"})
    (review,) = _reviews(admin_app)
    assert review.manager_id == world.mona.id


def test_only_the_assigned_manager_reads_and_decides(world: World, portal_app: Flask,
                                                     admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    _case_id, _alice = _linked_breach(world, portal_app, admin_app, supplier_id)
    (review,) = _reviews(admin_app)
    url = f"/admin/suppliers/reviews/{review.id}"
    carl = signed_in(admin_app, world.carl)
    post(carl, f"{url}/manager", {"manager_id": world.mona.id}, token_from=url)
    other, password, secret = make_user(admin_app, roles=[Role.MANAGER], name="Max")
    max_client = admin_app.test_client()
    assert sign_in(max_client, other.email, password, secret).status_code == 303
    assert max_client.get(url).status_code == 404
    assert "Dormitory" not in max_client.get("/admin/suppliers/reviews/").get_data(as_text=True)
    post(max_client, f"{url}/harm", {"worse_harm": "no", "assessment": HARM},
         token_from="/admin/suppliers/reviews/")
    assert _reviews(admin_app)[0].worse_harm is None
    # Compliance assigns, but does not decide.
    assert post(carl, f"{url}/harm", {"worse_harm": "no", "assessment": HARM},
                token_from=url).status_code == 403
    # A manager who is not a certified manager cannot be assigned.
    post(carl, f"{url}/manager", {"manager_id": world.alice.id}, token_from=url)
    assert _reviews(admin_app)[0].manager_id == world.mona.id


def test_compliance_opens_a_review_by_hand_once(world: World, admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    carl = signed_in(admin_app, world.carl)
    url = f"/admin/suppliers/{supplier_id}/actions"
    assert post(carl, f"/admin/suppliers/{supplier_id}/reviews", {"reason": ""},
                token_from=url).status_code == 303
    assert _reviews(admin_app) == []
    post(carl, f"/admin/suppliers/{supplier_id}/reviews",
         {"reason": "Audit refused twice."}, token_from=url)
    response = post(carl, f"/admin/suppliers/{supplier_id}/reviews",
                    {"reason": "Again."}, token_from=url)
    (review,) = _reviews(admin_app)
    assert (review.trigger, review.opened_by, review.reason) == (
        ReviewTrigger.BY_HAND, world.carl.id, "Audit refused twice.")
    page = carl.get(response.headers["Location"]).get_data(as_text=True)
    assert "A contract review of this supplier is already open." in page


def test_a_purged_case_leaves_its_review_without_the_case_id(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    case_id, _alice = _linked_breach(world, portal_app, admin_app, supplier_id)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        # As the retention purge deletes cases: one bulk statement, the database's cascades.
        db.execute(delete(Case).where(Case.id == case_id))
    (review,) = _reviews(admin_app)
    assert (review.supplier_id, review.case_id, review.trigger) == (
        supplier_id, None, ReviewTrigger.BREACH)
