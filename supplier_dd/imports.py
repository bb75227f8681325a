"""Import and export of the supplier register as CSV and XLSX (issue 12 §1).

An import is all or nothing: every row is checked first, and one problem anywhere stops the
whole file with a report naming each row, column and what is wrong; only a clean file is
written, inside the caller's one transaction. A row updates the supplier with the same
organisation number, or adds one. A column the file leaves out leaves that field as it is.

Files are hostile until read: the size, the rows and the columns are limited; an XLSX (a zip)
is measured before it is opened, so a small file that unpacks to gigabytes is refused, and is
read with `read_only`/`data_only` (a formula is never evaluated, only its cached value read;
openpyxl parses the XML with defusedxml). On export, a cell that a spreadsheet would take for a
formula (starting with = + - @, a tab or a carriage return) gets a leading apostrophe (OWASP,
"CSV injection"); the import takes that apostrophe off again, so a round trip is exact.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from portal.audit import Actor, record_event
from portal.models import OrgUnit
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from supplier_dd.models import (
    Supplier,
    SupplierBuyer,
    SupplierCertification,
    SupplierProductGroup,
)
from supplier_dd.register import (
    SupplierInput,
    apply_supplier,
    check_supplier,
    country_code,
    replace_certifications,
)
from supplier_dd.states import CertificationScheme, SupplierAction

COLUMNS = (
    "org_number", "name", "country", "tier", "sector", "product_groups", "wholesaler",
    "fronts_org_number", "buyers", "spend_band", "large_by_hand", "large_reason",
    "contract_start", "contract_end", "termination_clause", "certifications",
)
REQUIRED = ("org_number", "name", "country", "tier")
# The form's field names, for problems found by the shared check.
_FIELD_COLUMNS = {"is_wholesaler": "wholesaler", "fronts_id": "fronts_org_number",
                  "buyer_unit_ids": "buyers"}
MAX_COLUMNS = 64
# An XLSX is a zip: refuse one that unpacks to more than this many times its size, or to
# more than this many bytes at all, before any XML is parsed.
MAX_UNPACK_RATIO = 100
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 500
# A report longer than this helps nobody: the check stops and says so.
MAX_PROBLEMS = 200
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
_YES = {"yes", "y", "true", "1", "x", "ja", "j"}
_NO = {"no", "n", "false", "0", "nei", ""}
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class RowProblem:
    """One problem of an imported file: its row (1 is the header), column and what is wrong."""

    row: int
    column: str
    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        return self.template % self.params if self.params else self.template

    def translated(self) -> str:
        return str(gettext(self.template, **self.params))


class ImportRejected(Refusal):
    """Nothing was imported; `problems` lists every row, column and reason."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__(N_("Nothing was imported: %(count)s problems in the file."),
                         count=len(problems))


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


# --- reading files ----------------------------------------------------------------------------

def _file_problem(template: str, **params: Any) -> ImportRejected:
    return ImportRejected([RowProblem(0, "", template, params)])


def read_table(filename: str, data: bytes, settings: Settings) -> list[list[str]]:
    """The rows of a CSV or XLSX file as text, the header first; refuses hostile files."""
    if len(data) > settings.supplier_import_max_bytes:
        raise _file_problem(N_("The file is larger than %(max)s bytes."),
                            max=settings.supplier_import_max_bytes)
    name = filename.lower()
    if name.endswith(".csv"):
        rows = _read_csv(data, settings)
    elif name.endswith(".xlsx"):
        rows = _read_xlsx(data, settings)
    else:
        raise _file_problem(N_("Only .csv and .xlsx files can be imported."))
    return [[_unneutralised(cell) for cell in row[:MAX_COLUMNS]] for row in rows]


def _read_csv(data: bytes, settings: Settings) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's "CSV" in Western Europe is Windows-1252 unless asked for UTF-8.
        text = data.decode("cp1252", errors="replace")
    # The header row decides the delimiter: Excel writes ";" where "," is the decimal sign.
    header = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header.count)
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) > settings.supplier_import_max_rows + 1:
                raise _file_problem(N_("The file has more than %(max)s rows."),
                                    max=settings.supplier_import_max_rows)
    except csv.Error:
        raise _file_problem(N_("The file is not a readable CSV or XLSX file.")) from None
    return rows


