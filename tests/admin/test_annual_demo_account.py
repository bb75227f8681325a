"""Issue 13's "Done when", end to end from `aktsom demo`: compliance produces, approves, has
signed and publishes last year's group account, and every figure is right by hand count, in
every format (HTML, CSV, JSON, ESRS, PDF, the published snapshot), in Norwegian and English.

The hand count, from admin/annual/demo.py (`_REPORTS`, last year; the year before has the
first five): last year 9 reports, Demo Nordic 6 and Demo Baltic 3; by category forced labour 2,
working conditions 3, corruption 1, unfair wages 1, harassment 1, fraud 1; acknowledged within
7 days 7 (the 9-day one and the unacknowledged fraud report are late); feedback in time 6 (120
days, and the two without feedback, are late); all anonymous, none with an outcome. The year
before: 5 reports, Nordic 4 and Baltic 1; forced labour 1, working conditions 2, corruption 1,
unfair wages 1; all 5 acknowledged in time; feedback in time 4, late 1. The supplier register:
two thirds of the demo suppliers came in the year before last, the rest last year."""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_babel import force_locale
from sqlalchemy import func, select

from admin.annual import accounts as service
from admin.annual.figures import AccountFigures, account_figures
from admin.annual.outputs import labelled, render
from admin.annual.pdf import render_pdf
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.models import OrgUnit, User
from portal.models.transparency import GROUP_SCOPE
from supplier_dd.models import Supplier
from tests.factories import make_recovery_key

NOW = datetime.now(UTC)
YEAR = NOW.year - 1

# (table, row) -> (last year, the year before), by hand (see above).
HAND: dict[tuple[str, str], tuple[int, int]] = {
    ("reports.received", "total"): (9, 5),
    ("reports.by_company", "DEMO-NO"): (6, 4),
    ("reports.by_company", "DEMO-LT"): (3, 1),
    ("reports.by_category", "forced_labour"): (2, 1),
    ("reports.by_category", "working_conditions"): (3, 2),
    ("reports.by_category", "corruption"): (1, 1),
    ("reports.by_category", "unfair_wages"): (1, 1),
    ("reports.by_category", "harassment"): (1, 0),
    ("reports.by_category", "fraud"): (1, 0),
    ("reports.acknowledgement", "on_time"): (7, 5),
    ("reports.acknowledgement", "late"): (2, 0),
    ("reports.acknowledgement", "closed_without"): (0, 0),
    ("reports.acknowledgement", "pending"): (0, 0),
    ("reports.feedback", "on_time"): (6, 4),
    ("reports.feedback", "late"): (3, 1),
    ("reports.reporter", "anonymous"): (9, 5),
    ("reports.reporter", "named"): (0, 0),
    ("reports.outcomes", "none"): (9, 5),
    ("reports.outcomes", "substantiated"): (0, 0),
}


