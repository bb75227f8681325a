"""The supplier module's own figures for a year, for the annual account (Åpenhetsloven §5:
the account describes the due diligence done over the supply chain).

Clear metadata only (tier, country, spend band, the manual flag, dates): never a name, a
reason or a contact. Suppliers are companies, not reporters, so no small-count suppression
applies here; the annual account still runs everything through its one small-count rule.

The register keeps its present state, not a history: a supplier counts for a year when it was
in the register by the year's end, with the tier and country it has now. Code of Conduct
coverage, risk and workflow figures come from the modules that own them;
`supplier_year_figures` gathers them all for one year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Settings
from supplier_dd.conduct import conduct_coverage_by_spend_band, conduct_coverage_counts
from supplier_dd.models import Supplier
from supplier_dd.register import large_and_important_condition
from supplier_dd.risk import assessed_by_level, thorough_analysis_count
from supplier_dd.workflow_figures import WorkflowYear, annual_workflow_counts


@dataclass(frozen=True)
class SupplierRegisterFigures:
    """The register as at the end of `year`."""

    year: int
    suppliers: int
    by_tier: dict[int, int]
    by_country: dict[str, int]
    large_and_important: int


def register_stats(db: Session, settings: Settings, year: int) -> SupplierRegisterFigures:
    """Suppliers in the register by the end of `year`: by tier, by country (ISO 3166 alpha-2),
    and how many are large and important by the configured rule or by hand."""
    in_year = Supplier.created_at < datetime(year + 1, 1, 1, tzinfo=UTC)
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


@dataclass(frozen=True)
class SupplierYearFigures:
    """Everything the supplier module gives the annual account for one year: the register
    at the year's end, Code of Conduct coverage (in all and by spend band, as the register
    stands when the account is made), risk assessments closed in the year by level and the
    thorough analyses among them, and the year's action plans, reviews and meetings."""

    year: int
    register: SupplierRegisterFigures
    conduct_coverage: dict[str, int]
    conduct_by_spend_band: dict[str, dict[str, int]]
    assessed_by_level: dict[str, int]
    thorough_analyses: int
    workflow: WorkflowYear


def supplier_year_figures(db: Session, settings: Settings, year: int,
                          today: date) -> SupplierYearFigures:
    """The module's counts for `year` in one typed record (each part from the module that
    owns it); `today` bounds the overdue count of a year still running."""
    return SupplierYearFigures(
        year=year, register=register_stats(db, settings, year),
        conduct_coverage=conduct_coverage_counts(db),
        conduct_by_spend_band=conduct_coverage_by_spend_band(db),
        assessed_by_level=assessed_by_level(db, year),
        thorough_analyses=thorough_analysis_count(db, year),
        workflow=annual_workflow_counts(db, year, today))
