"""Action plans (issue 12 §5): items with owner, due date, status and indicator."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.models import AuditEvent, Role
from supplier_dd.actions import check_overdue
from supplier_dd.models import Supplier
from supplier_dd.models.actions import ActionItem, ActionKind, ActionStatus, overdue_actions
from supplier_dd.models.reviews import ContractReview, ReviewTrigger
from supplier_dd.reviews import open_review
from supplier_dd.states import SupplierAction
from tests.admin.helpers import csrf_token, make_user, sign_in

TODAY = date(2026, 6, 15)


def _supplier(app: Flask, name: str = "Dhaka Knit Ltd", org: str = "BD-1") -> str:
    with app.app_context(), transaction(session_factory(app)) as db:
        supplier = Supplier(name=name, org_number=org, country="BD", tier=1)
        db.add(supplier)
        db.flush()
        return supplier.id


def test_overdue_counts_running_items_past_due_only(admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    other_id = _supplier(admin_app, "Other", "X-2")
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        def add(sid: str, due: date, status: ActionStatus) -> None:
            db.add(ActionItem(supplier_id=sid, kind=ActionKind.CORRECTIVE, title="t",
                              due_date=due, status=status))
        add(supplier_id, date(2026, 6, 1), ActionStatus.OPEN)          # overdue
        add(supplier_id, date(2026, 6, 14), ActionStatus.IN_PROGRESS)  # overdue
        add(supplier_id, TODAY, ActionStatus.OPEN)                     # due today: not yet
        add(supplier_id, date(2026, 1, 1), ActionStatus.DONE)          # closed
        add(supplier_id, date(2026, 1, 1), ActionStatus.CANCELLED)     # closed
        add(other_id, date(2026, 1, 1), ActionStatus.OPEN)             # another supplier
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert overdue_actions(db, supplier_id, TODAY) == 2
        assert overdue_actions(db, other_id, TODAY) == 1
        assert overdue_actions(db, supplier_id, date(2026, 6, 2)) == 1


def _item(db: Any, supplier_id: str, due: date, status: ActionStatus = ActionStatus.OPEN,
          kind: ActionKind = ActionKind.CORRECTIVE) -> ActionItem:
    item = ActionItem(supplier_id=supplier_id, kind=kind, title="Fix fire exits",
                      due_date=due, status=status)
    db.add(item)
    db.flush()
    return item


def _review_rows(app: Flask) -> list[tuple[str, ReviewTrigger]]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return [(row.supplier_id, row.trigger) for row in db.scalars(select(ContractReview))]


def test_overdue_past_the_grace_period_opens_one_review(admin_app: Flask) -> None:
    app = admin_app
    late_id, early_id = _supplier(app, "Late Ltd", "L-1"), _supplier(app, "Early", "E-1")
    with app.app_context(), transaction(session_factory(app)) as db:
        late = _item(db, late_id, TODAY - timedelta(days=31))
        _item(db, late_id, TODAY - timedelta(days=40))
        _item(db, early_id, TODAY - timedelta(days=30))  # within the grace period
        _item(db, early_id, TODAY - timedelta(days=90), ActionStatus.DONE)
        late_item_id = late.id
    keys = server_keys_of(app)
    settings = dataclasses.replace(settings_of(app), supplier_overdue_grace_days=30)
    with app.app_context(), transaction(session_factory(app)) as db:
        opened = check_overdue(db, keys, settings, TODAY)
        assert [(row.supplier_id, row.trigger) for row in opened] == [
            (late_id, ReviewTrigger.DEFICIENCIES)]
    # Idempotent: the next run (the next day) opens nothing more.
    with app.app_context(), transaction(session_factory(app)) as db:
        assert check_overdue(db, keys, settings, TODAY) == []
        item = db.get(ActionItem, late_item_id)
        assert item is not None and item.review_id is not None
    assert _review_rows(app) == [(late_id, ReviewTrigger.DEFICIENCIES)]
    # The other supplier's item falls past the grace period: its own review.
    with app.app_context(), transaction(session_factory(app)) as db:
        assert len(check_overdue(db, keys, settings, TODAY + timedelta(days=1))) == 1
    assert sorted(_review_rows(app)) == sorted([(late_id, ReviewTrigger.DEFICIENCIES),
                                                (early_id, ReviewTrigger.DEFICIENCIES)])
    with app.app_context(), transaction(session_factory(app)) as db:
        events = list(db.scalars(select(AuditEvent.action)))
        assert events.count(SupplierAction.REVIEW_OPENED) == 2


def test_an_open_review_takes_a_new_overdue_item(admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    keys, settings = server_keys_of(admin_app), settings_of(admin_app)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        review, created = open_review(db, keys, supplier_id=supplier_id,
                                      trigger=ReviewTrigger.DEFICIENCIES)
        assert created
        _item(db, supplier_id, TODAY - timedelta(days=400))
        assert check_overdue(db, keys, settings, TODAY) == []
        assert db.scalar(select(ActionItem.review_id)) == review.id


def test_check_overdue_command(admin_app: Flask, runner: Any) -> None:
    supplier_id = _supplier(admin_app)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        _item(db, supplier_id, date(2020, 1, 1))
    result = runner.invoke(args=["suppliers", "check-overdue"])
    assert result.exit_code == 0, result.output
    assert "Opened 1 contract reviews." in result.output
    result = runner.invoke(args=["suppliers", "check-overdue"])
    assert "Opened 0 contract reviews." in result.output


def _compliance(app: Flask) -> FlaskClient:
    user, password, secret = make_user(app, roles=[Role.COMPLIANCE], name="Carl")
    client = app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    return client


def _post(client: FlaskClient, url: str, page: str, data: dict[str, str]) -> Any:
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def test_compliance_keeps_the_plan(admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    carl = _compliance(admin_app)
    page = f"/admin/suppliers/{supplier_id}/actions"
    new = {"kind": "remediation", "title": "Repay recruitment fees", "description": "",
           "owner_id": "", "due_date": "2026-07-01",
           "indicator": "Receipts signed by every worker"}
    # No indicator: refused, nothing added.
    _post(carl, page, page, {**new, "indicator": ""})
    assert _post(carl, page, page, new).status_code == 303
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        (item,) = db.scalars(select(ActionItem))
        assert (item.kind, item.status, item.indicator) == (
            ActionKind.REMEDIATION, ActionStatus.OPEN, "Receipts signed by every worker")
        item_id = item.id
    listing = carl.get(page).get_data(as_text=True)
    assert "Repay recruitment fees" in listing and "Remediation of harm done" in listing
    # Closing needs what the indicator showed.
    update = f"/admin/suppliers/actions/{item_id}"
    _post(carl, update, page, {"status": "done", "result": ""})
    response = _post(carl, update, page, {"status": "done", "result": "All 212 repaid."})
    assert response.status_code == 303
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        item = db.get(ActionItem, item_id)
        assert item is not None
        assert (item.status, item.result) == (ActionStatus.DONE, "All 212 repaid.")
        assert item.closed_at is not None
        actions = list(db.scalars(select(AuditEvent.action)))
        assert actions.count(SupplierAction.ACTION_ADDED) == 1
        assert actions.count(SupplierAction.ACTION_UPDATED) == 1
