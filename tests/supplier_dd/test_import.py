"""Import and export of the register: all or nothing with a per-row report, updates by
organisation number, round trips, neutralised formulas and hostile files."""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import select

from config import Settings
from portal.audit import CONSOLE
from portal.extensions import server_keys_of
from portal.models import AuditEvent
from supplier_dd.imports import ImportRejected, export_suppliers, import_suppliers, read_table
from supplier_dd.models import Supplier, SupplierCertification
from supplier_dd.register import SupplierInput, save_supplier
from supplier_dd.states import SupplierAction
from tests.factories import make_unit
from tests.supplier_dd.support import db_of, supplier_count

HEADER = ["org_number", "name", "country", "tier", "product_groups", "wholesaler",
          "fronts_org_number", "buyers", "spend_band", "certifications"]
GOOD = [
    ["NO-1", "Nordic Uniforms", "NO", "1", "textiles", "yes", "BD-7", "ACME",
     "over_10m", "SA8000:2027-06-30"],
    ["BD-7", "Dhaka Garments", "Bangladesh", "2", "textiles", "no", "", "", "1m_10m", ""],
]
BAD = [
    ["CN-3", "Board Works", "Atlantis", "4", "unicorns", "perhaps", "", "NOPE", "", "ISO 1:x"],
    ["NO-1", "Twice", "NO", "1", "", "", "", "", "", ""],
]


