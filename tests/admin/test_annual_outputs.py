"""The account's outputs (admin/annual/outputs.py, `aktsom annual-report`): JSON and CSV valid
against the published schema, SVG charts well-formed XML, Norwegian and English labels, the
ESRS export, and figures unchanged by the retention purge."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from admin.annual.figures import account_figures
from admin.annual.outputs import render
from portal.db import session_factory, transaction, utcnow
from portal.extensions import settings_of
from portal.models import Case, OrgUnit
from tests.admin.case_support import World, new_case
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.test_annual_figures import NOW, fill

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "annual-account.schema.json")
                    .read_text(encoding="utf-8"))


def _validator(definition: str | None = None) -> jsonschema.Draft202012Validator:
    schema = SCHEMA if definition is None else {**SCHEMA, "$ref": f"#/$defs/{definition}"}
    if definition is not None:
        schema = {key: value for key, value in schema.items()
                  if key in ("$schema", "$defs", "$ref")}
    return jsonschema.Draft202012Validator(schema,
                                           format_checker=jsonschema.FormatChecker())


def _render(app: Flask, kind: str, language: str, *, k: int = 3,
            unit_id: str | None = None) -> str:
    settings = dataclasses.replace(settings_of(app), annual_small_count=k)
    with app.app_context(), app.test_request_context(), \
            transaction(session_factory(app)) as db:
        figures = account_figures(db, settings, year=2025, unit_id=unit_id, now=NOW)
        return render(kind, figures, settings, language, db)


@pytest.mark.parametrize("language", ["nb", "en"])
def test_json_validates_against_the_schema(world: World, admin_app: Flask,
                                           language: str) -> None:
    fill(admin_app, world)
    for unit_id in (None, world.unit_id):
        data = json.loads(_render(admin_app, "json", language, unit_id=unit_id))
        _validator().validate(data)
        assert data["language"] == language and data["small_count_k"] == 3
        category = next(t for t in data["tables"] if t["key"] == "reports.by_category")
        fraud = next(r for r in category["rows"] if r["key"] == "fraud")
        if unit_id is not None:
            assert fraud["current"] == {"value": None, "status": "small", "display": "< 3"}
    # A broken document is refused: the schema is not a formality.
    data["tables"][0]["rows"][0]["current"] = {"value": 1, "status": "small", "display": "< 3"}
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate(data)


def test_csv_and_esrs_rows_validate(world: World, admin_app: Flask) -> None:
    fill(admin_app, world)
    rows = list(csv.DictReader(io.StringIO(_render(admin_app, "csv", "en",
                                                   unit_id=world.unit_id))))
    validator = _validator("csv_row")
    for row in rows:
        validator.validate(row)
    by_key = {(row["table"], row["row"]): row for row in rows}
    assert by_key[("reports.received", "total")]["current"] == "14"
    assert by_key[("reports.received", "total")]["change"] == "6"
    fraud = by_key[("reports.by_category", "fraud")]
    assert (fraud["current"], fraud["current_status"], fraud["current_display"]) == (
        "", "small", "< 3")
    corruption = by_key[("reports.by_category", "corruption")]
    assert (corruption["current"], corruption["current_status"]) == ("", "complementary")
    assert corruption["change"] == ""
    esrs = list(csv.DictReader(io.StringIO(_render(admin_app, "esrs", "en"))))
    validator = _validator("esrs_row")
    for row in esrs:
        validator.validate(row)
    assert {row["datapoint"] for row in esrs} == {"S2-1", "S2-3", "S2-4", "G1-1", "G1-2",
                                                  "G1-4"}
    g14 = [row for row in esrs if row["datapoint"] == "G1-4"]
    # Group: corruption 4 (company A) of 19; fraud 1 is small and 4 goes with it.
    assert [(row["row"], row["status"]) for row in g14] == [("corruption", "complementary")]
    received = next(row for row in esrs if row["datapoint"] == "G1-1"
                    and row["figure"] == "reports.received")
    assert (received["value"], received["previous_value"]) == ("19", "8")


def test_html_has_print_styles_valid_svg_and_both_languages(world: World,
                                                            admin_app: Flask) -> None:
    fill(admin_app, world)
    pages = {language: _render(admin_app, "html", language, unit_id=world.unit_id)
             for language in ("nb", "en")}
    for page in pages.values():
        assert "@media print" in page
        assert "<script" not in page.lower()
        svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)
        assert len(svgs) >= 5
        for svg in svgs:
            root = ET.fromstring(svg)  # noqa: S314 (our own output, parsed to check it)
            assert root.tag == "{http://www.w3.org/2000/svg}svg"
            assert root.find("{http://www.w3.org/2000/svg}title") is not None
    # A hidden cell draws no bar, only its mark: company A's categories this year are
    # corruption (hidden, "–"), forced labour 9 (a bar), fraud ("< 3"); last year forced labour
    # is hidden, corruption "< 3", fraud 0: one bar in all.
    ns = {"svg": "http://www.w3.org/2000/svg"}
    charts = [ET.fromstring(svg)  # noqa: S314 (our own output)
              for svg in re.findall(r"<svg\b.*?</svg>", pages["en"],
                                                         flags=re.DOTALL)]
    category = next(chart for chart in charts
                    if chart.findtext("svg:title", namespaces=ns) == "Reports by category")
    bars = category.findall("svg:g/svg:rect", ns)
    assert len(bars) == 2 + 1  # the two legend keys and one bar
    marks = [text.text for text in category.findall("svg:g/svg:text", ns)]
    assert marks.count("< 3") == 2 and marks.count("–") == 2 and "9" in marks
    assert '<html lang="en">' in pages["en"] and '<html lang="nb">' in pages["nb"]
    assert "Reports received" in pages["en"]
    assert "Mottatte varsler" in pages["nb"] and "Reports received" not in pages["nb"]


def test_cli_writes_each_format(world: World, admin_app: Flask, runner: FlaskCliRunner,
                                tmp_path: Path) -> None:
    fill(admin_app, world)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        unit = db.get(OrgUnit, world.unit_id)
        assert unit is not None
        code = unit.code
    for kind in ("html", "csv", "json", "esrs"):
        out = tmp_path / f"figures.{kind}"
        result = runner.invoke(args=["annual-report", "--year", "2025", "--unit", code,
                                     "--format", kind, "--language", "en",
                                     "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 500
    data = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    assert data["unit"]["code"] == code and data["year"] == 2025
    result = runner.invoke(args=["annual-report", "--year", "2025", "--unit", "NOPE",
                                 "--format", "json", "--out", str(tmp_path / "x.json")])
    assert result.exit_code != 0 and not (tmp_path / "x.json").exists()


def _figures_dict(app: Flask, year: int) -> dict[str, Any]:
    settings = dataclasses.replace(settings_of(app), annual_small_count=1)
    with app.app_context(), transaction(session_factory(app)) as db:
        data = account_figures(db, settings, year=year, unit_id=None, now=utcnow()).to_dict()
    data.pop("generated_at")
    data.pop("medians")  # taken over the cases whose dates are still held (documented)
    return data


def test_figures_unchanged_after_the_purge(world: World, admin_app: Flask,
                                           runner: FlaskCliRunner) -> None:
    now = utcnow()
    long_ago = now - timedelta(days=900)
    ids = [new_case(admin_app, world.unit_id, now=long_ago + timedelta(days=n))[0]
           for n in range(4)]
    ids.append(new_case(admin_app, world.other_unit_id, now=long_ago, category="corruption",
                        human_rights=False)[0])
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        for index, case_id in enumerate(ids):
            case = db.get(Case, case_id)
            assert case is not None
            case.status, case.closed_at = "closed", now - timedelta(days=800)
            case.outcome = "substantiated" if index < 2 else "unfounded"
            case.human_rights_breach = index < 2
            if index < 3:
                case.acknowledged_at = case.created_at + timedelta(days=index + 1)
    before = _figures_dict(admin_app, long_ago.year)
    assert before["tables"][0]["rows"][0]["current"]["value"] == 5
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert db.get(Case, ids[0]) is None  # really purged
    assert _figures_dict(admin_app, long_ago.year) == before


@pytest.mark.parametrize("language", ["nb", "en"])
def test_pdf_has_a_cover_and_a_page_per_section(world: World, admin_app: Flask,
                                                runner: FlaskCliRunner, tmp_path: Path,
                                                language: str) -> None:
    pikepdf = pytest.importorskip("pikepdf")
    fill(admin_app, world)
    out = tmp_path / "figures.pdf"
    result = runner.invoke(args=["annual-report", "--year", "2025", "--format", "pdf",
                                 "--language", language, "--out", str(out)])
    assert result.exit_code == 0, result.output
    with pikepdf.open(out) as pdf:
        pages = [page.objgen for page in pdf.pages]
        assert len(pages) >= 5
        with pdf.open_outline() as outline:
            sections = [(item.title, pages.index(item.destination[0].objgen))
                        for item in outline.root]
        assert str(pdf.Root.Lang) == language
    titles = {"en": ["Whistleblowing reports", "Information requests (Transparency Act §6)",
                     "Suppliers and risk assessment",
                     "Measures: action plans, contract reviews, meetings"],
              "nb": ["Varsler", "Informasjonskrav (åpenhetsloven § 6)",
                     "Leverandører og risikovurdering",
                     "Tiltak: handlingsplaner, kontraktsgjennomganger, møter"]}[language]
    assert [title for title, _page in sections] == titles
    # The cover is page 1; each section starts a page of its own, in order.
    first_pages = [page for _title, page in sections]
    assert first_pages[0] == 1 and first_pages == sorted(set(first_pages))