def _read_xlsx(data: bytes, settings: Settings) -> list[list[str]]:
    import openpyxl  # deferred: only an XLSX import pays for loading it
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        # defusedxml missing, or switched off with OPENPYXL_DEFUSEDXML=False: the XML parser
        # would expand entities, so no XLSX is read at all.
        raise _file_problem(N_("This server cannot read XLSX files safely; import a CSV "
                               "file instead."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            unpacked = sum(member.file_size for member in members)
    except (zipfile.BadZipFile, ValueError):
        raise _file_problem(N_("The file is not a readable CSV or XLSX file.")) from None
    if (len(members) > MAX_ZIP_MEMBERS or unpacked > MAX_UNPACKED_BYTES
            or unpacked > MAX_UNPACK_RATIO * max(len(data), 1)):
        raise _file_problem(N_("The file unpacks to far more than its size; it was not read."))
    rows: list[list[str]] = []
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                          keep_links=False)
        try:
            sheet = workbook.worksheets[0]
            for values in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                rows.append([_cell_text(value) for value in values])
                if len(rows) > settings.supplier_import_max_rows + 1:
                    raise _file_problem(N_("The file has more than %(max)s rows."),
                                        max=settings.supplier_import_max_rows)
        finally:
            workbook.close()
    except ImportRejected:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged file; none is worth more
        raise _file_problem(N_("The file is not a readable CSV or XLSX file.")) from None
    return rows


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _unneutralised(text: str) -> str:
    text = text.strip()
    if text.startswith("'") and text[1:2] in DANGEROUS_FIRST and text[1:2]:
        return text[1:]
    return text


def neutralised(text: str) -> str:
    """`text` safe to put into a spreadsheet cell: never read as a formula."""
    return "'" + text if text.startswith(DANGEROUS_FIRST) else text


# --- checking and applying rows ---------------------------------------------------------------

def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", LIST_SEPARATOR).split(LIST_SEPARATOR)
            if part.strip()]


def _code_of(text: str, items: Any) -> str:
    """A configured code given as the code or its English label (case ignored)."""
    for item in items:
        if text.lower() in (item.code.lower(), str(item.label).lower()):
            return str(item.code)
    return text


class _Row:
    """One data row, turned into a `SupplierInput` while collecting its problems."""

    def __init__(self, number: int, values: dict[str, str], problems: list[RowProblem]):
        self.number, self.values, self.problems = number, values, problems

    def problem(self, column: str, template: str, **params: Any) -> None:
        self.problems.append(RowProblem(self.number, column, template, params))

    def has(self, column: str) -> bool:
        return column in self.values

    def text(self, column: str) -> str:
        return self.values.get(column, "")

    def yes_no(self, column: str) -> bool | None:
        text = self.text(column).lower()
        if text in _YES:
            return True
        if text in _NO:
            return False if text else None
        self.problem(column, N_("Not yes or no: %(value)s."), value=self.text(column))
        return None

    def day(self, column: str) -> date | None:
        text = self.text(column)
        if not text:
            return None
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            self.problem(column, N_("Not a date: %(value)s. Use YYYY-MM-DD."), value=text)
            return None


def _input_of(existing: Supplier | None, current: dict[str, Any]) -> SupplierInput:
    if existing is None:
        return SupplierInput(name="", country="", tier=None)
    return SupplierInput(
        name=existing.name, country=existing.country, tier=existing.tier,
        org_number=existing.org_number, sector=existing.sector,
        product_groups=list(current["groups"].get(existing.id, [])),
        is_wholesaler=existing.is_wholesaler,
        buyer_unit_ids=list(current["buyers"].get(existing.id, [])),
        spend_band=existing.spend_band, large_by_hand=existing.large_by_hand,
        large_reason=existing.large_reason, contract_start=existing.contract_start,
        contract_end=existing.contract_end, termination_clause=existing.termination_clause,
    )


def _read_row(row: _Row, data: SupplierInput, settings: Settings,
              units: dict[str, str]) -> list[tuple[str, date]] | None:
    """Fill `data` from the row's columns; returns the certificates when the column is there."""
    data.org_number = row.text("org_number")
    if not data.org_number:
        row.problem("org_number", N_("Enter the organisation number: re-imports match on it."))
    if row.has("name"):
        data.name = row.text("name")
    if row.has("country"):
        code = country_code(row.text("country"))
        if code is None:
            row.problem("country", N_("Not a country: %(value)s. Use the ISO 3166 code, "
                                      "e.g. NO or CN."), value=row.text("country"))
        data.country = code or "ZZ"
    if row.has("tier"):
        text = row.text("tier")
        data.tier = int(text) if text in ("1", "2", "3") else None
        if data.tier is None:
            row.problem("tier", N_("The tier must be 1, 2 or 3."))
    if row.has("sector"):
        data.sector = _code_of(row.text("sector"), settings.supplier_sectors) or None
    if row.has("product_groups"):
        data.product_groups = [_code_of(text, settings.product_groups)
                               for text in _split(row.text("product_groups"))]
    if row.has("wholesaler"):
        data.is_wholesaler = bool(row.yes_no("wholesaler"))
    if row.has("buyers"):
        data.buyer_unit_ids = []
        for code in _split(row.text("buyers")):
            if code in units:
                data.buyer_unit_ids.append(units[code])
            else:
                row.problem("buyers", N_("Unknown company: %(value)s."), value=code)
    if row.has("spend_band"):
        data.spend_band = _code_of(row.text("spend_band"), settings.spend_bands) or None
    if row.has("large_by_hand"):
        data.large_by_hand = bool(row.yes_no("large_by_hand"))
    if row.has("large_reason"):
        data.large_reason = row.text("large_reason") or None
    if row.has("contract_start"):
        data.contract_start = row.day("contract_start")
    if row.has("contract_end"):
        data.contract_end = row.day("contract_end")
    if row.has("termination_clause"):
        data.termination_clause = row.yes_no("termination_clause")
    if not row.has("certifications"):
        return None
    certificates = []
    schemes = {scheme.value.lower(): scheme.value for scheme in CertificationScheme}
    for entry in row.text("certifications").split(LIST_SEPARATOR):
        if not entry.strip():
            continue
        scheme, _, expiry = entry.strip().rpartition(":")
        known = schemes.get(scheme.strip().lower())
        try:
            expires_on = date.fromisoformat(expiry.strip())
        except ValueError:
            expires_on = None
        if known is None or expires_on is None:
            row.problem("certifications", N_("Not a certificate with its expiry date: "
                                             "%(value)s. Write e.g. SA8000:2027-06-30."),
                        value=entry.strip())
        else:
            certificates.append((known, expires_on))
    return certificates


