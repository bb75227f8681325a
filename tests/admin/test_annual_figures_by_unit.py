"""The annual figures read every company in one pass (issue 15: "annual figures over 1 000 000
statistics rows" took 12.85 s on SQLite and 7.97 s on PostgreSQL, goal < 2 s).

`portal.stats.case_counts_by_unit` groups the year's statistics rows and live cases by company
once and sums them per company here; before, `admin.annual.joint.year_decision` ran the
channel's and the requests' queries once per company and once for the group, per year. These
tests check that the counts of a varied data set equal an independent count over the very
rows written, and that the number of queries no longer grows with the companies."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event

from portal.db import engine_of, new_id, session_factory, transaction
from portal.models import Case, CaseStat, OrgUnit
from portal.stats import CaseCounts, case_counts, case_counts_by_unit
from tests.admin.case_support import World, new_case
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.test_annual_figures import figures, request

NOW = datetime(2026, 3, 1, tzinfo=UTC)
OUTCOMES = (None, "unfounded", "substantiated", "partly_substantiated", "not_assessable")


def _random_stats(rng: random.Random, units: list[str | None], count: int) -> list[dict[str, Any]]:
    rows = []
    for _ in range(count):
        year = rng.choice((2024, 2025, 2025))
        no_ack, no_fb = rng.random() < 0.1, rng.random() < 0.15
        rows.append({
            "year": year, "unit_id": rng.choice(units),
            "category": rng.choice(("forced_labour", "fraud", "corruption", "other")),
            "human_rights": rng.random() < 0.4,
            "channel": rng.choice(("web", "oral", "meeting", "leader")),
            "outcome": rng.choice(OUTCOMES),
            "human_rights_breach": rng.choice((None, True, False)),
            "acknowledged_on_time": None if no_ack else rng.choice((None, True, False)),
            "feedback_on_time": None if no_fb else rng.choice((None, True, False)),
            "closed_without_acknowledgement": no_ack, "closed_without_feedback": no_fb,
            "received_month": f"{year}-04", "closed_month": f"{year}-06",
            "purged_month": "2026-01", "reporter_named": rng.choice((None, True, False))})
    return rows


def _flag(done: bool | None, closed_without: bool) -> str:
    if closed_without:
        return "closed_without"
    return "pending" if done is None else ("on_time" if done else "late")


def _expected(rows: list[dict[str, Any]], live: list[dict[str, Any]]) -> dict[str, Any]:
    """What the counts must be, counted row by row in plain Python (no SQL grouping)."""
    dims: dict[str, Counter[str]] = {name: Counter() for name in (
        "category", "channel", "unit", "hr", "outcome", "ack", "fb", "reporter")}
    breaches = 0
    for row in rows:
        dims["category"][row["category"]] += 1
        dims["channel"][row["channel"]] += 1
        dims["unit"][str(row["unit_id"])] += 1
        dims["hr"]["yes" if row["human_rights"] else "no"] += 1
        dims["outcome"][row["outcome"] or "none"] += 1
        dims["ack"][_flag(row["acknowledged_on_time"],
                          row["closed_without_acknowledgement"])] += 1
        dims["fb"][_flag(row["feedback_on_time"], row["closed_without_feedback"])] += 1
        named = row["reporter_named"]
        dims["reporter"]["unknown" if named is None else
                         ("named" if named else "anonymous")] += 1
        breaches += bool(row["human_rights_breach"])
    for case in live:
        for name in ("category", "channel", "unit", "ack", "fb"):
            dims[name][case[name]] += 1
        dims["hr"]["yes"] += 1
        dims["outcome"]["none"] += 1
        dims["reporter"]["anonymous"] += 1
    timeliness = ("on_time", "late", "closed_without", "pending")
    return {
        "received": len(rows) + len(live),
        "by_category": dict(sorted(dims["category"].items())),
        "by_channel": dict(sorted(dims["channel"].items())),
        "by_unit": dict(sorted(dims["unit"].items())),
        "human_rights": {"yes": dims["hr"]["yes"], "no": dims["hr"]["no"]},
        "outcomes": {name: dims["outcome"][name]
                     for name in ("unfounded", "substantiated", "partly_substantiated",
                                  "not_assessable", "none")},
        "human_rights_breaches": breaches,
        "acknowledgement": {name: dims["ack"][name] for name in timeliness},
        "feedback": {name: dims["fb"][name] for name in timeliness},
        "reporter": {name: dims["reporter"][name] for name in ("anonymous", "named", "unknown")},
        "acknowledged_cases_with_dates": sum(case["ack_days"] is not None for case in live),
    }


def _observed(counts: CaseCounts) -> dict[str, Any]:
    return {"received": counts.received, "by_category": counts.by_category,
            "by_channel": counts.by_channel, "by_unit": counts.by_unit,
            "human_rights": counts.human_rights, "outcomes": counts.outcomes,
            "human_rights_breaches": counts.human_rights_breaches,
            "acknowledgement": counts.acknowledgement, "feedback": counts.feedback,
            "reporter": counts.reporter,
            "acknowledged_cases_with_dates": counts.acknowledged_cases_with_dates}


def _live_cases(app: Flask, world: World) -> list[dict[str, Any]]:
    """Three live 2025 cases (A, B, none given) whose timeliness is set by hand: A
    acknowledged after 2 days and answered in time, B acknowledged after 30 days (late) and
    never answered (late by NOW), the third never acknowledged nor answered (both late)."""
    received = datetime(2025, 6, 2, 12, tzinfo=UTC)
    plan = [(world.unit_id, 2, 20, "on_time", "on_time"),
            (world.other_unit_id, 30, None, "late", "late"),
            (None, None, None, "late", "late")]
    live = []
    for unit, ack_days, fb_days, ack, fb in plan:
        case_id, _ = new_case(app, unit, now=received)
        with app.app_context(), transaction(session_factory(app)) as db:
            case = db.get(Case, case_id)
            assert case is not None
            if ack_days is not None:
                case.acknowledged_at = received + timedelta(days=ack_days)
            if fb_days is not None:
                case.feedback_at = received + timedelta(days=fb_days)
            category, channel = case.category, str(case.channel)
        live.append({"unit": str(unit), "category": category, "channel": channel,
                     "ack": ack, "fb": fb, "ack_days": ack_days})
    return live


def test_issue15_counts_of_every_company_from_one_pass_equal_a_count_row_by_row(
        world: World, portal_app: Flask) -> None:
    """600 varied statistics rows over five companies, rows with no company and rows of a
    company since removed, plus live cases: the group's counts and each company's equal a
    plain count of the rows written, for both years the account shows."""
    rng = random.Random(15)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        extra = [OrgUnit(code=f"X{n}", name=f"Extra {n}") for n in range(2)]
        db.add_all(extra)
        db.flush()
        companies = [world.unit_id, world.other_unit_id, world.group_unit_id,
                     *(unit.id for unit in extra)]
    removed = new_id()
    rows = _random_stats(rng, [*companies, None, removed], 600)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        db.add_all(CaseStat(**row) for row in rows)
    live = _live_cases(portal_app, world)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        for year in (2024, 2025):
            of_year = [row for row in rows if row["year"] == year]
            live_of_year = live if year == 2025 else []
            group, by_unit = case_counts_by_unit(db, year, now=NOW, unit_ids=companies)
            assert _observed(group) == _expected(of_year, live_of_year), year
            assert set(by_unit) == set(companies)
            for unit in companies:
                expected = _expected([row for row in of_year if row["unit_id"] == unit],
                                     [case for case in live_of_year if case["unit"] == unit])
                assert _observed(by_unit[unit]) == expected, (year, unit)
                # The one-company reading gives the same counts.
                assert case_counts(db, year, now=NOW, unit_id=unit) == by_unit[unit]
            assert case_counts(db, year, now=NOW) == group
        # Sanity of the data set: every company and every flag occurs.
        assert len(group.by_unit) == len(companies) + 2
        assert all(group.acknowledgement.values()) and all(group.outcomes.values())
        assert group.median_days_to_acknowledgement == 16.0  # (2 + 30) / 2


def _statements(app: Flask, action: Any) -> list[str]:
    engine = engine_of(app)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def test_issue15_the_annual_figures_take_as_many_queries_at_13_companies_as_at_3(
        world: World, portal_app: Flask) -> None:
    """Before, each company added five queries per year (its statistics rows, its live cases,
    two date lists, its requests): 286 queries for the group's account at 24 companies."""
    a = world.unit_id
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        db.add_all(CaseStat(**row) for row in _random_stats(random.Random(3), [a, None], 40))
        db.add(request(1, a, datetime(2025, 4, 1, tzinfo=UTC)))

    def group_account() -> None:
        figures(portal_app, k=3, unit_id=None)

    def company_account() -> None:
        figures(portal_app, k=3, unit_id=a)

    at_three = (len(_statements(portal_app, group_account)),
                len(_statements(portal_app, company_account)))
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        db.add_all(OrgUnit(code=f"N{n}", name=f"New {n}") for n in range(10))
    at_thirteen = (len(_statements(portal_app, group_account)),
                   len(_statements(portal_app, company_account)))
    assert at_three == at_thirteen
