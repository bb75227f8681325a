"""The supplier dashboard counts in the database (issue 15: "supplier dashboard at 10 000
suppliers, p50" was 115 ms on SQLite and 178 ms on PostgreSQL, goal < 100 ms).

The risk box counted the reassessments due with `len(reassessments_due(...))`, which read a
row per due supplier (4 115 of the 10 000 in the bench: every large and important supplier
never assessed) and the suppliers by level from whole assessment rows; both are now counted
by the database. These tests hold the counts to the list they stand for, on a varied register,
and check that the dashboard reads counts only."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event

from portal.db import engine_of
from portal.extensions import settings_of
from supplier_dd.dashboard import dashboard_figures_for
from supplier_dd.models import Supplier
from supplier_dd.models.risk import AssessmentStatus, RiskAssessment, RiskLevel
from supplier_dd.risk import _latest_closed_rows, dashboard_figures, reassessments_due
from tests.supplier_dd.support import db_of

TODAY = date(2026, 12, 2)


def _fill(app: Flask) -> None:
    """60 suppliers (large by hand, by spend band, small), 0-3 assessments each: closed ones
    of every level and due date, some waiting for their analysis, and two closed at the very
    same moment for one supplier (both count, as in the list)."""
    rng = random.Random(15)
    bands = [band.code for band in settings_of(app).spend_bands] + [None]
    with db_of(app) as db:
        suppliers = [Supplier(name=f"Supplier {n:02d}", country="NO", tier=1 + n % 3,
                              spend_band=rng.choice(bands), large_by_hand=rng.random() < 0.2,
                              large_reason="Sole source")
                     for n in range(60)]
        db.add_all(suppliers)
        db.flush()
        for supplier in suppliers:
            for _ in range(rng.choice((0, 0, 1, 2, 3))):
                closed = rng.random() < 0.8
                at = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 600))
                db.add(RiskAssessment(
                    supplier_id=supplier.id, assessed_at=at, total=2.5,
                    level=rng.choice(list(RiskLevel)),
                    status=AssessmentStatus.CLOSED if closed
                    else AssessmentStatus.AWAITING_ANALYSIS,
                    closed_at=at if closed else None,
                    next_due_on=(TODAY + timedelta(days=rng.randint(-300, 300))
                                 if closed and rng.random() < 0.9 else None),
                    inputs="{}"))
        twice = datetime(2026, 3, 3, tzinfo=UTC)
        for _ in range(2):
            db.add(RiskAssessment(supplier_id=suppliers[0].id, assessed_at=twice, total=4.0,
                                  level=RiskLevel.HIGH, status=AssessmentStatus.CLOSED,
                                  closed_at=twice, next_due_on=TODAY, inputs="{}"))


def test_issue15_the_risk_box_counts_what_the_lists_hold(admin_app: Flask) -> None:
    _fill(admin_app)
    settings = settings_of(admin_app)
    with admin_app.app_context(), db_of(admin_app) as db:
        latest = _latest_closed_rows(db)
        levels = Counter(row.level.value for row, _name in latest)
        seen = set()
        for day in (TODAY - timedelta(days=400), TODAY, TODAY + timedelta(days=150),
                    TODAY + timedelta(days=400)):
            counts = dashboard_figures(db, day, settings)
            expected = len(reassessments_due(db, day, settings))
            assert counts["reassessments_due"] == expected, day
            assert counts["by_level"] == {level.value: levels[level.value]
                                          for level in RiskLevel}
            seen.add(expected)
        # The data set is not trivial: the count moves with the day, every level occurs.
        assert len(seen) >= 3 and all(levels[level.value] for level in RiskLevel)


def test_issue15_the_dashboard_reads_counts_not_rows(admin_app: Flask) -> None:
    """Every statement of the dashboard is an aggregate: before, two of them read one row per
    supplier due (their id, name and registration) or waiting for an analysis."""
    _fill(admin_app)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    engine = engine_of(admin_app)
    with admin_app.test_request_context("/admin/suppliers/dashboard"), \
            db_of(admin_app) as db:
        event.listen(engine, "before_cursor_execute", record)
        try:
            dashboard_figures_for(db, TODAY)
        finally:
            event.remove(engine, "before_cursor_execute", record)
    assert statements
    # The languages switched off are read once per request by the translations, whatever the
    # page; every other statement is the dashboard's.
    rows = [statement for statement in statements
            if not re.match(r"SELECT (\S+, )*count\(", statement)
            and "FROM language_switches" not in statement]
    assert rows == []
