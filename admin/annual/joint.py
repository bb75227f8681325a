"""The year's one small-count decision over every account (issue 13 §3).

The group's joint account and each company's account are published side by side, and a
year's figures are published again as the previous year's column of the next account. Each
account protected on its own could be set against the others: a company's hidden category
cell is the group's category cell less the other companies' shown cells; a company's hidden
total is the group total less the other companies' totals. So the cells of every account of a
year are decided together, as one set of cells tied by the sums a reader can form
(`portal.small_counts.protect`):

* each account's breakdown adds up to its total (a company's reports by category to its
  reports received; the supplier register by tier to its total; ...);
* the group's cell is the sum of the companies' cells (and of the reports no company was
  given for, which no account shows alone: they are counted as if shown, so the protection
  holds even against a reader who knew them);
* the group's `reports.by_company` is the companies' totals, the very cells of their accounts.

The decision is frozen (`YearSuppression`) when the year's first account is approved, for the
year and the year before (whose cells the account shows beside): every later computation of
the year, for any account, version or output format, hides at least those cells, so
snapshots made on different days do not give a hidden cell away either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.annual.models import YearSuppression
from config import Settings
from portal.information.stats import RequestFigures, request_figures_by_unit
from portal.models import OrgUnit
from portal.models.transparency import GROUP_SCOPE
from portal.small_counts import Cell, CellStatus, Sum, check_k, protect
from portal.stats import CaseCounts, case_counts_by_unit
from supplier_dd.conduct import NO_SPEND_BAND
from supplier_dd.stats import supplier_year_figures

# Where a table's counts come from: per account ("unit") or the group's register ("group").
UNIT = "unit"
GROUP = "group"
# The reports and requests with no company given: in the group's figures only.
NONE_SCOPE = "none"
LINE_SEPARATOR = ":"
# The never-published total of Code of Conduct coverage (the register as it stands): its
# breakdown is protected as if it were published.
ALL_ROW = "*all*"

# A breakdown table names the count table its rows add up to.
TOTAL_OF = {
    "reports.by_category": "reports.received",
    "reports.by_channel": "reports.received",
    "reports.by_company": "reports.received",
    "reports.human_rights": "reports.received",
    "reports.reporter": "reports.received",
    "reports.acknowledgement": "reports.received",
    "reports.feedback": "reports.received",
    "reports.outcomes": "reports.received",
    "suppliers.by_tier": "suppliers.total",
    "suppliers.by_country": "suppliers.total",
    "suppliers.by_country_risk": "suppliers.total",
    "suppliers.assessed_by_level": "suppliers.assessed",
    "measures.reviews_by_trigger": "measures.reviews_opened",
    "measures.decisions_by_kind": "measures.decisions",
    "suppliers.conduct_by_spend_band": "suppliers.conduct",
}
# Counted as the register stands (no history) unless the year's end was stored.
NO_HISTORY = frozenset({"suppliers.conduct", "suppliers.conduct_by_spend_band"})
# Cross-tables: each row key is "band:coverage", and for each coverage the bands' rows add up
# to that coverage's row of the table named here (the bands' own totals are not published).
BY_LINE = {"suppliers.conduct_by_spend_band": "suppliers.conduct"}

# {table key: (section, UNIT or GROUP, {row: count})}
Raw = dict[str, tuple[str, str, dict[str, int]]]
MEDIANS = ("reports.median_days_to_acknowledgement", "reports.median_days_to_feedback")


def cell_id(scope: str, table: str, row: str) -> str:
    return f"{scope}|{table}|{row}"


@dataclass(frozen=True)
class YearDecision:
    """One year's raw counts of every account and the protected cell of each."""

    year: int
    raws: dict[str, Raw]                          # scope -> tables (GROUP_SCOPE, unit ids)
    medians: dict[str, dict[str, tuple[float | None, int]]]   # scope -> key -> (days, basis)
    cells: dict[str, Cell]
    codes: dict[str, str]                         # unit code -> unit id
    supplier_year_end: bool

    def cell(self, scope: str, table: str, row: str) -> Cell:
        """The protected cell of `scope`'s account; a row the year has no count for is 0."""
        section, source, _rows = self.raws[GROUP_SCOPE][table]
        del section
        if table == "reports.by_company":
            owner = self.codes.get(row, NONE_SCOPE)
            key = cell_id(owner, "reports.received", "total")
        else:
            key = cell_id(GROUP_SCOPE if source == GROUP else scope, table, row)
        return self.cells.get(key, Cell(0, CellStatus.SHOWN))

    def hidden(self) -> list[str]:
        return sorted(key for key, cell in self.cells.items() if not cell.shown)


