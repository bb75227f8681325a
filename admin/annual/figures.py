"""The figures of the Transparency Act account for a year (issue 13 §2), per company or for the
group, with the previous year beside each figure.

Each module owns its counts (design §2): `portal.stats.case_counts_by_unit` for the channel,
`portal.information.stats.request_figures_by_unit` for information requests, and the supplier
module's own count functions (called in one place, `admin.annual.joint._supplier_raw`). The
year's cells of every account are protected together by one decision
(`admin.annual.joint.year_decision`, the one small-count rule of `portal.small_counts`);
this module picks one account's cells from it. Nothing downstream (HTML, CSV, JSON, SVG,
ESRS, the frozen snapshot of a published account) ever sees a raw count.

Scope: the channel's and the information requests' figures are per company when `unit_id` is
given. The supplier register is kept for the group (a supplier may serve several companies and
the supplier module counts the register as a whole), so the supplier tables carry
`scope = "group"` in every account and say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from admin.annual.joint import (
    GROUP,
    LINE_SEPARATOR,
    MEDIANS,
    NO_HISTORY,
    TOTAL_OF,
    UNIT,
    YearDecision,
    cell_id,
    year_decision,
)
from config import Settings
from portal.models import OrgUnit
from portal.models.transparency import GROUP_SCOPE
from portal.small_counts import Cell, CellStatus, change, check_k, is_small

SCHEMA_VERSION = 1


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


def _row_names(current: YearDecision, previous: YearDecision, table: str) -> list[str]:
    now = current.raws[GROUP_SCOPE].get(table, ("", "", {}))[2]
    before = previous.raws[GROUP_SCOPE].get(table, ("", "", {}))[2]
    return list(dict.fromkeys([*now, *before]))


def account_figures(db: Session, settings: Settings, *, year: int, unit_id: str | None,
                    now: datetime) -> AccountFigures:
    """The account's figures for `year` and the year before, every cell as the year's one
    joint decision over all accounts protects it (`admin.annual.joint`), with
    k = `settings.annual_small_count`."""
    k = check_k(settings.annual_small_count)
    unit = db.get(OrgUnit, unit_id) if unit_id is not None else None
    if unit_id is not None and unit is None:
        raise LookupError("no such org unit")
    scope = GROUP_SCOPE if unit_id is None else unit_id
    current = year_decision(db, settings, year, now)
    previous = year_decision(db, settings, year - 1, now)
    withheld = Cell(None, CellStatus.WITHHELD)
    tables: list[Table] = []
    for key, (section, source, _rows) in current.raws[GROUP_SCOPE].items():
        if key == "reports.by_company" and unit is not None:
            continue
        names = _row_names(current, previous, key)
        # Code of Conduct coverage has no history unless the year's end was stored.
        history = key not in NO_HISTORY or previous.supplier_year_end
        # Code of Conduct coverage adds up to the register as it stands (not itself a figure
        # of the year): protected as a breakdown all the same, as if its total were published.
        kind = "breakdown" if key in TOTAL_OF or key in NO_HISTORY else "count"
        tables.append(Table(
            key=key, section=section, kind=kind, scope=GROUP if source == GROUP else UNIT,
            total_of=TOTAL_OF.get(key), previous_available=history,
            rows=tuple(Row(name, current.cell(scope, key, name),
                           previous.cell(scope, key, name) if history else withheld)
                       for name in names)))
    medians = []
    for key in MEDIANS:
        value, basis = current.medians[scope][key]
        old_value, old_basis = previous.medians[scope][key]
        basis_now = current.cells[cell_id(scope, key, "basis")]
        basis_then = previous.cells[cell_id(scope, key, "basis")]
        medians.append(Median(
            key=key,
            current=value if basis_now.shown and basis >= k else None,
            previous=old_value if basis_then.shown and old_basis >= k else None,
            current_basis=basis_now, previous_basis=basis_then))
    return AccountFigures(year=year, previous_year=year - 1, unit_id=unit_id,
                          unit_code=unit.code if unit else None,
                          unit_name=unit.name if unit else None, k=k,
                          generated_at=now, tables=tuple(tables), medians=tuple(medians))


def hidden(cell: Cell) -> bool:
    """For the outputs: whether a cell is not shown."""
    return cell.status is not CellStatus.SHOWN


__all__ = ["LINE_SEPARATOR", "AccountFigures", "Median", "Row", "Table", "account_figures",
           "hidden", "is_small"]