def _csv(rows: list[list[str]], delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _import(app: Flask, settings: Settings, filename: str, data: bytes) -> tuple[int, int]:
    with db_of(app) as db:
        result = import_suppliers(db, settings, server_keys_of(app), CONSOLE, filename, data)
    return result.created, result.updated


def _rejected(app: Flask, settings: Settings, filename: str, data: bytes) -> set[tuple]:  # type: ignore[type-arg]
    with pytest.raises(ImportRejected) as caught, db_of(app) as db:
        import_suppliers(db, settings, server_keys_of(app), CONSOLE, filename, data)
    return {(problem.row, problem.column, problem.english()) for problem in caught.value.problems}


EXPECTED_BAD = {
    (4, "country", "Not a country: Atlantis. Use the ISO 3166 code, e.g. NO or CN."),
    (4, "tier", "The tier must be 1, 2 or 3."),
    (4, "product_groups", "Unknown product group: unicorns."),
    (4, "wholesaler", "Not yes or no: perhaps."),
    (4, "buyers", "Unknown company: NOPE."),
    (4, "certifications", "Not a certificate with its expiry date: ISO 1:x. Write e.g. "
                          "SA8000:2027-06-30."),
    (5, "org_number", "The organisation number NO-1 is also in row 2."),
}


def test_a_csv_with_bad_rows_imports_nothing_and_names_each_problem(
        admin_app: Flask, settings: Settings) -> None:
    make_unit(admin_app, "ACME", "Acme AS")
    assert _rejected(admin_app, settings, "list.csv", _csv([HEADER, *GOOD, *BAD])) == EXPECTED_BAD
    assert supplier_count(admin_app) == 0


def test_an_xlsx_with_bad_rows_imports_nothing_and_names_each_problem(
        admin_app: Flask, settings: Settings) -> None:
    make_unit(admin_app, "ACME", "Acme AS")
    rows: list[list[object]] = [HEADER, *GOOD, *BAD]
    assert _rejected(admin_app, settings, "list.xlsx", _xlsx(rows)) == EXPECTED_BAD
    assert supplier_count(admin_app) == 0


def test_a_clean_file_imports_everything_and_a_reimport_updates_by_org_number(
        admin_app: Flask, settings: Settings) -> None:
    make_unit(admin_app, "ACME", "Acme AS")
    assert _import(admin_app, settings, "list.csv", _csv([HEADER, *GOOD], ";")) == (2, 0)
    with db_of(admin_app) as db:
        uniforms = db.scalars(select(Supplier).where(Supplier.org_number == "NO-1")).one()
        garments = db.scalars(select(Supplier).where(Supplier.org_number == "BD-7")).one()
        assert (garments.country, garments.tier) == ("BD", 2)
        assert uniforms.is_wholesaler and uniforms.fronts_id == garments.id
        original_id = uniforms.id
    # Excel-style XLSX with numbers and dates as cells; the name and tier change, a column
    # left out (product groups, certificates) stays as it was.
    update: list[list[object]] = [["org_number", "name", "country", "tier", "contract_start"],
                                  ["NO-1", "Nordic Uniforms AS", "NO", 1.0, date(2026, 1, 1)],
                                  ["SE-9", "Svensk Stål", "SWE", 3, None]]
    assert _import(admin_app, settings, "update.xlsx", _xlsx(update)) == (1, 1)
    with db_of(admin_app) as db:
        uniforms = db.scalars(select(Supplier).where(Supplier.org_number == "NO-1")).one()
        assert uniforms.id == original_id
        assert uniforms.name == "Nordic Uniforms AS"
        assert uniforms.contract_start == date(2026, 1, 1)
        assert uniforms.fronts_id is not None and uniforms.spend_band == "over_10m"
        assert db.scalars(select(SupplierCertification.scheme).where(
            SupplierCertification.supplier_id == original_id)).all() == ["SA8000"]
        assert len(db.scalars(select(Supplier)).all()) == 3
        events = db.scalars(select(AuditEvent.target_id).where(
            AuditEvent.action == SupplierAction.SUPPLIERS_IMPORTED.value)).all()
    assert sorted(events) == ["created=1;updated=1", "created=2;updated=0"]


def test_export_and_import_round_trip(admin_app: Flask, settings: Settings) -> None:
    make_unit(admin_app, "ACME", "Acme AS")
    _import(admin_app, settings, "list.csv", _csv([HEADER, *GOOD]))
    keys = server_keys_of(admin_app)
    for name in ("suppliers.csv", "suppliers.xlsx"):
        with db_of(admin_app) as db:
            first = export_suppliers(db, keys, CONSOLE, name)
        assert _import(admin_app, settings, name, first) == (0, 2)
        with db_of(admin_app) as db:
            again = export_suppliers(db, keys, CONSOLE, name)
        # An XLSX carries its creation time: compare what the cells say.
        assert read_table(name, again, settings) == read_table(name, first, settings)
        assert len(read_table(name, first, settings)) == 3
    with db_of(admin_app) as db:
        csv_text = export_suppliers(db, keys, CONSOLE, "x.csv").decode("utf-8-sig")
    assert "NO-1,Nordic Uniforms,NO,1,,textiles,yes,BD-7,ACME,over_10m,no,,,,,SA8000:2027-06-30" \
        in csv_text


HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)"]


def test_formulas_are_neutralised_on_export_and_restored_on_import(
        admin_app: Flask, settings: Settings) -> None:
    keys = server_keys_of(admin_app)
    with db_of(admin_app) as db:
        for number, name in enumerate(HOSTILE):
            save_supplier(db, settings, keys, CONSOLE,
                          SupplierInput(name=name, country="NO", tier=1,
                                        org_number=f"EVIL-{number}"))
        csv_bytes = export_suppliers(db, keys, CONSOLE, "out.csv")
        xlsx_bytes = export_suppliers(db, keys, CONSOLE, "out.xlsx")
    names = [row[1] for row in csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig")))][1:]
    assert sorted(names) == sorted("'" + name for name in HOSTILE)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes)).worksheets[0]
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" and str(cell.value).startswith("'") for cell in cells)
    # Reading the file back gives the names exactly as they were.
    assert _import(admin_app, settings, "out.xlsx", xlsx_bytes) == (0, len(HOSTILE))
    with db_of(admin_app) as db:
        assert sorted(db.scalars(select(Supplier.name))) == sorted(HOSTILE)