def import_suppliers(db: Session, settings: Settings, keys: ServerKeys, actor: Actor,
                     filename: str, data: bytes) -> ImportResult:
    """Check every row of the file, then add or update every supplier, or nothing at all
    (raises `ImportRejected` with the report). Audited with the counts only."""
    table = read_table(filename, data, settings)
    table = [row for row in table if any(cell for cell in row)]
    if not table:
        raise _file_problem(N_("The file is empty."))
    header = [cell.strip().lower() for cell in table[0]]
    problems: list[RowProblem] = []
    for column in header:
        if column and column not in COLUMNS:
            problems.append(RowProblem(1, column, N_("Unknown column: %(value)s."),
                                       {"value": column}))
    for column in REQUIRED:
        if column not in header:
            problems.append(RowProblem(1, column, N_("Missing column: %(value)s."),
                                       {"value": column}))
    if problems:
        raise ImportRejected(problems)

    existing = {supplier.org_number or "": supplier for supplier in db.scalars(
        select(Supplier).where(Supplier.org_number.is_not(None)))}
    units = {unit.code: unit.id for unit in db.scalars(select(OrgUnit))}
    current: dict[str, dict[str, list[str]]] = {"groups": {}, "buyers": {}}
    for supplier_id, code in db.execute(select(SupplierProductGroup.supplier_id,
                                               SupplierProductGroup.group_code)):
        current["groups"].setdefault(supplier_id, []).append(code)
    for supplier_id, unit_id in db.execute(select(SupplierBuyer.supplier_id,
                                                  SupplierBuyer.unit_id)):
        current["buyers"].setdefault(supplier_id, []).append(unit_id)

    planned: list[tuple[Supplier | None, SupplierInput, list[tuple[str, date]] | None, str]] = []
    first_row_of: dict[str, int] = {}
    in_file = {org for _number, org in _org_numbers(table, header)}
    for number, cells in enumerate(table[1:], start=2):
        if len(problems) >= MAX_PROBLEMS:
            # The report stays readable (and the page small) however bad the file is.
            problems.append(RowProblem(number, "", N_("The check stopped here, after "
                                                      "%(max)s problems."),
                                       {"max": MAX_PROBLEMS}))
            break
        values = {column: (cells[index] if index < len(cells) else "")
                  for index, column in enumerate(header) if column}
        row = _Row(number, values, problems)
        org_number = row.text("org_number")
        if org_number in first_row_of:
            row.problem("org_number", N_("The organisation number %(value)s is also in row "
                                         "%(row)s."), value=org_number,
                        row=first_row_of[org_number])
        elif org_number:
            first_row_of[org_number] = number
        supplier = existing.get(org_number)
        entry = _input_of(supplier, current)
        certificates = _read_row(row, entry, settings, units)
        fronts = row.text("fronts_org_number") if row.has("fronts_org_number") else ""
        entry.fronts_id = None
        if fronts and not entry.is_wholesaler:
            row.problem("fronts_org_number", N_("Only a wholesaler fronts a producer."))
        elif fronts and (fronts == org_number
                         or (fronts not in existing and fronts not in in_file)):
            row.problem("fronts_org_number", N_("No other supplier with the organisation "
                                                "number %(value)s in the register or the "
                                                "file."), value=fronts)
        for found in check_supplier(db, settings, entry, supplier):
            if found.field in ("org_number",) and not entry.org_number:
                continue
            if found.field == "country" and entry.country == "ZZ":
                continue  # already reported with what the file said
            if found.field == "tier" and entry.tier is None and row.has("tier"):
                continue
            problems.append(RowProblem(number, _FIELD_COLUMNS.get(found.field, found.field),
                                       found.template, found.params))
        planned.append((supplier, entry, certificates,
                        fronts if row.has("fronts_org_number") else "\0keep"))
    if problems:
        raise ImportRejected(problems)

    by_org: dict[str, Supplier] = dict(existing)
    created = updated = 0
    for supplier, entry, certificates, _fronts in planned:
        target = supplier if supplier is not None else Supplier()
        keep_fronts = target.fronts_id if supplier is not None else None
        entry.fronts_id = None
        apply_supplier(db, target, entry)
        target.fronts_id = keep_fronts if entry.is_wholesaler else None
        if certificates is not None:
            replace_certifications(db, target, certificates)
        by_org[target.org_number or ""] = target
        created, updated = (created + 1, updated) if supplier is None else (created, updated + 1)
    for _supplier, entry, _certificates, fronts in planned:
        if fronts != "\0keep":
            by_org[entry.org_number or ""].fronts_id = by_org[fronts].id if fronts else None
    db.flush()
    record_event(db, keys.audit, action=SupplierAction.SUPPLIERS_IMPORTED,
                 actor_kind=actor.kind, actor_id=actor.id,
                 target_id=f"created={created};updated={updated}")
    return ImportResult(created, updated)


