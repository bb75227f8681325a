"""The supplier dashboard (/admin/suppliers/dashboard): counts composed from providers.

A provider is a function ``dashboard_figures(db: Session, today: date) -> list[Figure]`` in
the module that owns the data (the register here; the risk, action-plan and review parts of
the module in theirs). Each `Figure` is one box on the page: a stable `key` (tests and
anchors), a translated `title`, and `rows` of (translated label, count), most important
first; a single number is one row. Rules for a provider:

* counts only, from clear metadata: never a name, a reason or anything of a case;
* one query per figure (a GROUP BY for a breakdown) over indexed columns: the page must stay
  under 100 ms at 10 000 suppliers (`benchmarks/suppliers_bench.py`, run by `make bench`);
* only what exists: a provider returns no figure for a feature that holds no data model
  yet, and a breakdown has rows only for values that occur (no placeholders, no zeros
  standing in for "not built").

To add one, append it to `PROVIDERS` (one line); the page shows the figures in that order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.extensions import settings_of
from supplier_dd.models import Supplier, SupplierCertification
from supplier_dd.register import country_name, large_and_important_condition

# Certificates that expire within this many days are shown as expiring.
EXPIRING_WITHIN_DAYS = 90


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    rows: tuple[tuple[str, int], ...]


Provider = Callable[[Session, date], list[Figure]]


def register_figures(db: Session, today: date) -> list[Figure]:
    """The register's figures: by tier, by country, large and important, certificates."""
    by_tier = db.execute(select(Supplier.tier, func.count()).group_by(Supplier.tier)
                         .order_by(Supplier.tier)).all()
    by_country = db.execute(select(Supplier.country, func.count().label("n"))
                            .group_by(Supplier.country)
                            .order_by(func.count().desc(), Supplier.country)).all()
    large = db.scalar(select(func.count()).select_from(Supplier)
                      .where(large_and_important_condition(settings_of()))) or 0
    horizon = today + timedelta(days=EXPIRING_WITHIN_DAYS)
    expiring = db.scalar(select(func.count()).select_from(SupplierCertification).where(
        SupplierCertification.expires_on >= today,
        SupplierCertification.expires_on <= horizon)) or 0
    expired = db.scalar(select(func.count()).select_from(SupplierCertification)
                        .where(SupplierCertification.expires_on < today)) or 0
    return [
        Figure("suppliers_by_tier", _("Suppliers by tier"),
               tuple((_("Tier %(tier)s", tier=tier), count) for tier, count in by_tier)),
        Figure("suppliers_by_country", _("Suppliers by country"),
               tuple((country_name(code), count) for code, count in by_country)),
        Figure("large_and_important", _("Large and important suppliers"),
               ((_("Suppliers"), large),)),
        Figure("certifications", _("Certificates"), (
            (_("Expiring within %(days)s days", days=EXPIRING_WITHIN_DAYS), expiring),
            (_("Expired"), expired))),
    ]


def risk_figures(db: Session, today: date) -> list[Figure]:
    """The risk part's counts (supplier_dd.risk.dashboard_figures) as dashboard boxes."""
    from supplier_dd.risk import dashboard_figures

    counts = dashboard_figures(db, today)
    by_level = counts["by_level"]
    return [
        Figure("risk_by_level", _("Suppliers by risk level"), tuple(
            (_(level), int(by_level.get(level, 0))) for level in ("low", "medium", "high"))),
        Figure("risk_follow_up", _("Risk follow-up"), (
            (_("Reassessments due"), int(counts["reassessments_due"])),
            (_("Gaps"), int(counts["open_gaps"])),
            (_("waiting for the thorough analysis"), int(counts["awaiting_analysis"])))),
    ]


def workflow_figures(db: Session, today: date) -> list[Figure]:
    """Action plans, contract reviews and meetings (supplier_dd.workflow_figures)."""
    from supplier_dd.workflow_figures import dashboard_figures

    counts = dashboard_figures(db, today)
    return [Figure("workflow", _("Action plans, reviews and meetings"), (
        (_("Actions overdue"), counts.overdue_actions),
        (_("Open contract reviews"), counts.open_reviews),
        (_("Meetings due this quarter"), counts.meetings_due)))]


PROVIDERS: list[Provider] = [
    register_figures,
    risk_figures,
    workflow_figures,
]


def dashboard_figures_for(db: Session, today: date,
                          providers: list[Provider] | None = None) -> list[Figure]:
    """Every provider's figures, in the order of `PROVIDERS`."""
    figures: list[Figure] = []
    for provider in PROVIDERS if providers is None else providers:
        figures.extend(provider(db, today))
    return figures
