"""The supplier dashboard (counts composed from providers) and the register's statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from config import Settings
from portal.audit import CONSOLE
from portal.extensions import server_keys_of
from portal.models import Role
from supplier_dd.dashboard import Figure, dashboard_figures_for, register_figures
from supplier_dd.models import Supplier
from supplier_dd.register import SupplierInput, add_certification, save_supplier
from supplier_dd.stats import register_stats
from tests.admin.helpers import make_user, sign_in
from tests.supplier_dd.support import db_of

TODAY = date(2026, 12, 2)


def _fill(app: Flask, settings: Settings) -> None:
    keys = server_keys_of(app)
    with db_of(app) as db:
        rows = (("A", "NO", 1, "over_10m", False), ("B", "CN", 2, "under_100k", False),
                ("C", "CN", 2, None, True), ("D", "VN", 3, "1m_10m", False))
        for name, country, tier, band, by_hand in rows:
            supplier = save_supplier(db, settings, keys, CONSOLE, SupplierInput(
                name=name, country=country, tier=tier, spend_band=band, large_by_hand=by_hand,
                large_reason="Sole source" if by_hand else None))
            if name in ("A", "B"):
                for scheme, days in (("SA8000", -1), ("ISO 9001", 0), ("SMETA", 90),
                                     ("RBA", 91)):
                    add_certification(db, keys, CONSOLE, supplier, scheme=scheme,
                                      expires_on=TODAY + timedelta(days=days), reference=None)


def _figures(app: Flask) -> dict[str, tuple[tuple[str, int], ...]]:
    with app.test_request_context("/admin/suppliers/dashboard"), db_of(app) as db:
        return {figure.key: figure.rows for figure in register_figures(db, TODAY)}


def test_the_register_figures(admin_app: Flask, settings: Settings) -> None:
    _fill(admin_app, settings)
    figures = _figures(admin_app)
    assert figures["suppliers_by_tier"] == (("Tier 1", 1), ("Tier 2", 2), ("Tier 3", 1))
    assert figures["suppliers_by_country"] == (("China", 2), ("Norway", 1), ("Viet Nam", 1))
    assert figures["large_and_important"] == (("Suppliers", 3),)
    # Expiring: today up to 90 days ahead (ISO 9001 and SMETA, twice); expired: before today.
    assert figures["certifications"] == (("Expiring within 90 days", 4), ("Expired", 2))


def test_an_empty_register_shows_only_what_exists(admin_app: Flask) -> None:
    figures = _figures(admin_app)
    assert figures["suppliers_by_tier"] == ()
    assert figures["suppliers_by_country"] == ()


def test_providers_compose_in_order(admin_app: Flask) -> None:
    def other(_db: Session, today: date) -> list[Figure]:
        return [Figure("other", "Other part", (("Open", today.day),))]

    with admin_app.test_request_context("/"), db_of(admin_app) as db:
        figures = dashboard_figures_for(db, TODAY, [register_figures, other])
    assert [figure.key for figure in figures] == [
        "suppliers_by_tier", "suppliers_by_country", "large_and_important", "certifications",
        "other"]
    assert figures[-1].rows == (("Open", 2),)


def test_the_dashboard_page(admin_app: Flask, settings: Settings) -> None:
    _fill(admin_app, settings)
    user, password, secret = make_user(admin_app, roles=[Role.COMPLIANCE])
    client = admin_app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    page = client.get("/admin/suppliers/dashboard").get_data(as_text=True)
    assert 'id="figure-suppliers_by_tier"' in page
    assert '<th scope="row">Viet Nam</th><td>1</td>' in page
    # Names never appear on the dashboard: counts only.
    assert "Sole source" not in page


def test_the_statistics_count_the_register_by_the_year_end(admin_app: Flask,
                                                           settings: Settings) -> None:
    _fill(admin_app, settings)
    with db_of(admin_app) as db:
        db.execute(update(Supplier).values(created_at=datetime(2026, 6, 1, tzinfo=UTC)))
        db.execute(update(Supplier).where(Supplier.name == "D")
                   .values(created_at=datetime(2027, 1, 1, tzinfo=UTC)))
    with db_of(admin_app) as db:
        figures = register_stats(db, settings, 2026)
        later = register_stats(db, settings, 2027)
    assert figures.suppliers == 3
    assert figures.by_tier == {1: 1, 2: 2}
    assert figures.by_country == {"CN": 2, "NO": 1}
    assert figures.large_and_important == 2
    assert (later.suppliers, later.large_and_important) == (4, 3)


def test_the_dashboard_composes_the_risk_and_workflow_parts(admin_app: Flask) -> None:
    """Issue 12 §9: risk levels, reassessments, gaps, overdue actions, open reviews and
    meetings due on one page, each from its own part of the module."""
    from supplier_dd.models.actions import ActionItem, ActionKind, ActionStatus
    from supplier_dd.models.reviews import ReviewTrigger
    from supplier_dd.reviews import open_review

    keys = server_keys_of(admin_app)
    with db_of(admin_app) as db:
        supplier = Supplier(name="Dhaka Knit Ltd", org_number="BD-1", country="BD", tier=1)
        db.add(supplier)
        db.flush()
        for due, status in ((TODAY - timedelta(days=3), ActionStatus.OPEN),
                            (TODAY - timedelta(days=1), ActionStatus.IN_PROGRESS),
                            (TODAY + timedelta(days=5), ActionStatus.OPEN),
                            (TODAY - timedelta(days=9), ActionStatus.DONE)):
            db.add(ActionItem(supplier_id=supplier.id, kind=ActionKind.CORRECTIVE, title="t",
                              due_date=due, status=status))
        open_review(db, keys, supplier_id=supplier.id, trigger=ReviewTrigger.DEFICIENCIES)
    with admin_app.test_request_context("/admin/suppliers/dashboard"), db_of(admin_app) as db:
        figures = {figure.key: dict(figure.rows) for figure in dashboard_figures_for(db, TODAY)}
    assert figures["workflow"]["Actions overdue"] == 2
    assert figures["workflow"]["Open contract reviews"] == 1
    assert figures["risk_by_level"] == {"low": 0, "medium": 0, "high": 0}
    assert figures["risk_follow_up"]["Reassessments due"] == 0
    # The page shows them too.
    user, password, secret = make_user(admin_app, roles=[Role.COMPLIANCE])
    client = admin_app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    page = client.get("/admin/suppliers/dashboard").get_data(as_text=True)
    for title in ("Suppliers by risk level", "Risk follow-up",
                  "Action plans, reviews and meetings"):
        assert title in page