def test_hostile_files_are_refused_before_reading(admin_app: Flask, settings: Settings) -> None:
    small = dataclasses.replace(settings, supplier_import_max_bytes=2000,
                                supplier_import_max_rows=3)
    too_big = _csv([HEADER] + [GOOD[1]] * 100)
    assert _rejected(admin_app, small, "big.csv", too_big) == {
        (0, "", "The file is larger than 2000 bytes.")}
    many = _csv([HEADER] + [[f"X-{n}", "A", "NO", "1"] + [""] * 6 for n in range(5)])
    assert _rejected(admin_app, small, "many.csv", many) == {
        (0, "", "The file has more than 3 rows.")}
    # A zip whose member unpacks to 50 MB from a few kilobytes: refused unopened.
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 50_000_000)
    assert _rejected(admin_app, settings, "bomb.xlsx", bomb.getvalue()) == {
        (0, "", "The file unpacks to far more than its size; it was not read.")}
    assert _rejected(admin_app, settings, "fake.xlsx", b"not a zip at all") == {
        (0, "", "The file is not a readable CSV or XLSX file.")}
    assert _rejected(admin_app, settings, "list.ods", b"x") == {
        (0, "", "Only .csv and .xlsx files can be imported.")}
    assert _rejected(admin_app, settings, "cols.csv", _csv([["name", "colour"], ["A", "b"]])) == {
        (1, "colour", "Unknown column: colour."),
        (1, "org_number", "Missing column: org_number."),
        (1, "country", "Missing column: country."),
        (1, "tier", "Missing column: tier.")}
    assert supplier_count(admin_app) == 0


def test_the_import_and_export_commands(admin_app: Flask, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    make_unit(admin_app, "ACME", "Acme AS")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([HEADER, *GOOD, *BAD]))
    result = runner.invoke(args=["suppliers", "import", str(bad)])
    assert result.exit_code != 0
    assert "row 4, column tier: The tier must be 1, 2 or 3." in result.output
    assert supplier_count(admin_app) == 0
    good = tmp_path / "good.xlsx"
    good.write_bytes(_xlsx([HEADER, *GOOD]))
    result = runner.invoke(args=["suppliers", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 added, 0 updated" in result.output
    out = tmp_path / "out.csv"
    assert runner.invoke(args=["suppliers", "export", str(out)]).exit_code == 0
    assert out.read_bytes().decode("utf-8-sig").splitlines()[0].startswith("org_number,name")


def _with_entity(xlsx: bytes) -> bytes:
    """The same workbook with an XML entity in its sheet: the start of a "billion laughs"."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                content = (b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY n "Entity AS">]>'
                           + content.replace(b"PLACEHOLDER", b"&n;"))
            target.writestr(name, content)
    return out.getvalue()


def test_xml_entities_in_an_xlsx_are_refused(admin_app: Flask, settings: Settings) -> None:
    plain = _xlsx([["org_number", "name", "country", "tier"], ["NO-1", "PLACEHOLDER", "NO", 1]])
    assert _rejected(admin_app, settings, "entity.xlsx", _with_entity(plain)) == {
        (0, "", "The file is not a readable CSV or XLSX file.")}
    assert supplier_count(admin_app) == 0


def test_the_report_stops_after_many_problems(admin_app: Flask, settings: Settings) -> None:
    rows = [["org_number", "name", "country", "tier"]] + [
        [f"X-{number}", "A", "Atlantis", "9"] for number in range(300)]
    problems = _rejected(admin_app, settings, "bad.csv", _csv(rows))
    # Two problems a row; the check stops at the row after the 200th.
    assert len(problems) == 201
    assert (102, "", "The check stopped here, after 200 problems.") in problems
    assert supplier_count(admin_app) == 0


def test_no_xlsx_is_read_without_defusedxml(admin_app: Flask, settings: Settings,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl.xml

    # What openpyxl decided at import time (defusedxml missing or OPENPYXL_DEFUSEDXML=False).
    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    plain = _xlsx([["org_number", "name", "country", "tier"], ["NO-1", "Good AS", "NO", 1]])
    assert _rejected(admin_app, settings, "list.xlsx", plain) == {
        (0, "", "This server cannot read XLSX files safely; import a CSV file instead.")}
