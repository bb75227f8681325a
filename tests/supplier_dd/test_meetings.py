"""Supplier meetings (issue 12 §8) and the workflow's figures: quarterly meetings with the
large and important suppliers, sustainability a standing item, follow-ups as action items."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.db import session_factory, transaction, utcnow
from portal.models import Role
from portal.states import EscalationDecision
from supplier_dd.meetings import meetings_due
from supplier_dd.models import Supplier
from supplier_dd.models.actions import ActionItem, ActionKind, ActionStatus
from supplier_dd.models.meetings import SupplierMeeting
from supplier_dd.models.reviews import ContractReview, ReviewStatus, ReviewTrigger
from supplier_dd.workflow_figures import annual_workflow_counts, dashboard_figures
from tests.admin.helpers import csrf_token, make_user, sign_in


def _supplier(app: Flask, name: str, *, large: bool) -> str:
    with app.app_context(), transaction(session_factory(app)) as db:
        supplier = Supplier(name=name, country="CN", tier=1, large_by_hand=large,
                            large_reason="Biggest supplier of boards" if large else None)
        db.add(supplier)
        db.flush()
        return supplier.id


def _compliance(app: Flask) -> FlaskClient:
    user, password, secret = make_user(app, roles=[Role.COMPLIANCE])
    client = app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    return client


def test_a_meeting_with_its_follow_up(admin_app: Flask) -> None:
    large_id = _supplier(admin_app, "Board Works", large=True)
    _supplier(admin_app, "Small Screws", large=False)
    carl = _compliance(admin_app)
    due = carl.get("/admin/suppliers/meetings/").get_data(as_text=True)
    assert "Board Works" in due and "Small Screws" not in due

    page = f"/admin/suppliers/{large_id}/meetings"
    today = utcnow().date().isoformat()
    minutes = {"held_on": today, "participants": "Their CEO, our buyer",
               "sustainability": "", "other_topics": "Prices", "conclusions": "",
               "next_meeting": ""}
    # Sustainability is a standing item: a meeting without it is not recorded.
    carl.post(page, data={"csrf_token": csrf_token(carl, page), **minutes})
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert db.scalar(select(SupplierMeeting.id)) is None
    minutes["sustainability"] = "Overtime at the SMT line; audit report shared."
    assert carl.post(page, data={"csrf_token": csrf_token(carl, page),
                                 **minutes}).status_code == 303
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        (meeting,) = db.scalars(select(SupplierMeeting))
        meeting_id = meeting.id
    assert "Board Works" not in carl.get("/admin/suppliers/meetings/").get_data(as_text=True)

    follow_up = {"title": "Cap overtime at 60 hours", "description": "", "owner_id": "",
                 "due_date": "2027-03-31", "indicator": "Time records of the SMT line"}
    response = carl.post(f"/admin/suppliers/meetings/{meeting_id}/follow-ups",
                         data={"csrf_token": csrf_token(carl, page), **follow_up})
    assert response.status_code == 303
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        (item,) = db.scalars(select(ActionItem))
        assert (item.kind, item.meeting_id, item.supplier_id) == (
            ActionKind.MEETING_FOLLOW_UP, meeting_id, large_id)
    shown = carl.get(page).get_data(as_text=True)
    assert "Overtime at the SMT line" in shown and "Cap overtime at 60 hours" in shown


def test_meetings_due_by_quarter(admin_app: Flask) -> None:
    large_id = _supplier(admin_app, "Board Works", large=True)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        db.add(SupplierMeeting(supplier_id=large_id, held_on=date(2026, 3, 30), year=2026,
                               quarter=1, participants="x", sustainability="y"))
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert meetings_due(db, date(2026, 3, 31)) == []
        (due,) = meetings_due(db, date(2026, 4, 1))
        assert (due.supplier_id, due.last_held_on) == (large_id, date(2026, 3, 30))


def test_a_supplier_large_by_spend_is_met_every_quarter(admin_app: Flask) -> None:
    """The register's rule on spend counts, not only the manual flag."""
    small_id = _supplier(admin_app, "Pens", large=False)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        big = Supplier(name="Steel Works", country="PL", tier=1, spend_band="over_10m")
        db.add(big)
        db.flush()
        big_id = big.id
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        due = {item.supplier_id for item in meetings_due(db, date(2026, 4, 1))}
        assert big_id in due and small_id not in due


