"""The supplier module's own figures for a year, for the annual account (Åpenhetsloven §5:
the account describes the due diligence done over the supply chain).

Clear metadata only (tier, country, spend band, the manual flag, dates): never a name, a
reason or a contact. Suppliers are companies, not reporters, so no small-count suppression
applies here; the annual account still runs everything through its one small-count rule.

The register keeps its present state, not a history: a supplier counts for a year when it was
in the register by the year's end, with the tier and country it has now. Code of Conduct
coverage and risk figures come from the modules that own them (their own `*_stats`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Settings
from supplier_dd.models import Supplier
from supplier_dd.register import large_and_important_condition


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
