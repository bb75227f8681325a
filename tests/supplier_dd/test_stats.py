"""The supplier module's figures for the annual account (issue 12, issue 13 §2): one typed
record per year, checked on a fixed data set whose figures are worked out by hand below."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime

from flask import Flask

from admin.annual.figures import account_figures
from portal.db import session_factory, transaction
from portal.extensions import settings_of
from supplier_dd.models import Supplier
from supplier_dd.models.actions import ActionItem, ActionKind, ActionStatus
from supplier_dd.models.conduct import CodeOfConductReview, ConductStatus
from supplier_dd.models.meetings import SupplierMeeting
from supplier_dd.models.reviews import EscalationDecision, ReviewTrigger
from supplier_dd.models.risk import (
    AssessmentStatus,
    RiskAssessment,
    RiskLevel,
    ThoroughAnalysis,
)
from supplier_dd.models.year_end import SupplierYearEnd
from supplier_dd.stats import SupplierYearFigures, supplier_year_figures, take_year_end

MARCH = datetime(2026, 3, 1, tzinfo=UTC)


def _at(month: int, year: int = 2026) -> datetime:
    return datetime(year, month, 15, 12, 0, tzinfo=UTC)


def test_the_year_figures_on_a_fixed_register(admin_app: Flask) -> None:
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        def supplier(name: str, tier: int, country: str, band: str | None,
                     created: datetime = MARCH, **extra: object) -> str:
            row = Supplier(name=name, tier=tier, country=country, spend_band=band,
                           created_at=created, **extra)
            db.add(row)
            db.flush()
            return row.id

        a = supplier("A", 1, "NO", "over_10m")            # large by spend
        b = supplier("B", 2, "CN", "1m_10m")              # large by spend
        c = supplier("C", 1, "CN", "under_100k")
        supplier("D", 3, "PL", None, large_by_hand=True, large_reason="Sole source")
        supplier("E", 1, "VN", "under_100k", created=datetime(2027, 2, 1, tzinfo=UTC))
        db.add_all([
            CodeOfConductReview(supplier_id=a, status=ConductStatus.SIGNED_OURS,
                                our_version="2025", signed_on=date(2026, 4, 1)),
            CodeOfConductReview(supplier_id=b, status=ConductStatus.OWN_COMPARED,
                                own_code_title="B code", compared_on=date(2026, 4, 2)),
            CodeOfConductReview(supplier_id=c, status=ConductStatus.NONE),
        ])

        def assessment(supplier_id: str, level: RiskLevel, at: datetime,
                       closed: bool = True) -> str:
            row = RiskAssessment(
                supplier_id=supplier_id, assessed_at=at, total=3.0, level=level,
                status=AssessmentStatus.CLOSED if closed
                else AssessmentStatus.AWAITING_ANALYSIS,
                closed_at=at if closed else None, inputs="{}")
            db.add(row)
            db.flush()
            return row.id

        assessment(a, RiskLevel.LOW, _at(5))
        high = assessment(b, RiskLevel.HIGH, _at(6))
        db.add(ThoroughAnalysis(assessment_id=high, questions="q", findings="f",
                                evidence="e", conclusion="c"))
        assessment(c, RiskLevel.MEDIUM, _at(11, 2025))    # another year
        assessment(c, RiskLevel.HIGH, _at(9), closed=False)  # not closed: not counted
        db.add_all([
            ActionItem(supplier_id=b, kind=ActionKind.REMEDIATION, title="Repay fees",
                       due_date=date(2026, 8, 1), status=ActionStatus.DONE,
                       created_at=_at(6), closed_at=_at(7)),
            ActionItem(supplier_id=b, kind=ActionKind.CORRECTIVE, title="Audit",
                       due_date=date(2026, 9, 1), created_at=_at(6)),   # overdue at year end
            ActionItem(supplier_id=a, kind=ActionKind.CORRECTIVE, title="Old",
                       due_date=date(2025, 12, 1), created_at=_at(10, 2025),
                       status=ActionStatus.DONE, closed_at=_at(11, 2025)),
            SupplierMeeting(supplier_id=a, held_on=date(2026, 5, 2), year=2026, quarter=2,
                            participants="x", sustainability="y"),
        ])
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        figures = supplier_year_figures(db, settings_of(admin_app), 2026, date(2027, 3, 1))
    assert isinstance(figures, SupplierYearFigures)
    # Register at the end of 2026: A-D (E came in 2027); A and B by spend, D by hand.
    assert (figures.register.suppliers, figures.register.large_and_important) == (4, 3)
    assert figures.register.by_tier == {1: 2, 2: 1, 3: 1}
    assert figures.register.by_country == {"CN": 2, "NO": 1, "PL": 1}
    # Coverage of the suppliers in the register at the year's end (A-D, as the register's own
    # figures: E came in 2027), their records as they stand now: D has nothing recorded.
    # Before, E counted too, and the coverage added up to 5 beside a register of 4.
    assert figures.conduct_coverage == {"signed_ours": 1, "own_compared": 1, "none": 1,
                                        "unrecorded": 1}
    assert sum(figures.conduct_coverage.values()) == figures.register.suppliers
    zero = {"signed_ours": 0, "own_compared": 0, "none": 0, "unrecorded": 0}
    assert figures.conduct_by_spend_band == {
        "1m_10m": {**zero, "own_compared": 1},
        "no_band": {**zero, "unrecorded": 1},
        "over_10m": {**zero, "signed_ours": 1},
        "under_100k": {**zero, "none": 1},
    }
    # Large and important suppliers assessed in 2026: A (low) and B (high, with its
    # analysis); C is not large and important, and its 2025 medium and open high do not
    # count anyway.
    assert figures.large_assessed_by_level == {"low": 1, "medium": 0, "high": 1}
    assert figures.thorough_analyses == 1
    workflow = figures.workflow
    assert (workflow.actions_opened, workflow.remediation_opened, workflow.actions_closed,
            workflow.actions_overdue, workflow.meetings_held) == (2, 1, 1, 1, 1)
    assert set(workflow.reviews_opened.values()) == {0}
    assert set(workflow.reviews_opened) == set(ReviewTrigger)
    assert set(workflow.decisions.values()) == {0}
    assert set(workflow.decisions) == set(EscalationDecision)


def test_the_assessed_figure_counts_large_and_important_suppliers_once_by_latest_level(
        admin_app: Flask) -> None:
    """Issue 13 §2, gap 1 of the audit: `suppliers.assessed` / `assessed_by_level` count the
    large and important suppliers with a risk assessment closed in the year, each once, by
    the level of its latest assessment closed in that year; not every assessment closed.

    By hand, for 2026 (large: over_10m or 1m_10m by spend, or flagged by hand):
    * A (large by spend): low in March, high in September (closed), medium in 2027: once,
      high (its latest closed in 2026; the 2027 one is another year);
    * B (large by spend): medium in June, low in June a day later: once, low;
    * D (large by hand): medium in May: once, medium;
    * C (not large): high in 2026: not counted;
    * F (large): an assessment still waiting for its analysis: not counted;
    so low 1, medium 1, high 1, three suppliers (the old count gave five assessments).
    The year-end figures stored for 2026 say the same."""
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        def supplier(name: str, band: str | None, **extra: object) -> str:
            row = Supplier(name=name, tier=1, country="NO", spend_band=band,
                           created_at=MARCH, **extra)
            db.add(row)
            db.flush()
            return row.id

        a = supplier("A", "over_10m")
        b = supplier("B", "1m_10m")
        c = supplier("C", "under_100k")
        d = supplier("D", None, large_by_hand=True, large_reason="Sole source")
        f = supplier("F", "over_10m")

        def assessment(supplier_id: str, level: RiskLevel, at: datetime,
                       closed: bool = True) -> None:
            db.add(RiskAssessment(
                supplier_id=supplier_id, assessed_at=at, total=3.0, level=level,
                status=AssessmentStatus.CLOSED if closed
                else AssessmentStatus.AWAITING_ANALYSIS,
                closed_at=at if closed else None, inputs="{}"))

        assessment(a, RiskLevel.LOW, _at(3))
        assessment(a, RiskLevel.HIGH, _at(9))
        assessment(a, RiskLevel.MEDIUM, _at(2, 2027))
        assessment(b, RiskLevel.MEDIUM, datetime(2026, 6, 1, 9, tzinfo=UTC))
        assessment(b, RiskLevel.LOW, datetime(2026, 6, 2, 9, tzinfo=UTC))
        assessment(d, RiskLevel.MEDIUM, _at(5))
        assessment(c, RiskLevel.HIGH, _at(4))
        assessment(f, RiskLevel.HIGH, _at(10), closed=False)
    settings = dataclasses.replace(settings_of(admin_app), annual_small_count=1)
    expected = {"low": 1, "medium": 1, "high": 1}
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        figures = supplier_year_figures(db, settings, 2026, date(2027, 3, 1))
        assert not figures.from_year_end
        assert figures.large_assessed_by_level == expected
        account = account_figures(db, settings, year=2026, unit_id=None, now=_at(3, 2027))
        assert {row.key: row.current.value
                for row in account.table("suppliers.assessed").rows} == {"total": 3}
        assert {row.key: row.current.value
                for row in account.table("suppliers.assessed_by_level").rows} == expected
        stored, taken = take_year_end(db, settings, 2026, now=_at(3, 2027))
        assert taken and stored.large_assessed_by_level == expected
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        again = supplier_year_figures(db, settings, 2026, date(2027, 3, 1))
        assert again.from_year_end
        assert again.large_assessed_by_level == expected


def test_figures_stored_before_the_fix_get_the_suppliers_from_the_assessment_rows(
        admin_app: Flask) -> None:
    """Gap 1 of issue 13's audit: a year-end stored before the fix holds the old count of
    assessments (`assessed_by_level`); it is not shown as the suppliers assessed, which are
    counted from the dated assessment rows instead (one large supplier assessed twice: 1)."""
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        row = Supplier(name="A", tier=1, country="NO", spend_band="over_10m",
                       created_at=MARCH)
        db.add(row)
        db.flush()
        for month, level in ((4, RiskLevel.MEDIUM), (8, RiskLevel.LOW)):
            db.add(RiskAssessment(supplier_id=row.id, assessed_at=_at(month), total=2.0,
                                  level=level, status=AssessmentStatus.CLOSED,
                                  closed_at=_at(month), inputs="{}"))
        old = {"suppliers": 1, "by_tier": {"1": 1}, "by_country": {"NO": 1},
               "by_country_risk": {"score_1": 1}, "large_and_important": 1,
               "conduct_coverage": {"signed_ours": 0, "own_compared": 0, "none": 0,
                                    "unrecorded": 1},
               "conduct_by_spend_band": {}, "assessed_by_level": {"low": 1, "medium": 1,
                                                                  "high": 0},
               "thorough_analyses": 0}
        db.add(SupplierYearEnd(year=2026, taken_at=_at(1, 2027), figures=json.dumps(old)))
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        figures = supplier_year_figures(db, settings_of(admin_app), 2026, date(2027, 3, 1))
    assert figures.from_year_end
    assert figures.large_assessed_by_level == {"low": 1, "medium": 0, "high": 0}
