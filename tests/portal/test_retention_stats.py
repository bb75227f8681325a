"""The channel's annual figures: live and purged cases together, on-time counts from the
stored clocks, and small cells suppressed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask

from portal.cases.retention import statistics_row
from portal.db import session_factory, transaction
from portal.models import Case, CaseStat
from portal.stats import case_figures, suppress, years_with_cases
from tests.admin.case_support import World, new_case
from tests.admin.case_support import world as world  # noqa: F401 (fixture)

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NOW = datetime(2026, 2, 1, tzinfo=UTC)


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
        exact = case_figures(db, 2025, now=NOW, threshold=1)
        assert exact.received == 10
        assert exact.by_category == {"corruption": 2, "forced_labour": 7, "fraud": 1}
        assert exact.human_rights_related == 7
        assert (exact.substantiated, exact.partly_substantiated) == (3, 2)
        assert exact.human_rights_breaches == 3
        # Live: 4 on time, 2 never acknowledged (overdue by now), 2 late; purged: 1 and 1.
        assert (exact.acknowledged_on_time, exact.acknowledged_late) == (5, 5)
        # Nothing is closed or answered: the live feedback deadlines have passed by NOW.
        assert (exact.feedback_on_time, exact.feedback_late) == (2, 8)
        assert years_with_cases(db) == [2026, 2025, 2024]

        safe = case_figures(db, 2025, now=NOW)
        assert safe.threshold == 5
        assert safe.received == 10
        # Two small cells hidden; the largest stays.
        assert safe.by_category == {"corruption": None, "forced_labour": 7, "fraud": None}
        assert (safe.substantiated, safe.partly_substantiated) == (None, None)
        assert (safe.acknowledged_on_time, safe.acknowledged_late) == (5, 5)
        assert (safe.feedback_on_time, safe.feedback_late) == (None, None)


def test_suppression_rules() -> None:
    assert [suppress(count, 5) for count in (0, 1, 4, 5, 9)] == [0, None, None, 5, 9]
    assert suppress(3, 1) == 3
    from portal.stats import _suppress_table

    # One hidden cell alone could be worked out from the total: the next smallest goes too.
    assert _suppress_table({"a": 3, "b": 6, "c": 9, "d": 0}, 5) == {
        "a": None, "b": None, "c": 9, "d": 0}
    assert _suppress_table({"a": 3, "b": 2, "c": 9}, 5) == {"a": None, "b": None, "c": 9}
    assert _suppress_table({"a": 7, "b": 9}, 5) == {"a": 7, "b": 9}


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
        figures = case_figures(db, 2025, now=NOW, threshold=1)
        assert figures.received == 5
        assert (figures.acknowledged_on_time, figures.acknowledged_late) == (1, 0)
        assert figures.closed_without_acknowledgement == 4
        assert (figures.feedback_on_time, figures.feedback_late) == (0, 0)
        assert figures.closed_without_feedback == 5
        case = db.get(Case, acknowledged)
        assert case is not None
        row = statistics_row(case, NOW)
        assert (row.acknowledged_on_time, row.closed_without_acknowledgement) == (True, False)
        assert (row.feedback_on_time, row.closed_without_feedback) == (False, True)
