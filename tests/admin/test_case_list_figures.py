"""The staff case list's figures of the year follow the account's one small-count rule (issue
13 §3, gap 6 of the audit): the setting's k, "< k" for a small cell, and complementary
suppression ("–") of the cell that would give it away; no second rule with its own
threshold."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask

import admin
from admin.annual.figures import account_figures
from portal.db import engine_of, session_factory, transaction, utcnow
from portal.extensions import settings_of
from portal.models import Case
from portal.small_counts import CellStatus
from portal.stats import case_figures
from tests.admin.case_support import World, new_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)


def _five_cases(app: Flask, unit_id: str) -> None:
    """This year: 3 acknowledged in time, 2 closed without an acknowledgement or feedback.
    Acknowledgement: in time 3, late 0, closed without 2, pending 0 (received 5)."""
    for number in range(5):
        case_id, _code = new_case(app, unit_id)
        with app.app_context(), transaction(session_factory(app)) as db:
            case = db.get(Case, case_id)
            assert case is not None
            if number < 3:
                case.acknowledged_at = case.created_at
            else:
                case.closed_at = utcnow()
                case.status = "closed"  # type: ignore[assignment]


@pytest.fixture
def admin_k4(admin_app: Flask) -> Iterator[Flask]:
    """The staff app over the same database with AKTSOM_ANNUAL_SMALL_COUNT = 4."""
    app = admin.create_app(dataclasses.replace(settings_of(admin_app), annual_small_count=4))
    app.config.update(TESTING=True)
    yield app
    engine_of(app).dispose()


def test_the_case_list_hides_small_cells_and_their_complement_as_the_account_does(
        world: World, portal_app: Flask, admin_app: Flask, admin_k4: Flask) -> None:
    _five_cases(portal_app, world.unit_id)
    assert settings_of(admin_app).annual_small_count == 3
    page = signed_in(admin_app, world.alice).get("/admin/cases").get_data(as_text=True)
    assert "Reports received</dt><dd>5</dd>" in page
    # 2 closed without: "< 3". Shown beside the total (5) and the zeros, the 3 in time would
    # give it away, so they are hidden too ("–"); the older rule showed them.
    assert "Closed without acknowledgement</dt><dd>&lt; 3</dd>" in page
    assert "Acknowledged in time / late</dt><dd>– / 0</dd>" in page
    # Feedback: 2 closed without ("< 3"), its complement (3 not yet due) is not on the page.
    assert "Closed without feedback</dt><dd>&lt; 3</dd>" in page
    assert 'and a few others as "–"' in page.replace("&#34;", '"').replace("&quot;", '"')

    # The same cells as the group's account of the year under the same k.
    now = utcnow()
    settings = settings_of(admin_app)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        listed = case_figures(db, now.year, now=now, k=settings.annual_small_count)
        account = account_figures(db, settings, year=now.year, unit_id=None, now=now)
    table = account.table("reports.acknowledgement")
    assert [listed.acknowledged_on_time, listed.acknowledged_late,
            listed.closed_without_acknowledgement] == [
        table.row(key).current for key in ("on_time", "late", "closed_without")]
    assert listed.acknowledged_on_time.status is CellStatus.COMPLEMENTARY
    assert listed.received == account.table("reports.received").row("total").current

    # The setting's k, not a threshold of the page's own: with k = 4, 3 and 2 are both small.
    # (Bob, another handler: a TOTP code is taken once.)
    page = signed_in(admin_k4, world.bob).get("/admin/cases").get_data(as_text=True)
    assert "Acknowledged in time / late</dt><dd>&lt; 4 / 0</dd>" in page
    assert "Closed without acknowledgement</dt><dd>&lt; 4</dd>" in page
    assert "Reports received</dt><dd>5</dd>" in page
