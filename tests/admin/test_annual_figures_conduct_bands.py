"""Code of Conduct coverage by spend band in the account (issue 13 §2): a cross-table
protected line by line against the published coverage (`portal.small_counts.by_line`), in
every output format, on a fixed register worked out by hand."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from flask import Flask

from admin.annual.figures import AccountFigures
from portal.db import session_factory, transaction
from portal.small_counts import Cell, CellStatus, by_line
from supplier_dd.models import Supplier
from supplier_dd.models.conduct import CodeOfConductReview, ConductStatus
from tests.admin.case_support import World
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.test_annual_figures import figures
from tests.admin.test_annual_outputs import _render, _validator

S, SMALL, COMP, WITHHELD = (CellStatus.SHOWN, CellStatus.SMALL, CellStatus.COMPLEMENTARY,
                            CellStatus.WITHHELD)

# (band, coverage, how many suppliers). Coverage in all: signed 5, compared 6, none 4,
# unrecorded 5 (20 suppliers).
REGISTER = (
    ("over_10m", ConductStatus.SIGNED_OURS, 4), ("1m_10m", ConductStatus.SIGNED_OURS, 1),
    ("over_10m", ConductStatus.OWN_COMPARED, 3), ("1m_10m", ConductStatus.OWN_COMPARED, 3),
    ("under_100k", ConductStatus.NONE, 2), (None, ConductStatus.NONE, 2),
    ("under_100k", None, 5),
)


def fill_register(app: Flask) -> None:
    created = datetime(2025, 2, 1, tzinfo=UTC)
    with app.app_context(), transaction(session_factory(app)) as db:
        number = 0
        for band, status, count in REGISTER:
            for _ in range(count):
                number += 1
                supplier = Supplier(name=f"Supplier {number}", country="NO", tier=1,
                                    spend_band=band, created_at=created)
                db.add(supplier)
                db.flush()
                if status is not None:
                    db.add(CodeOfConductReview(supplier_id=supplier.id, status=status))


def _statuses(result: AccountFigures, key: str) -> dict[str, tuple[CellStatus, int | None]]:
    table = result.table(key)
    return {row.key: (row.current.status, row.current.value) for row in table.rows}


def test_by_band_exact_with_k_one(world: World, portal_app: Flask) -> None:
    fill_register(portal_app)
    result = figures(portal_app, k=1, unit_id=world.unit_id)
    table = result.table("suppliers.conduct_by_spend_band")
    assert table.kind == "breakdown" and table.scope == "group"
    assert table.total_of == "suppliers.conduct" and not table.previous_available
    assert {row.previous.status for row in table.rows} == {WITHHELD}
    # Bands in their configured order (only those with suppliers), then no band; each band
    # with every coverage.
    assert [row.key for row in table.rows] == [
        f"{band}:{coverage}" for band in ("under_100k", "1m_10m", "over_10m", "no_band")
        for coverage in ("signed_ours", "own_compared", "none", "unrecorded")]
    values = {row.key: row.current.value for row in table.rows}
    assert {key: value for key, value in values.items() if value} == {
        "under_100k:none": 2, "under_100k:unrecorded": 5, "1m_10m:signed_ours": 1,
        "1m_10m:own_compared": 3, "over_10m:signed_ours": 4, "over_10m:own_compared": 3,
        "no_band:none": 2}


def test_by_band_suppressed_line_by_line(world: World, portal_app: Flask) -> None:
    """k = 3, by hand (the year's joint decision, portal.small_counts.protect). Coverage
    (5, 6, 4, 5) is all shown. Signed (5): 1m_10m 1 is small, over_10m 4 goes with it
    (otherwise 5 - 4 = 1): 1 in [1, 2], 4 in [3, 5], two values each. Compared (6): 3 + 3,
    shown. None (4): under_100k 2 and no_band 2, both small; with the line's 4 both would be
    2, and no other non-zero cell is left, so a zero of the line is hidden with them
    (1m_10m, the first by name; "–" is 0 or more): 2 + 2 + 0, 1 + 2 + 1, 2 + 1 + 1 and
    1 + 1 + 2 all fit, two values each. Unrecorded (5): shown."""
    fill_register(portal_app)
    result = figures(portal_app, k=3, unit_id=None)
    assert {row.key: row.current.value for row in result.table("suppliers.conduct").rows} == {
        "signed_ours": 5, "own_compared": 6, "none": 4, "unrecorded": 5}
    cells = _statuses(result, "suppliers.conduct_by_spend_band")
    assert cells["1m_10m:signed_ours"] == (SMALL, None)
    assert cells["over_10m:signed_ours"] == (COMP, None)
    assert cells["under_100k:signed_ours"] == cells["no_band:signed_ours"] == (S, 0)
    assert cells["1m_10m:own_compared"] == cells["over_10m:own_compared"] == (S, 3)
    assert cells["under_100k:none"] == cells["no_band:none"] == (SMALL, None)
    assert cells["1m_10m:none"] == (WITHHELD, None)
    assert cells["over_10m:none"] == (S, 0)
    assert cells["under_100k:unrecorded"] == (S, 5)


def test_by_band_line_of_a_hidden_coverage_is_withheld(world: World, portal_app: Flask) -> None:
    """k = 5: coverage none 4 is small and signed 5 goes with it. The none line, the
    breakdown of a small count, is withheld whole. The signed line's cells (1 and 4) are
    small: with their sum hidden (5 or more) each is anything from 1 to 4 that the other
    fills up, so they stay "< 5" rather than withheld. Compared (6) is 3 + 3, both small,
    each in [2, 4] with the sum 6: kept hidden."""
    fill_register(portal_app)
    result = figures(portal_app, k=5, unit_id=None)
    coverage = _statuses(result, "suppliers.conduct")
    assert coverage["none"] == (SMALL, None) and coverage["signed_ours"] == (COMP, None)
    cells = _statuses(result, "suppliers.conduct_by_spend_band")
    for key, (status, value) in cells.items():
        if key.endswith(":none"):
            assert (status, value) == (WITHHELD, None), key
    assert cells["1m_10m:signed_ours"] == cells["over_10m:signed_ours"] == (SMALL, None)
    assert cells["1m_10m:own_compared"] == cells["over_10m:own_compared"] == (SMALL, None)
    assert cells["under_100k:unrecorded"] == (S, 5)


def test_by_line_rule() -> None:
    counts = {"a:x": 1, "b:x": 4, "a:y": 3, "b:y": 0}
    line_of = {name: name[-1] for name in counts}
    shown = {"x": Cell(5, S), "y": Cell(3, S)}
    assert by_line(counts, line_of, shown, 3) == {
        "a:x": Cell(None, SMALL), "b:x": Cell(None, COMP), "a:y": Cell(3, S), "b:y": Cell(0, S)}
    # A hidden margin, or one that does not match its line, withholds the line whole.
    hidden = {"x": Cell(None, COMP), "y": Cell(4, S)}
    assert {cell.status for cell in by_line(counts, line_of, hidden, 3).values()} == {WITHHELD}


def test_by_band_in_every_format(world: World, admin_app: Flask) -> None:
    fill_register(admin_app)
    data = json.loads(_render(admin_app, "json", "en", unit_id=world.unit_id))
    _validator().validate(data)
    table = next(item for item in data["tables"]
                 if item["key"] == "suppliers.conduct_by_spend_band")
    rows = {row["key"]: row for row in table["rows"]}
    assert rows["over_10m:signed_ours"]["label"] == (
        "Over 10 million a year: Signed our Code of Conduct")
    assert rows["no_band:none"]["label"] == "No annual spend recorded: No code of conduct"
    assert rows["1m_10m:signed_ours"]["current"] == {"value": None, "status": "small",
                                                     "display": "< 3"}
    lines = [row for row in csv.DictReader(io.StringIO(_render(admin_app, "csv", "nb")))
             if row["table"] == "suppliers.conduct_by_spend_band"]
    assert len(lines) == 16
    for line in lines:
        _validator("csv_row").validate(line)
    by_key = {line["row"]: line for line in lines}
    assert by_key["over_10m:signed_ours"]["current"] == ""
    assert by_key["over_10m:signed_ours"]["current_status"] == "complementary"
    assert by_key["under_100k:unrecorded"]["current"] == "5"
    esrs = [row for row in csv.DictReader(io.StringIO(_render(admin_app, "esrs", "en")))
            if row["figure"] == "suppliers.conduct_by_spend_band"]
    assert {row["datapoint"] for row in esrs} == {"S2-1"} and len(esrs) == 16
    assert {row["row"]: row["value"] for row in esrs}["1m_10m:signed_ours"] == ""
    html = _render(admin_app, "html", "en")
    assert "Supplier Code of Conduct coverage, by annual spend" in html
    for svg in html.split("<svg")[1:]:
        ET.fromstring("<svg" + svg.split("</svg>")[0] + "</svg>")  # noqa: S314 (our own output)