def test_figures_for_the_dashboard_and_the_account(admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app, "Board Works", large=True)
    jan = datetime(2026, 1, 10, tzinfo=UTC)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        db.add_all([
            ActionItem(supplier_id=supplier_id, kind=ActionKind.REMEDIATION, title="a",
                       due_date=date(2026, 2, 1), created_at=jan),
            ActionItem(supplier_id=supplier_id, kind=ActionKind.CORRECTIVE, title="b",
                       due_date=date(2026, 2, 1), created_at=jan, status=ActionStatus.DONE,
                       closed_at=datetime(2026, 1, 20, tzinfo=UTC)),
            ActionItem(supplier_id=supplier_id, kind=ActionKind.CORRECTIVE, title="c",
                       due_date=date(2027, 2, 1), created_at=jan),
            ContractReview(supplier_id=supplier_id, trigger=ReviewTrigger.BREACH,
                           opened_at=jan, status=ReviewStatus.DECIDED,
                           decision=EscalationDecision.SUSPEND,
                           decided_at=datetime(2026, 2, 1, tzinfo=UTC)),
            ContractReview(supplier_id=supplier_id, trigger=ReviewTrigger.DEFICIENCIES,
                           opened_at=jan),
            SupplierMeeting(supplier_id=supplier_id, held_on=date(2026, 1, 15), year=2026,
                            quarter=1, participants="x", sustainability="y"),
        ])
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        figures = dashboard_figures(db, date(2026, 3, 1))
        assert (figures.overdue_actions, figures.open_reviews, figures.meetings_due) == (
            1, 1, 0)
        assert dashboard_figures(db, date(2026, 4, 1)).meetings_due == 1
        year = annual_workflow_counts(db, 2026, date(2027, 6, 1))
        assert (year.actions_opened, year.remediation_opened, year.actions_closed,
                year.actions_overdue, year.meetings_held) == (3, 1, 1, 1, 1)
        assert year.reviews_opened == {ReviewTrigger.BREACH: 1, ReviewTrigger.DEFICIENCIES: 1,
                                       ReviewTrigger.BY_HAND: 0}
        assert year.decisions[EscalationDecision.SUSPEND] == 1
        assert sum(year.decisions.values()) == 1
        assert annual_workflow_counts(db, 2025, date(2027, 6, 1)).actions_opened == 0


def test_auditors_read_counts_only(admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app, "Board Works", large=True)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        db.add(ActionItem(supplier_id=supplier_id, kind=ActionKind.CORRECTIVE,
                          title="TITLE-MARKER", due_date=date(2020, 1, 1)))
    user, password, secret = make_user(admin_app, roles=[Role.AUDITOR])
    client = admin_app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    page = client.get("/admin/suppliers/workflow-figures").get_data(as_text=True)
    assert 'id="overdue-actions">1<' in page
    assert "TITLE-MARKER" not in page and "Board Works" not in page
    assert client.get(f"/admin/suppliers/{supplier_id}/actions").status_code == 403


def test_the_demo_workflow(admin_app: Flask) -> None:
    from portal.extensions import server_keys_of, settings_of
    from portal.models import User
    from supplier_dd.demo_workflow import add_supplier_workflow

    supplier_id = _supplier(admin_app, "Board Works", large=True)
    carl, _password, _secret = make_user(admin_app, roles=[Role.COMPLIANCE])
    mona, _password, _secret = make_user(admin_app, roles=[Role.MANAGER])
    today = date(2026, 6, 15)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        supplier, compliance, manager = (db.get(Supplier, supplier_id), db.get(User, carl.id),
                                         db.get(User, mona.id))
        assert supplier is not None and compliance is not None and manager is not None
        made = add_supplier_workflow(db, server_keys_of(admin_app), settings_of(admin_app),
                                     supplier=supplier, compliance=compliance,
                                     manager=manager, today=today)
        assert made.review is not None and made.review.manager_id == mona.id
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        figures = dashboard_figures(db, today)
        assert (figures.overdue_actions, figures.open_reviews) == (1, 1)
        kinds = set(db.scalars(select(ActionItem.kind)))
        assert {ActionKind.REMEDIATION, ActionKind.MEETING_FOLLOW_UP} <= kinds