def _supplier_raw(db: Session, settings: Settings, year: int, today: date) -> tuple[Raw, bool]:
    """The supplier module's own counts for the year (the one place they are called)."""
    figures = supplier_year_figures(db, settings, year, today)
    counts, work = figures.counts, figures.workflow
    raw: Raw = {
        "suppliers.total": ("suppliers", GROUP, {"total": counts.suppliers}),
        "suppliers.by_tier": ("suppliers", GROUP, dict(counts.by_tier)),
        "suppliers.by_country": ("suppliers", GROUP, dict(counts.by_country)),
        "suppliers.by_country_risk": ("suppliers", GROUP, dict(counts.by_country_risk)),
        "suppliers.large_and_important": ("suppliers", GROUP,
                                          {"total": counts.large_and_important}),
        # The large and important suppliers risk-assessed in the year, each once, by the level
        # of its latest assessment closed in the year (Transparency Act §5, issue 13 §2).
        "suppliers.assessed": ("suppliers", GROUP,
                               {"total": sum(counts.large_assessed_by_level.values())}),
        "suppliers.assessed_by_level": ("suppliers", GROUP,
                                        dict(counts.large_assessed_by_level)),
        "suppliers.thorough_analyses": ("suppliers", GROUP,
                                        {"total": counts.thorough_analyses}),
        "suppliers.conduct": ("suppliers", GROUP, dict(counts.conduct_coverage)),
        "suppliers.conduct_by_spend_band": ("suppliers", GROUP, {
            f"{band}{LINE_SEPARATOR}{coverage}": count
            for band, by_coverage in _in_band_order(settings, counts.conduct_by_spend_band)
            for coverage, count in by_coverage.items()}),
        "measures.actions_opened": ("measures", GROUP, {"total": work.actions_opened}),
        "measures.remediation_opened": ("measures", GROUP,
                                        {"total": work.remediation_opened}),
        "measures.actions_closed": ("measures", GROUP, {"total": work.actions_closed}),
        "measures.actions_overdue": ("measures", GROUP, {"total": work.actions_overdue}),
        "measures.reviews_opened": ("measures", GROUP,
                                    {"total": sum(work.reviews_opened.values())}),
        "measures.reviews_by_trigger": ("measures", GROUP, {
            str(trigger.value): count for trigger, count in work.reviews_opened.items()}),
        "measures.decisions": ("measures", GROUP, {"total": sum(work.decisions.values())}),
        "measures.decisions_by_kind": ("measures", GROUP, {
            str(decision.value): count for decision, count in work.decisions.items()}),
        "measures.meetings_held": ("measures", GROUP, {"total": work.meetings_held}),
    }
    return raw, figures.from_year_end


def _in_band_order(settings: Settings, by_band: Mapping[str, Mapping[str, int]]
                   ) -> list[tuple[str, Mapping[str, int]]]:
    """The spend bands in their configured order (smallest first), then any band no longer
    configured, then the suppliers without a band."""
    order = {band.code: number for number, band in enumerate(settings.spend_bands)}
    return sorted(by_band.items(), key=lambda item: (order.get(item[0], len(order)),
                                                     item[0] == NO_SPEND_BAND, item[0]))


def _channel_raw(cases: CaseCounts, requests: RequestFigures, unit_id: str | None,
                 codes: Mapping[str, str]) -> tuple[Raw, dict[str, tuple[float | None, int]]]:
    raw: Raw = {
        "reports.received": ("reports", UNIT, {"total": cases.received}),
        "reports.by_category": ("reports", UNIT, cases.by_category),
        "reports.by_channel": ("reports", UNIT, cases.by_channel),
        "reports.human_rights": ("reports", UNIT, cases.human_rights),
        "reports.reporter": ("reports", UNIT, cases.reporter),
        "reports.acknowledgement": ("reports", UNIT, cases.acknowledgement),
        "reports.feedback": ("reports", UNIT, cases.feedback),
        "reports.outcomes": ("reports", UNIT, cases.outcomes),
        "reports.human_rights_breaches": ("reports", UNIT,
                                          {"total": cases.human_rights_breaches}),
    }
    if unit_id is None:
        names = {unit: code for code, unit in codes.items()}
        raw["reports.by_company"] = ("reports", UNIT, {
            names.get(unit, NONE_SCOPE): count for unit, count in cases.by_unit.items()})
    raw.update({
        "requests.received": ("requests", UNIT, {"total": requests.received}),
        "requests.answered_within_three_weeks": (
            "requests", UNIT, {"total": requests.closed_within_three_weeks}),
        "requests.extended": ("requests", UNIT, {"total": requests.extended}),
        "requests.refused": ("requests", UNIT, {"total": requests.refused}),
    })
    medians = {
        MEDIANS[0]: (cases.median_days_to_acknowledgement, cases.acknowledged_cases_with_dates),
        MEDIANS[1]: (cases.median_days_to_feedback, cases.feedback_cases_with_dates),
    }
    return raw, medians


