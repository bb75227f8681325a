"""The year's small-count decision is frozen at the year's first approval (issue 13 §3): a
company's account approved in March and the group's in June, after more cases came in, cannot
be set against each other to reveal a cell hidden in March. Data worked out by hand in
tests/admin/test_annual_figures.py (`fill`): 2025, company A: corruption 4, forced labour 9,
fraud 1 (14); company B: forced labour 5."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from admin.annual import accounts as service
from admin.annual.figures import AccountFigures, account_figures
from admin.annual.models import YearSuppression
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.models import User
from portal.models.transparency import GROUP_SCOPE
from portal.states import Role
from tests.admin.case_support import World, make_person
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.test_annual_figures import fill, stat

MARCH = datetime(2026, 3, 2, 12, tzinfo=UTC)
JUNE = datetime(2026, 6, 1, 12, tzinfo=UTC)
TEXTS = {key: {"nb": "Tekst.", "en": "Text."} for key in ("a", "b", "c")}


@pytest.fixture
def cora(admin_app: Flask, world: World) -> Any:
    return make_person(admin_app, "Cora", (Role.COMPLIANCE,), ())


def _approve(app: Flask, world: World, approver: Any, scope: str, now: datetime
             ) -> dict[str, Any]:
    settings = dataclasses.replace(settings_of(app), annual_small_count=3)
    with app.app_context(), transaction(session_factory(app)) as db:
        keys = server_keys_of(app)
        writer, checker = db.get(User, world.carl.id), db.get(User, approver.id)
        assert writer is not None and checker is not None
        account = service.open_account(db, 2025, scope)
        service.save_texts(db, keys, writer, account, TEXTS, now=now)
        figures = account_figures(db, settings, year=2025,
                                  unit_id=None if scope == GROUP_SCOPE else scope,
                                  now=now).to_dict()
        service.approve(db, keys, settings, checker, account, figures=figures, now=now)
        frozen = service.frozen_content(account)
        assert frozen is not None
        return dict(frozen["figures"])


def _cells(figures: dict[str, Any], table: str) -> dict[str, dict[str, Any]]:
    return {row["key"]: row["current"] for item in figures["tables"] if item["key"] == table
            for row in item["rows"]}


def _unfrozen(app: Flask, unit_id: str | None, now: datetime) -> AccountFigures:
    """What the figures would be with no decision stored (as before this rule)."""
    settings = dataclasses.replace(settings_of(app), annual_small_count=3)
    with app.app_context(), transaction(session_factory(app)) as db:
        stored = db.get(YearSuppression, 2025)
        hidden = stored.hidden if stored is not None else "[]"
        if stored is not None:
            db.delete(stored)
            db.flush()
        result = account_figures(db, settings, year=2025, unit_id=unit_id, now=now)
        if stored is not None:
            db.add(YearSuppression(year=2025, hidden=hidden, decided_at=now, updated_at=now))
        return result


def test_a_june_account_cannot_be_set_against_a_march_one(
        admin_app: Flask, world: World, cora: Any) -> None:
    fill(admin_app, world)
    march = _approve(admin_app, world, cora, world.unit_id, MARCH)
    march_categories = _cells(march, "reports.by_category")
    assert march_categories["fraud"]["status"] == "small"
    assert march_categories["corruption"] == {"value": None, "status": "complementary"}
    assert march_categories["forced_labour"] == {"value": 9, "status": "shown"}
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        stored = db.get(YearSuppression, 2025)
        assert stored is not None
        hidden_in_march = set(json.loads(stored.hidden))
        # Late statistics rows for 2025 (a case entered after March): 3 more fraud reports
        # for A, so fraud is 4 and nothing of A's categories is small any more.
        db.add_all([stat(2025, world.unit_id, category="fraud", human_rights=False)
                    for _ in range(3)])
    # The attack, had June been decided afresh: June shows A's corruption (still 4) and
    # fraud; March's fraud = March's total 14 - forced labour 9 - June's corruption 4 = 1.
    fresh = _unfrozen(admin_app, world.unit_id, JUNE)
    fresh_categories = {row.key: row.current for row in fresh.table("reports.by_category").rows}
    assert fresh_categories["corruption"].value == 4
    march_total = _cells(march, "reports.received")["total"]["value"]
    assert march_total - 9 - fresh_categories["corruption"].value == 1  # it would work
    # With the frozen decision the June accounts (the group's and A's again) hide every cell
    # hidden in March, so the subtraction has nothing to work with.
    june_group = _approve(admin_app, world, cora, GROUP_SCOPE, JUNE)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        settings = dataclasses.replace(settings_of(admin_app), annual_small_count=3)
        june_company = account_figures(db, settings, year=2025, unit_id=world.unit_id,
                                       now=JUNE).to_dict()
        stored = db.get(YearSuppression, 2025)
        assert stored is not None
        # Later approvals may add to the decision, never take a cell out.
        assert hidden_in_march <= set(json.loads(stored.hidden))
        # Year on year: the next year's account shows 2025 beside 2026 with the same
        # decision, so its previous-year column cannot be set against the 2025 accounts.
        next_year = account_figures(db, settings, year=2026, unit_id=world.unit_id,
                                    now=JUNE)
    previous = {row.key: row.previous for row in next_year.table("reports.by_category").rows}
    assert previous["corruption"].value is None and previous["fraud"].value is None
    assert all(row.change is None for row in next_year.table("reports.by_category").rows
               if row.key in ("corruption", "fraud"))
    june_categories = _cells(june_company, "reports.by_category")
    assert june_categories["corruption"]["value"] is None
    assert june_categories["fraud"] == {"value": None, "status": "complementary"}
    assert _cells(june_group, "reports.by_company")  # the group's account was made
    for cell in hidden_in_march:
        scope, table, row = cell.split("|")
        if scope != world.unit_id or table != "reports.by_category":
            continue
        assert june_categories[row]["value"] is None, cell


def test_the_first_approval_stores_the_decision_of_the_year_and_the_year_before(
        admin_app: Flask, world: World, cora: Any) -> None:
    fill(admin_app, world)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert db.get(YearSuppression, 2025) is None
    _approve(admin_app, world, cora, world.unit_id, MARCH)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        this_year, year_before = db.get(YearSuppression, 2025), db.get(YearSuppression, 2024)
        assert this_year is not None and year_before is not None
        assert f"{world.unit_id}|reports.by_category|fraud" in json.loads(this_year.hidden)
        # 2024: A's corruption 2 is small (shown beside 2025 as the previous year).
        assert f"{world.unit_id}|reports.by_category|corruption" in json.loads(
            year_before.hidden)
