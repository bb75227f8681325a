"""The channel's annual figures: live and purged cases together, on-time counts from the
stored clocks, and small cells protected by the account's one rule (portal.small_counts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask

from portal.cases.retention import statistics_row
from portal.db import session_factory, transaction
from portal.models import Case, CaseStat
from portal.small_counts import Cell, CellStatus
from portal.stats import CaseFigures, case_figures, years_with_cases
from tests.admin.case_support import World, new_case
from tests.admin.case_support import world as world  # noqa: F401 (fixture)

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NOW = datetime(2026, 2, 1, tzinfo=UTC)
SMALL = Cell(None, CellStatus.SMALL)
COMPLEMENTARY = Cell(None, CellStatus.COMPLEMENTARY)


def _values(figures: CaseFigures, *names: str) -> tuple[int | None, ...]:
    return tuple(getattr(figures, name).value for name in names)


def _set(app: Flask, case_id: str, **changes: object) -> None:
    with app.app_context(), transaction(session_factory(app)) as db:
        case = db.get(Case, case_id)
        assert case is not None
        for name, value in changes.items():
            setattr(case, name, value)


def _stat(**values: object) -> CaseStat:
    base: dict[str, object] = {
        "year": 2025, "unit_id": None, "category": "forced_labour", "human_rights": True,
        "channel": "web", "outcome": None, "human_rights_breach": None,
        "acknowledged_on_time": True, "feedback_on_time": True,
        "received_month": "2025-03", "closed_month": "2025-03", "purged_month": "2026-01"}
    base.update(values)
    return CaseStat(**base)


def _fill(app: Flask, world: World) -> None:
    for index in range(6):
        case_id, _ = new_case(app, world.unit_id, now=START + timedelta(days=index))
        if index < 4:  # acknowledged in time
            _set(app, case_id, acknowledged_at=START + timedelta(days=index + 1),
                 outcome="substantiated" if index < 2 else "partly_substantiated",
                 human_rights_breach=index < 2)
    for index in range(2):
        case_id, _ = new_case(app, world.unit_id, now=START + timedelta(days=40 + index),
                              category="corruption", human_rights=False)
        _set(app, case_id, acknowledged_at=START + timedelta(days=60))  # late
    new_case(app, world.unit_id, now=datetime(2026, 1, 5, tzinfo=UTC))  # another year
    with app.app_context(), transaction(session_factory(app)) as db:
        db.add_all([_stat(outcome="substantiated", human_rights_breach=True),
                    _stat(category="fraud", human_rights=False, acknowledged_on_time=False),
                    _stat(year=2024)])


def test_figures_combine_live_and_purged_cases(world: World, portal_app: Flask) -> None:
    _fill(portal_app, world)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        exact = case_figures(db, 2025, now=NOW, k=1)
        assert exact.received.value == 10
        assert {name: cell.value for name, cell in exact.by_category.items()} == {
            "corruption": 2, "forced_labour": 7, "fraud": 1}
        assert exact.human_rights_related.value == 7
        assert _values(exact, "substantiated", "partly_substantiated") == (3, 2)
        assert exact.human_rights_breaches.value == 3
        # Live: 4 on time, 2 never acknowledged (overdue by now), 2 late; purged: 1 and 1.
        assert _values(exact, "acknowledged_on_time", "acknowledged_late") == (5, 5)
        # Nothing is closed or answered: the live feedback deadlines have passed by NOW.
        assert _values(exact, "feedback_on_time", "feedback_late") == (2, 8)
        assert years_with_cases(db) == [2026, 2025, 2024]

        safe = case_figures(db, 2025, now=NOW, k=5)
        assert safe.k == 5
        assert safe.received.value == 10
        # Two small cells hidden (1-4 each, 3 together: two values each); the largest stays.
        assert safe.by_category == {"corruption": SMALL, "forced_labour": Cell(7, CellStatus.SHOWN),
                                    "fraud": SMALL}
        assert (safe.substantiated, safe.partly_substantiated) == (SMALL, SMALL)
        assert _values(safe, "acknowledged_on_time", "acknowledged_late") == (5, 5)
        # 2 in time alone would be the total less 8: the 8 late are hidden with it.
        assert (safe.feedback_on_time, safe.feedback_late) == (SMALL, COMPLEMENTARY)


def test_a_case_closed_without_acknowledgement_or_feedback_is_not_on_time(
        world: World, portal_app: Flask) -> None:
    """Issue 11 §1(c): closing settles no clock; such cases are counted apart."""
    for index in range(3):
        case_id, _ = new_case(portal_app, world.unit_id, now=START + timedelta(days=index))
        # Closed within the 7 days, never acknowledged, no feedback.
        _set(portal_app, case_id, status="closed", closing_reason="duplicate",
             closed_at=START + timedelta(days=index + 1))
    acknowledged, _ = new_case(portal_app, world.unit_id, now=START)
    _set(portal_app, acknowledged, acknowledged_at=START + timedelta(days=1), status="closed",
         closing_reason="withdrawn", closed_at=START + timedelta(days=2))
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        db.add(_stat(acknowledged_on_time=False, feedback_on_time=False,
                     closed_without_acknowledgement=True, closed_without_feedback=True))
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        figures = case_figures(db, 2025, now=NOW, k=1)
        assert figures.received.value == 5
        assert _values(figures, "acknowledged_on_time", "acknowledged_late") == (1, 0)
        assert figures.closed_without_acknowledgement.value == 4
        assert _values(figures, "feedback_on_time", "feedback_late") == (0, 0)
        assert figures.closed_without_feedback.value == 5
        case = db.get(Case, acknowledged)
        assert case is not None
        row = statistics_row(case, NOW)
        assert (row.acknowledged_on_time, row.closed_without_acknowledgement) == (True, False)
        assert (row.feedback_on_time, row.closed_without_feedback) == (False, True)