def _relations(raws: Mapping[str, Raw], units: list[str],
               bases: Mapping[str, Mapping[str, int]]) -> tuple[dict[str, int], list[Sum]]:
    """Every cell of every account of the year, and every sum a reader can form."""
    group = raws[GROUP_SCOPE]
    counts: dict[str, int] = {}
    sums: list[Sum] = []
    members = [*units, NONE_SCOPE]
    for table, (_section, source, rows) in group.items():
        scopes = [GROUP_SCOPE] if source == GROUP else [GROUP_SCOPE, *members]
        if table == "reports.by_company":
            # The companies' totals, the same cells as each company's reports received.
            sums.append(Sum(cell_id(GROUP_SCOPE, "reports.received", "total"), tuple(
                cell_id(scope, "reports.received", "total") for scope in members)))
            continue
        for scope in scopes:
            own = raws[scope][table][2]
            for row in rows:
                counts[cell_id(scope, table, row)] = own.get(row, 0)
            total = TOTAL_OF.get(table)
            if table in BY_LINE:
                for line in raws[GROUP_SCOPE][BY_LINE[table]][2]:
                    sums.append(Sum(cell_id(scope, BY_LINE[table], line), tuple(
                        cell_id(scope, table, row) for row in rows
                        if row.rpartition(LINE_SEPARATOR)[2] == line)))
            elif total is not None:
                sums.append(Sum(cell_id(scope, total, "total"),
                                tuple(cell_id(scope, table, row) for row in rows)))
            elif table in NO_HISTORY:
                counts[cell_id(scope, table, ALL_ROW)] = sum(own.values())
                sums.append(Sum(cell_id(scope, table, ALL_ROW),
                                tuple(cell_id(scope, table, row) for row in rows)))
        if source == UNIT:
            for row in rows:
                sums.append(Sum(cell_id(GROUP_SCOPE, table, row), tuple(
                    cell_id(scope, table, row) for scope in members), breakdown=False))
    for key in MEDIANS:
        for scope in (GROUP_SCOPE, *members):
            counts[cell_id(scope, key, "basis")] = bases[scope][key]
        sums.append(Sum(cell_id(GROUP_SCOPE, key, "basis"), tuple(
            cell_id(scope, key, "basis") for scope in members), breakdown=False))
    return counts, sums


def _less(whole: Raw, parts: Iterable[Raw]) -> Raw:
    """The group's channel counts less the companies': the reports with no company given."""
    parts = list(parts)
    return {table: (section, source, {row: count - sum(part[table][2].get(row, 0)
                                                       for part in parts)
                                      for row, count in rows.items()})
            for table, (section, source, rows) in whole.items() if table != "reports.by_company"}


def stored_hidden(db: Session, year: int) -> list[str]:
    row = db.get(YearSuppression, year)
    return [] if row is None else list(json.loads(row.hidden))


def year_decision(db: Session, settings: Settings, year: int, now: datetime) -> YearDecision:
    """The protected cells of every account of `year`, hiding at least the frozen ones."""
    k = check_k(settings.annual_small_count)
    units = list(db.execute(select(OrgUnit.code, OrgUnit.id).order_by(OrgUnit.code)))
    codes = {code: unit for code, unit in units}
    unit_ids = [unit for _code, unit in units]
    raws: dict[str, Raw] = {}
    medians: dict[str, dict[str, tuple[float | None, int]]] = {}
    # Every company's counts from one reading of each module (not one per company).
    cases, unit_cases = case_counts_by_unit(db, year, now=now, unit_ids=unit_ids)
    requests, unit_requests = request_figures_by_unit(db, year, now=now, unit_ids=unit_ids)
    for unit in unit_ids:
        raws[unit], medians[unit] = _channel_raw(unit_cases[unit], unit_requests[unit], unit,
                                                 codes)
    raws[GROUP_SCOPE], medians[GROUP_SCOPE] = _channel_raw(cases, requests, None, codes)
    raws[NONE_SCOPE] = _less(raws[GROUP_SCOPE], (raws[unit] for unit in unit_ids))
    medians[NONE_SCOPE] = {key: (None, medians[GROUP_SCOPE][key][1] - sum(
        medians[unit][key][1] for unit in unit_ids)) for key in MEDIANS}
    suppliers, year_end = _supplier_raw(db, settings, year,
                                        min(now.date(), date(year, 12, 31)))
    raws[GROUP_SCOPE].update(suppliers)
    counts, sums = _relations(raws, unit_ids, {
        scope: {key: basis for key, (_days, basis) in values.items()}
        for scope, values in medians.items()})
    cells = protect(counts, sums, k, hidden_before=stored_hidden(db, year),
                    fixed=[key for key in counts if key.startswith(f"{NONE_SCOPE}|")])
    return YearDecision(year=year, raws=raws, medians=medians, cells=cells, codes=codes,
                        supplier_year_end=year_end)


def freeze_year_decision(db: Session, settings: Settings, year: int, now: datetime) -> None:
    """Store the year's decision (first approval) or add what it hides now (later ones)."""
    hidden = year_decision(db, settings, year, now).hidden()
    row = db.get(YearSuppression, year)
    if row is None:
        db.add(YearSuppression(year=year, hidden=json.dumps(hidden), decided_at=now,
                               updated_at=now))
    else:
        merged = sorted(set(json.loads(row.hidden)) | set(hidden))
        if merged != json.loads(row.hidden):
            row.hidden, row.updated_at = json.dumps(merged), now
    db.flush()
