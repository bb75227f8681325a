"""What a reporter is told before sending (issue 11 §2): who can read a report, how long it is
kept, and what protects them against retaliation where they work.

Every sentence is built from the rules that act on the report, so it stays true when they or
the organisation change: the readers from the routing table (`portal.cases.routing_table`, the
same answers as `route_case`, which the submission calls), the retention from
`portal.cases.retention.retention_days_for`, the protection from the company's country
(`config.jurisdictions`).
"""

from __future__ import annotations

from dataclasses import dataclass

from config import COUNTRY_NAMES, Settings
from config.jurisdictions import GROUP_COMMITMENT, protection_text
from portal.cases.retention import retention_days_for
from portal.cases.routing_table import RoutingTable
from portal.models import OrgUnit, User


@dataclass(frozen=True)
class CompanyReaders:
    """Who receives a report about one company, as the routing would send it now."""

    unit: OrgUnit
    handlers: list[User]
    # The company has no case handler who can receive it: the group's handlers read it.
    routed_to_group: bool


@dataclass(frozen=True)
class Protection:
    """A reviewed protection text (a catalogue id) and the companies it applies to."""

    country: str
    country_name: str
    text: str
    companies: list[str]


@dataclass(frozen=True)
class Disclosures:
    companies: list[CompanyReaders]
    # Who reads a report when no company is chosen, or every handler of it is left out.
    group_handlers: list[User]
    # (days, company names) for each retention period in use, longest first.
    retention: list[tuple[int, list[str]]]
    protections: list[Protection]
    commitment: str


def reporter_disclosures(table: RoutingTable, settings: Settings) -> Disclosures:
    """The facts the landing page and the report form state, for the organisation as
    `table` read it (no query of its own: flat in the number of companies, issue 15 §3)."""
    units = table.units
    companies = []
    for unit in units:
        routing = table.route(unit.id, set())
        companies.append(CompanyReaders(unit, routing.handlers, routing.routed_to_group))
    group = table.route(None, set()).handlers
    periods: dict[int, list[str]] = {}
    candidates: list[OrgUnit | None] = [*units] or [None]
    for candidate in candidates:
        periods.setdefault(retention_days_for(candidate, settings), []).append(
            candidate.name if candidate is not None else "")
    protections: dict[str, Protection] = {}
    for company in units:
        text = protection_text(company.country)
        if text is None or company.country is None:
            continue
        country = company.country.upper()
        entry = protections.setdefault(country, Protection(
            country, COUNTRY_NAMES.get(country, country), text, []))
        entry.companies.append(company.name)
    return Disclosures(
        companies=companies, group_handlers=group,
        retention=sorted(periods.items(), reverse=True),
        protections=sorted(protections.values(), key=lambda item: item.country),
        commitment=GROUP_COMMITMENT,
    )
