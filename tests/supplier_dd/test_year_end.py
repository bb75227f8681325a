"""The supplier register's stored year-end figures (issue 13 §2): `aktsom suppliers year-end
--year Y` stores a closed year's counts once, and the annual account's supplier figures of that
year are read from them, whatever the register has become since."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskCliRunner

from admin.annual.figures import account_figures
from portal.db import session_factory, transaction, utcnow
from portal.extensions import settings_of
from supplier_dd.models import Supplier
from supplier_dd.models.conduct import CodeOfConductReview, ConductStatus
from supplier_dd.stats import stored_year_end, supplier_year_figures

JANUARY = datetime(2025, 1, 10, tzinfo=UTC)


def _register(app: Flask) -> None:
    """By the end of 2024: NO tier 1 x3 (one signed our code), CN tier 2 x2; a 2025 one."""
    with app.app_context(), transaction(session_factory(app)) as db:
        for number, (country, tier) in enumerate([("NO", 1)] * 3 + [("CN", 2)] * 2):
            supplier = Supplier(name=f"S{number}", country=country, tier=tier,
                                spend_band="over_10m" if number == 0 else None,
                                created_at=datetime(2024, 3, 1, tzinfo=UTC))
            db.add(supplier)
            db.flush()
            if number == 0:
                db.add(CodeOfConductReview(supplier_id=supplier.id,
                                           status=ConductStatus.SIGNED_OURS))
        db.add(Supplier(name="Later", country="SE", tier=1,
                        created_at=datetime(2025, 1, 5, tzinfo=UTC)))


def test_the_command_stores_a_closed_year_once(admin_app: Flask,
                                               runner: FlaskCliRunner) -> None:
    _register(admin_app)
    year = utcnow().year - 1
    # A year still in progress is refused without --force.
    refused = runner.invoke(args=["suppliers", "year-end", "--year", str(utcnow().year)])
    assert refused.exit_code != 0 and "has not ended" in refused.output
    first = runner.invoke(args=["suppliers", "year-end", "--year", str(year)])
    assert first.exit_code == 0 and "Stored" in first.output, first.output
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        stored = stored_year_end(db, year)
        assert stored is not None
        db.add(Supplier(name="Backdated", country="NO", tier=3,
                        created_at=datetime(year, 6, 1, tzinfo=UTC)))
    # Idempotent: the second run keeps what was stored, though the register changed.
    second = runner.invoke(args=["suppliers", "year-end", "--year", str(year)])
    assert second.exit_code == 0 and "kept as they are" in second.output
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert stored_year_end(db, year) == stored
    forced = runner.invoke(args=["suppliers", "year-end", "--year", str(year), "--force"])
    assert forced.exit_code == 0 and "Stored" in forced.output
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        again = stored_year_end(db, year)
        assert again is not None and stored is not None
        assert again.suppliers == stored.suppliers + 1


def test_the_account_reads_a_closed_year_from_its_year_end(admin_app: Flask,
                                                           runner: FlaskCliRunner) -> None:
    """2024 by hand: 5 suppliers (tier 1: 3, tier 2: 2; NO 3, CN 2); Code of Conduct, of those
    five, as recorded when the figures were stored: 1 signed, 4 unrecorded (the 2025 supplier,
    in the register by then, is not 2024's: before, it made the coverage add up to 6)."""
    _register(admin_app)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        from supplier_dd.stats import take_year_end
        counts, taken = take_year_end(db, settings_of(admin_app), 2024, now=JANUARY)
        assert taken
    assert (counts.suppliers, counts.by_tier, counts.by_country) == (
        5, {"1": 3, "2": 2}, {"CN": 2, "NO": 3})
    assert counts.conduct_coverage == {"signed_ours": 1, "own_compared": 0, "none": 0,
                                       "unrecorded": 4}
    # Later the register changes: a supplier dated back into 2024, and the signed one leaves.
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        db.add(Supplier(name="Backdated", country="NO", tier=1,
                        created_at=datetime(2024, 5, 1, tzinfo=UTC)))
        for review in db.query(CodeOfConductReview):
            db.delete(review)
    settings = dataclasses.replace(settings_of(admin_app), annual_small_count=1)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert supplier_year_figures(db, settings, 2024, JANUARY.date()).from_year_end
        figures = account_figures(db, settings, year=2025, unit_id=None,
                                  now=datetime(2026, 2, 1, tzinfo=UTC))
    total = figures.table("suppliers.total").row("total")
    # 2025 has no year-end stored: the register as it is (7); 2024 as it was stored (5).
    assert (total.current.value, total.previous.value) == (7, 5)
    by_tier = {row.key: row.previous.value for row in figures.table("suppliers.by_tier").rows}
    assert by_tier == {"1": 3, "2": 2}
    conduct = figures.table("suppliers.conduct")
    # With the stored year the previous year's coverage is there (it was withheld before).
    assert conduct.previous_available
    assert {row.key: row.previous.value for row in conduct.rows} == {
        "signed_ours": 1, "own_compared": 0, "none": 0, "unrecorded": 4}
    assert {row.key: row.current.value for row in conduct.rows}["signed_ours"] == 0