@pytest.fixture
def demo(admin_app: Flask, runner: FlaskCliRunner) -> dict[str, int]:
    make_recovery_key(admin_app)
    result = runner.invoke(args=["demo", "--password", "demo password 123"])
    assert result.exit_code == 0, result.output
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        suppliers = db.scalar(select(func.count()).select_from(Supplier)) or 0
    return {"suppliers": suppliers, "early": suppliers * 2 // 3}


def _figures(app: Flask, k: int) -> AccountFigures:
    settings = dataclasses.replace(settings_of(app), annual_small_count=k)
    with app.app_context(), transaction(session_factory(app)) as db:
        return account_figures(db, settings, year=YEAR, unit_id=None, now=NOW)


def _expected(figures: AccountFigures, demo: dict[str, int]
              ) -> dict[tuple[str, str], tuple[int, int]]:
    """The hand counts, with the supplier register's totals."""
    hand = dict(HAND)
    hand[("suppliers.total", "total")] = (demo["suppliers"], demo["early"])
    assert {key for key, _row in hand} <= {table.key for table in figures.tables}
    return hand


def _check_cell(value: str, status: str, expected: int, where: Any) -> None:
    if status == "shown":
        assert value not in ("", None) and int(value) == expected, where
    else:
        assert value in ("", None), where


def test_every_figure_right_by_hand_count_in_every_format_and_language(
        admin_app: Flask, demo: dict[str, int], tmp_path: Path) -> None:
    # Unprotected (k = 1), every cell is the hand count.
    exact = _figures(admin_app, k=1)
    for (table, row), (current, previous) in _expected(exact, demo).items():
        cells = exact.table(table).row(row)
        assert (cells.current.value, cells.previous.value) == (current, previous), (table, row)
    # Protected (k = 3), every format shows the hand count or hides it, in both languages.
    figures = _figures(admin_app, k=3)
    for language in ("nb", "en"):
        _check_formats(admin_app, figures, demo, language, tmp_path)


def _check_formats(admin_app: Flask, figures: AccountFigures, demo: dict[str, int],
                   language: str, tmp_path: Path) -> None:
    hand = _expected(figures, demo)
    settings = settings_of(admin_app)
    with admin_app.app_context(), admin_app.test_request_context(), \
            transaction(session_factory(admin_app)) as db:
        outputs = {kind: render(kind, figures, settings, language, db)
                   for kind in ("json", "csv", "esrs", "html")}
        pdf = render_pdf(figures, settings, language, db)
        companies = {code: name for code, name in db.execute(
            select(OrgUnit.code, OrgUnit.name))}
        with force_locale(language):
            labels = {(item.table.key, row.key): row.label
                      for item in labelled(figures, settings, companies) for row in item.rows}
    shown = 0
    # JSON: the value is the hand count when shown, absent when hidden.
    data = json.loads(outputs["json"])
    assert data["language"] == language
    rows = {(table["key"], row["key"]): row for table in data["tables"] for row in table["rows"]}
    for key, (current, previous) in hand.items():
        row = rows[key]
        _check_cell(row["current"]["value"], row["current"]["status"], current, key)
        _check_cell(row["previous"]["value"], row["previous"]["status"], previous, key)
        shown += row["current"]["status"] == "shown"
    assert shown >= 8  # most of the account is published
    # CSV and the ESRS export: the same cells.
    for row in csv.DictReader(io.StringIO(outputs["csv"])):
        key = (row["table"], row["row"])
        if key in hand:
            _check_cell(row["current"], row["current_status"], hand[key][0], key)
            _check_cell(row["previous"], row["previous_status"], hand[key][1], key)
    esrs = [row for row in csv.DictReader(io.StringIO(outputs["esrs"]))
            if (row["figure"], row["row"]) in hand]
    assert esrs
    for row in esrs:
        key = (row["figure"], row["row"])
        _check_cell(row["value"], row["status"], hand[key][0], key)
    # HTML: each row reads label, this year, the year before, as the cells say.
    page = outputs["html"]
    assert f'<html lang="{language}">' in page
    for key in hand:
        cells = figures.table(key[0]).row(key[1])
        line = (f'<tr><th scope="row">{html.escape(labels[key])}</th>'
                f'<td class="number">{html.escape(cells.current.display(3))}</td>'
                f'<td class="number">{html.escape(cells.previous.display(3))}</td>')
        assert line in page, key
    # PDF: the same figure rows in the text of the pages.
    pdftotext = shutil.which("pdftotext")
    if pdftotext is not None:
        path = tmp_path / f"account-{language}.pdf"
        path.write_bytes(pdf)
        text = subprocess.run([pdftotext, "-layout", str(path), "-"], check=True,
                              capture_output=True, text=True, timeout=120).stdout
        received = figures.table("reports.received").row("total")
        label = labels[("reports.received", "total")]
        # The table's heading reads the same as its one row: the row is the line with figures.
        rows = [line.strip()[len(label):].split()[:2] for line in text.splitlines()
                if line.strip().startswith(label) and line.strip() != label]
        assert [received.current.display(3), received.previous.display(3)] in rows, rows


def test_the_published_account_carries_the_same_figures(admin_app: Flask,
                                                        demo: dict[str, int]) -> None:
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        keys, settings = server_keys_of(admin_app), settings_of(admin_app)
        olav = db.scalars(select(User).where(User.email == "olav@demo.example")).one()
        account = service.account_for(db, YEAR, GROUP_SCOPE)
        assert account is not None
        figures = account_figures(db, settings, year=YEAR, unit_id=None, now=NOW)
        service.approve(db, keys, settings, olav, account, figures=figures.to_dict(), now=NOW)
        for unit in service.covered_units(db):
            service.record_signature(db, keys, olav, account, unit_id=unit.id,
                                     name="Demo Chair", role="Chair of the board",
                                     signed_on=NOW.date())
        content = json.loads(service.publish(db, keys, olav, account, now=NOW).snapshot)
    hand = _expected(figures, demo)
    rows = {(table["key"], row["key"]): row for table in content["figures"]["tables"]
            for row in table["rows"]}
    for key, (current, previous) in hand.items():
        _check_cell(rows[key]["current"]["value"], rows[key]["current"]["status"], current,
                    key)
        _check_cell(rows[key]["previous"]["value"], rows[key]["previous"]["status"],
                    previous, key)
    # Labels in both languages for every figure.
    for language in ("nb", "en"):
        assert all(f"{table}:{row}" in content["labels"][language] for table, row in hand)
    assert content["labels"]["nb"]["reports.received"] != content["labels"]["en"][
        "reports.received"]
