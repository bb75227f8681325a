"""The supplier module's own figures for a year, for the annual account (Åpenhetsloven §5:
the account describes the due diligence done over the supply chain).

Clear metadata only (tier, country, spend band, the manual flag, dates): never a name, a
reason or a contact. Suppliers are companies, not reporters, so no small-count suppression
applies here; the annual account still runs everything through its one small-count rule.

The register keeps its present state, not a history: a supplier counts for a year when it was
in the register by the year's end, with the tier and country it has now. So that a closed
year's figures stay as they were, `take_year_end` (`aktsom suppliers year-end --year Y`)
stores them once the year is over (`SupplierYearEnd`), and `supplier_year_figures` reads a
year's stored figures whenever they exist. Code of Conduct coverage, risk and workflow figures
come from the modules that own them; `supplier_year_figures` gathers them all for one year.
The workflow counts (action plans, reviews, meetings) are dated rows and need no snapshot.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Settings
from portal.extensions import settings_of
from supplier_dd.conduct import conduct_coverage_by_spend_band, conduct_coverage_counts
from supplier_dd.countries import country_value
from supplier_dd.models import Supplier
from supplier_dd.models.year_end import SupplierYearEnd
from supplier_dd.register import large_and_important_condition
from supplier_dd.risk import large_suppliers_assessed_by_level, thorough_analysis_count
from supplier_dd.workflow_figures import WorkflowYear, annual_workflow_counts


@dataclass(frozen=True)
class SupplierRegisterFigures:
    """The register as at the end of `year`."""

    year: int
    suppliers: int
    by_tier: dict[int, int]
    by_country: dict[str, int]
    large_and_important: int


def _in_register_by_end_of(year: int) -> Any:
    return Supplier.created_at < datetime(year + 1, 1, 1, tzinfo=UTC)


def register_stats(db: Session, settings: Settings, year: int) -> SupplierRegisterFigures:
    """Suppliers in the register by the end of `year`: by tier, by country (ISO 3166 alpha-2),
    and how many are large and important by the configured rule or by hand."""
    in_year = _in_register_by_end_of(year)
    by_tier = {tier: count for tier, count in db.execute(
        select(Supplier.tier, func.count()).where(in_year).group_by(Supplier.tier))}
    by_country = {country: count for country, count in db.execute(
        select(Supplier.country, func.count()).where(in_year).group_by(Supplier.country))}
    large = db.scalar(select(func.count()).select_from(Supplier).where(
        in_year, large_and_important_condition(settings))) or 0
    return SupplierRegisterFigures(year=year, suppliers=sum(by_tier.values()),
                                   by_tier=dict(sorted(by_tier.items())),
                                   by_country=dict(sorted(by_country.items())),
                                   large_and_important=large)


def by_country_risk(db: Session, by_country: dict[str, int]) -> dict[str, int]:
    """Suppliers by the geography score (1-5) the risk model gives their country now."""
    counts = {f"score_{score}": 0 for score in range(1, 6)} | {"unrated": 0}
    for country, count in by_country.items():
        value = country_value(db, country)
        counts["unrated" if value is None else f"score_{value.effective_score}"] += count
    return counts


@dataclass(frozen=True)
class YearEndCounts:
    """What a closed year's account needs of the register, as stored by `take_year_end`."""

    suppliers: int
    by_tier: dict[str, int]
    by_country: dict[str, int]
    by_country_risk: dict[str, int]
    large_and_important: int
    conduct_coverage: dict[str, int]
    conduct_by_spend_band: dict[str, dict[str, int]]
    # The large and important suppliers with a risk assessment closed in the year, each once,
    # by the level of its latest one closed in the year (risk.large_suppliers_assessed_by_level).
    large_assessed_by_level: dict[str, int]
    thorough_analyses: int


def _live_year_end(db: Session, settings: Settings, year: int) -> YearEndCounts:
    register = register_stats(db, settings, year)
    return YearEndCounts(
        suppliers=register.suppliers,
        by_tier={str(tier): count for tier, count in register.by_tier.items()},
        by_country=dict(register.by_country),
        by_country_risk=by_country_risk(db, register.by_country),
        large_and_important=register.large_and_important,
        conduct_coverage=conduct_coverage_counts(db, year),
        conduct_by_spend_band=conduct_coverage_by_spend_band(db, year),
        large_assessed_by_level=large_suppliers_assessed_by_level(db, settings, year),
        thorough_analyses=thorough_analysis_count(db, year))


class YearInProgress(Exception):
    """The year has not ended: its figures are not final yet."""


