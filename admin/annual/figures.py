"""The figures of the Transparency Act account for a year (issue 13 §2), per company or for the
group, with the previous year beside each figure.

Each module owns its counts (design §2): `portal.stats.case_counts` for the channel,
`portal.information.stats.request_figures` for information requests, and the supplier
module's own count functions (called in one place, `_supplier_counts`). This module only
composes them and puts every table through the one small-count rule
(`portal.small_counts`); nothing downstream (HTML, CSV, JSON, SVG, ESRS, the frozen snapshot of
a published account) ever sees a raw count.

Scope: the channel's and the information requests' figures are per company when `unit_id` is
given. The supplier register is kept for the group (a supplier may serve several companies and
the supplier module counts the register as a whole), so the supplier tables carry
`scope = "group"` in every account and say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from portal.information.stats import request_figures
from portal.models import OrgUnit
from portal.small_counts import (
    Cell,
    CellStatus,
    by_line,
    change,
    check_k,
    is_small,
    single,
    table,
)
from portal.stats import case_counts
from supplier_dd.conduct import NO_SPEND_BAND
from supplier_dd.countries import country_value
from supplier_dd.stats import supplier_year_figures

SCHEMA_VERSION = 1
UNIT = "unit"
GROUP = "group"


@dataclass(frozen=True)
class Row:
    key: str
    current: Cell
    previous: Cell

    @property
    def change(self) -> int | None:
        return change(self.current, self.previous)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "current": _cell_dict(self.current),
                "previous": _cell_dict(self.previous), "change": self.change}


@dataclass(frozen=True)
class Table:
    """A count (`kind` "count", one row "total") or a breakdown of a published total
    (`kind` "breakdown", whose rows add up to the count table named by `total_of`)."""

    key: str
    section: str
    kind: str
    scope: str
    rows: tuple[Row, ...]
    total_of: str | None = None
    # False where the module keeps no history (Code of Conduct coverage is the register as it
    # stands now): the previous year's cells are then withheld rather than repeated.
    previous_available: bool = True

    def row(self, key: str) -> Row:
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "section": self.section, "kind": self.kind,
                "scope": self.scope, "total_of": self.total_of,
                "previous_available": self.previous_available,
                "rows": [row.to_dict() for row in self.rows]}


@dataclass(frozen=True)
class Median:
    """A median number of days, over the cases whose dates are still held; shown only when
    taken over at least k cases (`basis` is itself a count under the rule)."""

    key: str
    current: float | None
    previous: float | None
    current_basis: Cell
    previous_basis: Cell

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "current": self.current, "previous": self.previous,
                "current_basis": _cell_dict(self.current_basis),
                "previous_basis": _cell_dict(self.previous_basis)}


@dataclass(frozen=True)
class AccountFigures:
    year: int
    previous_year: int
    unit_id: str | None
    unit_code: str | None
    unit_name: str | None
    k: int
    generated_at: datetime
    tables: tuple[Table, ...]
    medians: tuple[Median, ...] = field(default=())

    def table(self, key: str) -> Table:
        for item in self.tables:
            if item.key == key:
                return item
        raise KeyError(key)

    def sections(self) -> list[str]:
        return list(dict.fromkeys(item.section for item in self.tables))

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "year": self.year,
            "previous_year": self.previous_year,
            "unit": None if self.unit_id is None else {
                "id": self.unit_id, "code": self.unit_code, "name": self.unit_name},
            "small_count_k": self.k,
            "generated_at": self.generated_at.isoformat(),
            "tables": [item.to_dict() for item in self.tables],
            "medians": [item.to_dict() for item in self.medians],
        }


def _cell_dict(cell: Cell) -> dict[str, Any]:
    return {"value": cell.value, "status": cell.status.value}


# --- the raw counts of one year, as {table key: (section, scope, {row: count}) } ------------

_Raw = dict[str, tuple[str, str, dict[str, int]]]


def _supplier_counts(db: Session, settings: Settings, year: int, today: date) -> _Raw:
    """The supplier module's own counts for the year (the one place they are called)."""
    figures = supplier_year_figures(db, settings, year, today)
    register, levels, work = figures.register, figures.assessed_by_level, figures.workflow
    # Country risk: the geography score (1-5) the risk model gives each country now.
    by_risk = {f"score_{score}": 0 for score in range(1, 6)} | {"unrated": 0}
    for country, count in register.by_country.items():
        value = country_value(db, country)
        by_risk["unrated" if value is None else f"score_{value.effective_score}"] += count
    return {
        "suppliers.total": ("suppliers", GROUP, {"total": register.suppliers}),
        "suppliers.by_tier": ("suppliers", GROUP,
                              {str(tier): count for tier, count in register.by_tier.items()}),
        "suppliers.by_country": ("suppliers", GROUP, dict(register.by_country)),
        "suppliers.by_country_risk": ("suppliers", GROUP, by_risk),
        "suppliers.large_and_important": ("suppliers", GROUP,
                                          {"total": register.large_and_important}),
        "suppliers.assessed": ("suppliers", GROUP, {"total": sum(levels.values())}),
        "suppliers.assessed_by_level": ("suppliers", GROUP, dict(levels)),
        "suppliers.thorough_analyses": ("suppliers", GROUP,
                                        {"total": figures.thorough_analyses}),
        "suppliers.conduct": ("suppliers", GROUP, dict(figures.conduct_coverage)),
        # One row per spend band and coverage ("band:coverage"); see `_BY_LINE`.
        "suppliers.conduct_by_spend_band": ("suppliers", GROUP, {
            f"{band}{LINE_SEPARATOR}{coverage}": count
            for band, counts in _in_band_order(settings, figures.conduct_by_spend_band)
            for coverage, count in counts.items()}),
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


LINE_SEPARATOR = ":"


def _in_band_order(settings: Settings, by_band: Mapping[str, Mapping[str, int]]
                   ) -> list[tuple[str, Mapping[str, int]]]:
    """The spend bands in their configured order (smallest first), then any band no longer
    configured, then the suppliers without a band."""
    order = {band.code: number for number, band in enumerate(settings.spend_bands)}
    return sorted(by_band.items(), key=lambda item: (order.get(item[0], len(order)),
                                                     item[0] == NO_SPEND_BAND, item[0]))


# Figures counted as the register stands now, with no history: no previous year to show.
_NO_HISTORY = frozenset({"suppliers.conduct", "suppliers.conduct_by_spend_band"})

# Cross-tables: each row key is "band:coverage", and for each coverage the bands' rows add up
# to that coverage's row of the table named here (its margin, published with the account).
# The bands' own totals are not published, so the coverages are independent lines and each is
# protected on its own against its published margin (`portal.small_counts.by_line`).
_BY_LINE = {"suppliers.conduct_by_spend_band": "suppliers.conduct"}

# A breakdown table names the count table its rows add up to.
_TOTAL_OF = {
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


def _by_company(db: Session, by_unit: Mapping[str, int]) -> dict[str, int]:
    """Reports received per company code ("none": no company given)."""
    codes = {row.id: row.code for row in db.execute(select(OrgUnit.id, OrgUnit.code))}
    return {codes.get(unit, "none") if unit != "None" else "none": count
            for unit, count in by_unit.items()}


def _shared_company_total(db: Session, year: int, unit_code: str, now: datetime,
                          k: int) -> Cell:
    """A company's reports received as the group account's `reports.by_company` shows it.

    The group account and each company's account are published side by side: a company
    total hidden in the group's table (small, or complementary to protect another company)
    and shown in the company's own account would give the hidden cells away (the group's
    total less the other companies' totals). So the company account takes its total's cell
    from the one protection of the company table, made here exactly as for the group."""
    return table(_by_company(db, case_counts(db, year, now=now, unit_id=None).by_unit),
                 k).get(unit_code, Cell(0, CellStatus.SHOWN))


def _raw_year(db: Session, settings: Settings, year: int, unit_id: str | None,
              now: datetime) -> tuple[_Raw, dict[str, tuple[float | None, int]]]:
    cases = case_counts(db, year, now=now, unit_id=unit_id)
    requests = request_figures(db, year, now=now, unit_id=unit_id)
    raw: _Raw = {
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
        raw["reports.by_company"] = ("reports", UNIT, _by_company(db, cases.by_unit))
    raw.update({
        "requests.received": ("requests", UNIT, {"total": requests.received}),
        "requests.answered_within_three_weeks": (
            "requests", UNIT, {"total": requests.closed_within_three_weeks}),
        "requests.extended": ("requests", UNIT, {"total": requests.extended}),
        "requests.refused": ("requests", UNIT, {"total": requests.refused}),
    })
    raw.update(_supplier_counts(db, settings, year, min(now.date(), date(year, 12, 31))))
    medians = {
        "reports.median_days_to_acknowledgement": (cases.median_days_to_acknowledgement,
                                                   cases.acknowledged_cases_with_dates),
        "reports.median_days_to_feedback": (cases.median_days_to_feedback,
                                            cases.feedback_cases_with_dates),
    }
    return raw, medians


def _protect(counts: Mapping[str, int], kind: str, k: int) -> dict[str, Cell]:
    if kind == "count":
        return {name: single(count, k) for name, count in counts.items()}
    return table(counts, k)


def account_figures(db: Session, settings: Settings, *, year: int, unit_id: str | None,
                    now: datetime) -> AccountFigures:
    """The account's figures for `year` and the year before, every cell protected by the
    small-count rule with k = `settings.annual_small_count`."""
    k = check_k(settings.annual_small_count)
    unit = db.get(OrgUnit, unit_id) if unit_id is not None else None
    if unit_id is not None and unit is None:
        raise LookupError("no such org unit")
    current, current_medians = _raw_year(db, settings, year, unit_id, now)
    previous, previous_medians = _raw_year(db, settings, year - 1, unit_id, now)
    tables: list[Table] = []
    for key, (section, scope, counts) in current.items():
        before = previous[key][2]
        names = list(dict.fromkeys([*counts, *before]))
        now_counts = {name: counts.get(name, 0) for name in names}
        then_counts = {name: before.get(name, 0) for name in names}
        # Code of Conduct coverage adds up to the register as it stands (not itself a figure of
        # the year): protected as a breakdown all the same, as if its total were published.
        kind = "breakdown" if key in _TOTAL_OF or key in _NO_HISTORY else "count"
        shown_now, shown_then = _protect(now_counts, kind, k), _protect(then_counts, kind, k)
        if key in _BY_LINE:
            margin = {row.key: row.current for row in
                      next(item for item in tables if item.key == _BY_LINE[key]).rows}
            shown_now = by_line(now_counts, {name: name.rpartition(LINE_SEPARATOR)[2]
                                             for name in names}, margin, k)
        if key in _NO_HISTORY:
            shown_then = dict.fromkeys(names, Cell(None, CellStatus.WITHHELD))
        tables.append(Table(key=key, section=section, kind=kind, scope=scope,
                            total_of=_TOTAL_OF.get(key), previous_available=key not in _NO_HISTORY,
                            rows=tuple(Row(name, shown_now[name], shown_then[name])
                                       for name in names)))
    if unit is not None:
        tables = _share_company_totals(db, tables, year, unit.code, now, k)
    medians = []
    for key, (value, basis) in current_medians.items():
        old_value, old_basis = previous_medians[key]
        medians.append(Median(
            key=key,
            current=None if basis < k else value,
            previous=None if old_basis < k else old_value,
            current_basis=single(basis, k), previous_basis=single(old_basis, k)))
    return AccountFigures(year=year, previous_year=year - 1, unit_id=unit_id,
                          unit_code=unit.code if unit else None,
                          unit_name=unit.name if unit else None, k=k,
                          generated_at=now, tables=tuple(tables), medians=tuple(medians))


def _share_company_totals(db: Session, tables: list[Table], year: int, unit_code: str,
                          now: datetime, k: int) -> list[Table]:
    """A company account's `reports.received` with the group's decision for that company
    (`_shared_company_total`), and the breakdowns of a total hidden that way withheld whole
    (their shown cells would add up to it)."""
    shared = {"current": _shared_company_total(db, year, unit_code, now, k),
              "previous": _shared_company_total(db, year - 1, unit_code, now, k)}
    withheld = Cell(None, CellStatus.WITHHELD)
    result = []
    for item in tables:
        if item.key == "reports.received":
            item = replace(item, rows=tuple(
                replace(row, current=shared["current"], previous=shared["previous"])
                for row in item.rows))
        elif item.total_of == "reports.received":
            item = replace(item, rows=tuple(
                replace(row,
                        current=row.current if shared["current"].shown else withheld,
                        previous=row.previous if shared["previous"].shown else withheld)
                for row in item.rows))
        result.append(item)
    return result


def hidden(cell: Cell) -> bool:
    """For the outputs: whether a cell is not shown."""
    return cell.status is not CellStatus.SHOWN


__all__ = ["AccountFigures", "Median", "Row", "Table", "account_figures", "hidden", "is_small"]
