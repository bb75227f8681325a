"""The account's figures (admin/annual/figures.py) on a fixed data set counted by hand:
statistics rows (what survives the purge), live cases, suppliers and information requests."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from admin.annual.figures import AccountFigures, account_figures
from config import Settings
from portal.db import session_factory, transaction
from portal.extensions import settings_of
from portal.models import Case, CaseStat, InformationRequest
from portal.small_counts import CellStatus
from supplier_dd.models import Supplier
from tests.admin.case_support import World, new_case
from tests.admin.case_support import world as world  # noqa: F401 (fixture)

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def stat(year: int, unit_id: str | None, **values: Any) -> CaseStat:
    base: dict[str, Any] = {
        "year": year, "unit_id": unit_id, "category": "forced_labour", "human_rights": True,
        "channel": "web", "outcome": None, "human_rights_breach": None,
        "acknowledged_on_time": True, "feedback_on_time": True,
        "received_month": f"{year}-03", "closed_month": f"{year}-05",
        "purged_month": "2026-01", "reporter_named": False}
    base.update(values)
    return CaseStat(**base)


def request(number: int, unit_id: str | None, received: datetime, **values: Any
            ) -> InformationRequest:
    base: dict[str, Any] = {
        "reference": f"IR-{number:04d}", "unit_id": unit_id, "received_at": received,
        "due_at": received + timedelta(days=21), "status": "answered",
        "closed_at": received + timedelta(days=10), "contact_kind": "email",
        "sealed": b"\x00"}
    base.update(values)
    return InformationRequest(**base)


def fill(app: Flask, world: World) -> None:
    """2025, company A (world.unit_id):
       8 forced_labour (web, human rights, anonymous, ack on time, feedback on time)
         of which 3 substantiated with a human-rights breach, 1 unfounded, 4 no outcome
       4 corruption (oral, not human rights, named, ack late, feedback on time), unfounded
       1 fraud (web, not human rights, anonymous, closed without acknowledgement and feedback)
     2025, company B (world.other_unit_id): 5 forced_labour (web, hr, anonymous)
     2024, company A: 6 forced_labour (web, hr, anonymous), 2 corruption (oral, named)
     A live case in 2025 for company A: forced_labour, web, human rights, anonymous,
     acknowledged after 2 days, no feedback yet (pending until its deadline)."""
    a, b = world.unit_id, world.other_unit_id
    rows = (
        [stat(2025, a, outcome="substantiated", human_rights_breach=True) for _ in range(3)]
        + [stat(2025, a, outcome="unfounded", human_rights_breach=False)]
        + [stat(2025, a) for _ in range(4)]
        + [stat(2025, a, category="corruption", channel="oral", human_rights=False,
                reporter_named=True, acknowledged_on_time=False, outcome="unfounded")
           for _ in range(4)]
        + [stat(2025, a, category="fraud", human_rights=False, acknowledged_on_time=None,
                feedback_on_time=None, closed_without_acknowledgement=True,
                closed_without_feedback=True)]
        + [stat(2025, b) for _ in range(5)]
        + [stat(2024, a) for _ in range(6)]
        + [stat(2024, a, category="corruption", channel="oral", human_rights=False,
                reporter_named=True) for _ in range(2)])
    received = datetime(2025, 6, 2, 12, tzinfo=UTC)
    case_id, _ = new_case(app, a, now=received)
    with app.app_context(), transaction(session_factory(app)) as db:
        db.add_all(rows)
        case = db.get(Case, case_id)
        assert case is not None
        case.acknowledged_at = received + timedelta(days=2)
        case.feedback_due_at = datetime(2026, 9, 1, tzinfo=UTC)  # still ahead of NOW
        # Requests 2025 for company A: 4 received, 3 answered in three weeks, 1 refused late
        # after an extension.
        db.add_all([request(n, a, datetime(2025, 4, n, tzinfo=UTC)) for n in range(1, 4)]
                   + [request(4, a, datetime(2025, 4, 10, tzinfo=UTC), status="refused",
                              refusal_ground="unclear",
                              extended_to=datetime(2025, 6, 10, tzinfo=UTC),
                              extension_noticed_at=datetime(2025, 4, 20, tzinfo=UTC),
                              closed_at=datetime(2025, 6, 1, tzinfo=UTC))])
        created = datetime(2025, 2, 1, tzinfo=UTC)
        db.add_all([Supplier(name=f"Supplier {n}", country="NO" if n < 4 else "CN",
                             tier=1 if n < 5 else 2, created_at=created) for n in range(6)])
        db.add(Supplier(name="Late supplier", country="SE", tier=1,
                        created_at=datetime(2026, 1, 5, tzinfo=UTC)))


def figures(app: Flask, *, k: int, unit_id: str | None) -> AccountFigures:
    settings: Settings = dataclasses.replace(settings_of(app), annual_small_count=k)
    with app.app_context(), transaction(session_factory(app)) as db:
        return account_figures(db, settings, year=2025, unit_id=unit_id, now=NOW)


def values(result: AccountFigures, key: str, which: str = "current") -> dict[str, int | None]:
    return {row.key: getattr(row, which).value for row in result.table(key).rows}


def test_exact_figures_for_a_company(world: World, portal_app: Flask) -> None:
    fill(portal_app, world)
    result = figures(portal_app, k=1, unit_id=world.unit_id)
    assert (result.year, result.previous_year, result.unit_id) == (2025, 2024, world.unit_id)
    assert values(result, "reports.received") == {"total": 14}
    assert values(result, "reports.received", "previous") == {"total": 8}
    assert result.table("reports.received").row("total").change == 6
    assert values(result, "reports.by_category") == {
        "corruption": 4, "forced_labour": 9, "fraud": 1}
    assert values(result, "reports.by_category", "previous") == {
        "corruption": 2, "forced_labour": 6, "fraud": 0}
    assert values(result, "reports.by_channel") == {"oral": 4, "web": 10}
    assert values(result, "reports.human_rights") == {"yes": 9, "no": 5}
    assert values(result, "reports.reporter") == {"anonymous": 10, "named": 4, "unknown": 0}
    assert values(result, "reports.acknowledgement") == {
        "on_time": 9, "late": 4, "closed_without": 1, "pending": 0}
    assert values(result, "reports.feedback") == {
        "on_time": 12, "late": 0, "closed_without": 1, "pending": 1}
    assert values(result, "reports.outcomes") == {
        "unfounded": 5, "substantiated": 3, "partly_substantiated": 0, "not_assessable": 0,
        "none": 6}
    assert values(result, "reports.human_rights_breaches") == {"total": 3}
    # Only the live case still has its dates: 2 days, over 1 case.
    median = {item.key: item for item in result.medians}["reports.median_days_to_acknowledgement"]
    assert (median.current, median.current_basis.value) == (2.0, 1)
    # Information requests of company A.
    assert values(result, "requests.received") == {"total": 4}
    assert values(result, "requests.answered_within_three_weeks") == {"total": 3}
    assert values(result, "requests.extended") == {"total": 1}
    assert values(result, "requests.refused") == {"total": 1}
    # The register is the group's: 6 suppliers by the end of 2025 (the seventh came in 2026).
    assert result.table("suppliers.by_tier").scope == "group"
    assert values(result, "suppliers.total") == {"total": 6}
    assert values(result, "suppliers.by_tier") == {"1": 5, "2": 1}
    assert values(result, "suppliers.by_country") == {"CN": 2, "NO": 4}
    # The shipped indicative country table scores NO 1 and CN 5.
    assert values(result, "suppliers.by_country_risk") == {
        "score_1": 4, "score_2": 0, "score_3": 0, "score_4": 0, "score_5": 2, "unrated": 0}
    assert "reports.by_company" not in {table.key for table in result.tables}
    # Code of Conduct coverage has no history: no previous year, rather than this year twice.
    conduct = result.table("suppliers.conduct")
    assert not conduct.previous_available
    assert {row.previous.status for row in conduct.rows} == {CellStatus.WITHHELD}
    # The six suppliers of the register at the year's end (as suppliers.total; the seventh
    # came in 2026 and counted too before), their records as they stand: none yet.
    assert values(result, "suppliers.conduct")["unrecorded"] == 6


def test_group_figures_by_company(world: World, portal_app: Flask) -> None:
    fill(portal_app, world)
    result = figures(portal_app, k=1, unit_id=None)
    assert values(result, "reports.received") == {"total": 19}
    codes = values(result, "reports.by_company")
    assert sorted(codes.values()) == [5, 14]


def test_suppressed_figures_for_a_company(world: World, portal_app: Flask) -> None:
    """k = 3 on the same data, worked out by hand."""
    fill(portal_app, world)
    result = figures(portal_app, k=3, unit_id=world.unit_id)
    category = result.table("reports.by_category")
    # fraud 1 is small; corruption 4 is the next smallest and hidden with it; 9 stays.
    assert {row.key: row.current.status for row in category.rows} == {
        "corruption": CellStatus.COMPLEMENTARY, "forced_labour": CellStatus.SHOWN,
        "fraud": CellStatus.SMALL}
    # Previous year: corruption 2 is small; fraud 0 is shown; forced_labour 6 goes with it
    # (otherwise 8 - 6 = 2), and is then complementary: corruption in [1, 2], forced_labour
    # in [3, 8], sum 8: corruption two values.
    assert {row.key: row.previous.status for row in category.rows} == {
        "corruption": CellStatus.SMALL, "forced_labour": CellStatus.COMPLEMENTARY,
        "fraud": CellStatus.SHOWN}
    # The year-on-year change of a hidden cell is not shown.
    assert [row.change for row in category.rows] == [None, None, None]
    assert result.table("reports.received").row("total").change == 6
    # Closed without: 1 is small, pending 0, late 4 goes with it.
    ack = {row.key: row.current.status for row in result.table("reports.acknowledgement").rows}
    assert ack == {"on_time": CellStatus.SHOWN, "late": CellStatus.COMPLEMENTARY,
                   "closed_without": CellStatus.SMALL, "pending": CellStatus.SHOWN}
    # One refused request: "< 3"; the median over one case is not shown.
    assert result.table("requests.refused").row("total").current.display(3) == "< 3"
    median = {item.key: item for item in result.medians}["reports.median_days_to_acknowledgement"]
    assert median.current is None
    # Nothing in the JSON form carries a hidden value.
    for table in result.to_dict()["tables"]:
        for row in table["rows"]:
            for side in ("current", "previous"):
                if row[side]["status"] != "shown":
                    assert row[side]["value"] is None