def last_ended_year(now: datetime) -> int:
    """The latest year that has ended, by the rule `take_year_end` applies (UTC)."""
    return now.year - 1


def year_end_not_taken(db: Session, now: datetime) -> int | None:
    """The latest ended year whose figures are not stored although the register held
    suppliers by its end (its account would read the register as it stands now), or None."""
    year = last_ended_year(now)
    if db.get(SupplierYearEnd, year) is not None:
        return None
    held = db.scalar(select(func.count()).select_from(Supplier)
                     .where(_in_register_by_end_of(year)))
    return year if held else None


# What figures stored before issue 13's fix to the supplier assessments held instead of
# `large_assessed_by_level`: every assessment closed in the year, of any supplier, by level.
_OLD_ASSESSED = "assessed_by_level"


def stored_year_end(db: Session, year: int,
                    settings: Settings | None = None) -> YearEndCounts | None:
    """The figures stored for `year`, if any (without `settings`, the current app's are used
    where they are needed). Figures stored before the assessment figure
    counted suppliers (`_OLD_ASSESSED`, a count of assessments) get it from the assessment
    rows instead, which are dated and kept, with the large and important rule as the register
    stands now; `take_year_end --force` stores it for good."""
    row = db.get(SupplierYearEnd, year)
    if row is None:
        return None
    stored = json.loads(row.figures)
    if "large_assessed_by_level" not in stored:
        stored.pop(_OLD_ASSESSED, None)
        stored["large_assessed_by_level"] = large_suppliers_assessed_by_level(
            db, settings if settings is not None else settings_of(), year)
    return YearEndCounts(**stored)


def take_year_end(db: Session, settings: Settings, year: int, *, now: datetime,
                  force: bool = False) -> tuple[YearEndCounts, bool]:
    """Store the register's figures for `year` (once: a stored year is kept as it is, unless
    `force`, which also allows a year still in progress). Returns the figures stored and
    whether they were taken now."""
    stored = stored_year_end(db, year, settings)
    if stored is not None and not force:
        return stored, False
    if year >= now.year and not force:
        raise YearInProgress(year)
    counts = _live_year_end(db, settings, year)
    figures = json.dumps(asdict(counts), sort_keys=True, separators=(",", ":"))
    row = db.get(SupplierYearEnd, year)
    if row is None:
        db.add(SupplierYearEnd(year=year, taken_at=now, figures=figures))
    else:
        row.figures, row.taken_at = figures, now
    db.flush()
    return counts, True


@dataclass(frozen=True)
class SupplierYearFigures:
    """Everything the supplier module gives the annual account for one year: the register
    at the year's end, Code of Conduct coverage (in all and by spend band, as the register
    stands when the account is made), the large and important suppliers risk-assessed in the
    year by the level of their latest assessment, the thorough analyses (of high assessments
    closed in the year), and the year's action plans, reviews and meetings."""

    year: int
    counts: YearEndCounts
    workflow: WorkflowYear
    # True when `counts` are the year-end figures stored for the year; False when they are
    # the register as it stands now (then Code of Conduct coverage is not the year's).
    from_year_end: bool

    @property
    def register(self) -> SupplierRegisterFigures:
        return SupplierRegisterFigures(
            year=self.year, suppliers=self.counts.suppliers,
            by_tier={int(tier): count for tier, count in self.counts.by_tier.items()},
            by_country=dict(self.counts.by_country),
            large_and_important=self.counts.large_and_important)

    @property
    def conduct_coverage(self) -> dict[str, int]:
        return dict(self.counts.conduct_coverage)

    @property
    def conduct_by_spend_band(self) -> dict[str, dict[str, int]]:
        return {band: dict(counts) for band, counts in self.counts.conduct_by_spend_band.items()}

    @property
    def large_assessed_by_level(self) -> dict[str, int]:
        return dict(self.counts.large_assessed_by_level)

    @property
    def thorough_analyses(self) -> int:
        return self.counts.thorough_analyses


def supplier_year_figures(db: Session, settings: Settings, year: int,
                          today: date) -> SupplierYearFigures:
    """The module's counts for `year` in one typed record (each part from the module that
    owns it): the stored year-end figures when the year has them, else the register as it
    stands; `today` bounds the overdue count of a year still running."""
    stored = stored_year_end(db, year, settings)
    return SupplierYearFigures(
        year=year, counts=stored if stored is not None else _live_year_end(db, settings, year),
        workflow=annual_workflow_counts(db, year, today), from_year_end=stored is not None)
