"""The account's figures as HTML (print stylesheet, SVG charts), CSV, JSON and the ESRS CSV
(issue 13 §6–7). Every format renders the cells `account_figures` produced, so the small-count
rule holds in each; labels come from the catalogues under `force_locale(language)`.
The schema of the CSV and JSON is `docs/annual-account.schema.json`, described in
`docs/annual-account.md`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.annual.charts import Bar, bar_chart
from admin.annual.figures import AccountFigures, Row, Table
from admin.annual.labels import row_label, section_label, table_label
from config import Settings
from portal.models import OrgUnit
from portal.transparency import publication_address

LANGUAGES = ("nb", "en")
FORMATS = ("html", "csv", "json", "esrs")

CSV_COLUMNS = ("year", "previous_year", "unit_code", "section", "table", "table_label",
               "scope", "row", "row_label", "current", "current_status", "current_display",
               "previous", "previous_status", "previous_display", "change", "small_count_k")

ESRS_COLUMNS = ("datapoint", "figure", "row", "label", "year", "value", "status", "display",
                "previous_value", "previous_status", "previous_display")

# Which figures feed which ESRS disclosure (domain brief §4).
ESRS_MAP: tuple[tuple[str, str], ...] = (
    ("S2-1", "suppliers.conduct"),
    ("S2-1", "suppliers.conduct_by_spend_band"),
    ("S2-3", "reports.received"),
    ("S2-3", "reports.by_channel"),
    ("S2-3", "reports.human_rights"),
    ("S2-3", "reports.acknowledgement"),
    ("S2-3", "reports.feedback"),
    ("S2-3", "requests.received"),
    ("S2-3", "requests.answered_within_three_weeks"),
    ("S2-4", "reports.human_rights_breaches"),
    ("S2-4", "suppliers.thorough_analyses"),
    ("S2-4", "measures.actions_opened"),
    ("S2-4", "measures.remediation_opened"),
    ("S2-4", "measures.actions_closed"),
    ("S2-4", "measures.actions_overdue"),
    ("S2-4", "measures.decisions_by_kind"),
    ("G1-1", "reports.received"),
    ("G1-1", "reports.reporter"),
    ("G1-1", "reports.outcomes"),
    ("G1-2", "suppliers.total"),
    ("G1-2", "suppliers.by_tier"),
    ("G1-2", "suppliers.large_and_important"),
    ("G1-2", "suppliers.assessed_by_level"),
    ("G1-2", "measures.meetings_held"),
    # Reports in the corruption category (outcomes are not cross-tabulated by category: the
    # small-count rule could not then protect both tables).
    ("G1-4", "reports.by_category:corruption"),
)


@dataclass(frozen=True)
class LabelledRow:
    key: str
    label: str
    row: Row


@dataclass(frozen=True)
class LabelledTable:
    table: Table
    label: str
    rows: tuple[LabelledRow, ...]


def _company_names(db: Session | None) -> dict[str, str]:
    if db is None:
        return {}
    return {code: name for code, name in db.execute(select(OrgUnit.code, OrgUnit.name))}


def labelled(figures: AccountFigures, settings: Settings,
             companies: Mapping[str, str]) -> list[LabelledTable]:
    """The tables with their labels in the current locale."""
    return [LabelledTable(table, table_label(table.key), tuple(
        LabelledRow(row.key, row_label(settings, table.key, row.key, companies), row)
        for row in table.rows)) for table in figures.tables]


def _value(cell_value: int | None) -> str:
    return "" if cell_value is None else str(cell_value)


def render_json(figures: AccountFigures, settings: Settings, language: str,
                db: Session | None = None) -> str:
    with force_locale(language):
        tables = {item.table.key: item for item in labelled(figures, settings,
                                                             _company_names(db))}
        data = figures.to_dict()
        data["language"] = language
        for table in data["tables"]:
            item = tables[table["key"]]
            table["label"] = item.label
            table["section_label"] = section_label(table["section"])
            for row, labelled_row in zip(table["rows"], item.rows, strict=True):
                row["label"] = labelled_row.label
                row["current"]["display"] = labelled_row.row.current.display(figures.k)
                row["previous"]["display"] = labelled_row.row.previous.display(figures.k)
        for median in data["medians"]:
            median["label"] = table_label(median["key"])
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def csv_rows(figures: AccountFigures, settings: Settings, language: str,
             db: Session | None = None) -> Iterator[dict[str, str]]:
    k = figures.k
    with force_locale(language):
        for item in labelled(figures, settings, _company_names(db)):
            for labelled_row in item.rows:
                row = labelled_row.row
                yield {
                    "year": str(figures.year), "previous_year": str(figures.previous_year),
                    "unit_code": figures.unit_code or "", "section": item.table.section,
                    "table": item.table.key, "table_label": item.label,
                    "scope": item.table.scope, "row": row.key, "row_label": labelled_row.label,
                    "current": _value(row.current.value),
                    "current_status": row.current.status.value,
                    "current_display": row.current.display(k),
                    "previous": _value(row.previous.value),
                    "previous_status": row.previous.status.value,
                    "previous_display": row.previous.display(k),
                    "change": _value(row.change), "small_count_k": str(k)}


def _write_csv(columns: tuple[str, ...], rows: Iterator[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        # A spreadsheet must not read a label as a formula.
        writer.writerow({name: ("'" + value if value[:1] in ("=", "+", "-", "@") and
                                not _is_number(value) else value)
                         for name, value in row.items()})
    return out.getvalue()


def _is_number(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def render_csv(figures: AccountFigures, settings: Settings, language: str,
               db: Session | None = None) -> str:
    return _write_csv(CSV_COLUMNS, csv_rows(figures, settings, language, db))


def esrs_rows(figures: AccountFigures, settings: Settings, language: str,
              db: Session | None = None) -> Iterator[dict[str, str]]:
    k = figures.k
    with force_locale(language):
        tables = {item.table.key: item for item in labelled(figures, settings,
                                                             _company_names(db))}
        for datapoint, figure in ESRS_MAP:
            key, _, only = figure.partition(":")
            item = tables.get(key)
            if item is None:
                continue
            for labelled_row in item.rows:
                if only and labelled_row.key != only:
                    continue
                row = labelled_row.row
                label = (item.label if labelled_row.key == "total"
                         else f"{item.label}: {labelled_row.label}")
                yield {"datapoint": datapoint, "figure": key, "row": row.key, "label": label,
                       "year": str(figures.year), "value": _value(row.current.value),
                       "status": row.current.status.value, "display": row.current.display(k),
                       "previous_value": _value(row.previous.value),
                       "previous_status": row.previous.status.value,
                       "previous_display": row.previous.display(k)}


def render_esrs(figures: AccountFigures, settings: Settings, language: str,
                db: Session | None = None) -> str:
    return _write_csv(ESRS_COLUMNS, esrs_rows(figures, settings, language, db))


def charts(figures: AccountFigures, tables: list[LabelledTable]) -> dict[str, str]:
    """An SVG chart for every breakdown table."""
    result = {}
    for item in tables:
        if item.table.kind != "breakdown" or not item.rows:
            continue
        bars = [Bar(row.label, row.row.current.value, row.row.current.display(figures.k),
                    row.row.previous.value, row.row.previous.display(figures.k))
                for row in item.rows]
        result[item.table.key] = bar_chart(item.label, bars, current_label=str(figures.year),
                                           previous_label=str(figures.previous_year))
    return result


def publication_statement(settings: Settings) -> str:
    """Where the group publishes its accounts (issue 13 §5), as a sentence in the current
    locale: the words of `pages/transparency_macros.html::publication`, for the PDF."""
    address = publication_address(settings.transparency_publication_url)
    if address.startswith(("https://", "http://")):
        lead = str(gettext("The group publishes its Transparency Act accounts at:"))
        return f"{lead} {address}"
    return str(gettext("The group publishes its Transparency Act accounts on the Transparency "
                       "Act page of its reporting portal (%(path)s).", path=address))


def render_html(figures: AccountFigures, settings: Settings, language: str,
                db: Session | None = None) -> str:
    with force_locale(language):
        tables = labelled(figures, settings, _company_names(db))
        sections: dict[str, list[LabelledTable]] = {}
        for item in tables:
            sections.setdefault(item.table.section, []).append(item)
        scope = (figures.unit_name or figures.unit_code) if figures.unit_id else None
        return render_template(
            "admin/annual/figures_report.html", figures=figures, language=language,
            sections=[(section_label(key), items) for key, items in sections.items()],
            charts=charts(figures, tables), scope=scope, k=figures.k,
            publication_at=publication_address(settings.transparency_publication_url),
            medians=[(table_label(item.key), item) for item in figures.medians],
            title=str(gettext("Transparency Act account %(year)s: figures", year=figures.year)))


def render(kind: str, figures: AccountFigures, settings: Settings, language: str,
           db: Session | None = None) -> str:
    """Render in `language`; outside a request (the command line) in a request context of its
    own, which Flask-Babel's `force_locale` needs."""
    renderers: dict[str, Any] = {"html": render_html, "csv": render_csv, "json": render_json,
                                 "esrs": render_esrs}
    if has_request_context():
        result: str = renderers[kind](figures, settings, language, db)
        return result
    with current_app.test_request_context("/"):
        rendered: str = renderers[kind](figures, settings, language, db)
    return rendered
