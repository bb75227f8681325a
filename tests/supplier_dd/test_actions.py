"""Action plans (issue 12 §5): items with owner, due date, status and indicator."""

from __future__ import annotations

from datetime import date

from flask import Flask

from portal.db import session_factory, transaction
from supplier_dd.models import Supplier
from supplier_dd.models.actions import ActionItem, ActionKind, ActionStatus, overdue_actions

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