def _org_numbers(table: list[list[str]], header: list[str]) -> Iterator[tuple[int, str]]:
    index = header.index("org_number")
    for number, cells in enumerate(table[1:], start=2):
        if index < len(cells) and cells[index]:
            yield number, cells[index]


# --- export -----------------------------------------------------------------------------------

def export_rows(db: Session) -> list[list[str]]:
    """The register as rows of text, the header first (one query per table)."""
    suppliers = list(db.scalars(select(Supplier).order_by(Supplier.name, Supplier.id)))
    org_of = {supplier.id: supplier.org_number or "" for supplier in suppliers}
    groups: dict[str, list[str]] = {}
    for supplier_id, code in db.execute(select(SupplierProductGroup.supplier_id,
                                               SupplierProductGroup.group_code)
                                        .order_by(SupplierProductGroup.group_code)):
        groups.setdefault(supplier_id, []).append(code)
    buyers: dict[str, list[str]] = {}
    for supplier_id, code in db.execute(select(SupplierBuyer.supplier_id, OrgUnit.code)
                                        .join(OrgUnit, OrgUnit.id == SupplierBuyer.unit_id)
                                        .order_by(OrgUnit.code)):
        buyers.setdefault(supplier_id, []).append(code)
    certificates: dict[str, list[str]] = {}
    for certificate in db.scalars(select(SupplierCertification)
                                  .order_by(SupplierCertification.expires_on)):
        certificates.setdefault(certificate.supplier_id, []).append(
            f"{certificate.scheme}:{certificate.expires_on.isoformat()}")

    def yes_no(value: bool | None) -> str:
        return "" if value is None else ("yes" if value else "no")

    rows = [list(COLUMNS)]
    for supplier in suppliers:
        rows.append([
            supplier.org_number or "", supplier.name, supplier.country, str(supplier.tier),
            supplier.sector or "", LIST_SEPARATOR.join(groups.get(supplier.id, [])),
            yes_no(supplier.is_wholesaler),
            org_of.get(supplier.fronts_id, "") if supplier.fronts_id else "",
            LIST_SEPARATOR.join(buyers.get(supplier.id, [])), supplier.spend_band or "",
            yes_no(supplier.large_by_hand), supplier.large_reason or "",
            supplier.contract_start.isoformat() if supplier.contract_start else "",
            supplier.contract_end.isoformat() if supplier.contract_end else "",
            yes_no(supplier.termination_clause),
            LIST_SEPARATOR.join(certificates.get(supplier.id, [])),
        ])
    return rows


def export_suppliers(db: Session, keys: ServerKeys, actor: Actor, filename: str) -> bytes:
    """The register as CSV or XLSX (by `filename`'s extension), every cell neutralised.
    Audited with the number of suppliers only."""
    rows = [[neutralised(cell) for cell in row] for row in export_rows(db)]
    if filename.lower().endswith(".xlsx"):
        content = _xlsx(rows)
    elif filename.lower().endswith(".csv"):
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        # The byte-order mark makes Excel read the file as UTF-8.
        content = buffer.getvalue().encode("utf-8-sig")
    else:
        raise Refusal(N_("Only .csv and .xlsx files can be exported."))
    record_event(db, keys.audit, action=SupplierAction.SUPPLIERS_EXPORTED,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=f"rows={len(rows) - 1}")
    return content


def _xlsx(rows: list[list[str]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Suppliers")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
