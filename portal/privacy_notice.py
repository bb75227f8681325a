"""What the privacy notice (GDPR Art. 13 and 14) says for one company: built from the
configuration (`Settings.privacy`, config/privacy.py) and the unit's own fields, so the page,
the report form's link and the DPO's record (`aktsom privacy-record`) read the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import COUNTRY_NAMES, Settings
from config.privacy import Controller, Processor, SupervisoryAuthority
from portal.cases.retention import retention_days_for
from portal.models import OrgUnit


@dataclass(frozen=True)
class PrivacyNotice:
    """The facts of one company's notice (or the organisation's, when none is chosen)."""

    company: str | None
    country: str | None
    controller: Controller
    # The national provisions, and whether it is a catalogue default (translated when shown).
    legal_basis: str
    legal_basis_translated: bool
    retention_days: int
    # The authority of the company's country; when unknown, every configured one is listed.
    supervisory_authority: SupervisoryAuthority | None
    supervisory_authorities: tuple[tuple[str, SupervisoryAuthority], ...]
    processors: tuple[Processor, ...]
    transfers: str


def public_units(db: Session) -> list[OrgUnit]:
    """The companies a reporter can choose (the group level is not one of them)."""
    return list(db.scalars(select(OrgUnit).where(OrgUnit.is_group.is_(False))
                           .order_by(OrgUnit.name)))


def unit_by_code(db: Session, code: str) -> OrgUnit | None:
    """A company by its public code; None for the group level or an unknown code."""
    unit = db.scalar(select(OrgUnit).where(OrgUnit.code == code[:40]))
    return None if unit is None or unit.is_group else unit


def privacy_notice(db: Session, settings: Settings, unit: OrgUnit | None) -> PrivacyNotice:
    """The notice for `unit`'s reports, or for reports with no company chosen (which go to
    the group level)."""
    privacy = settings.privacy
    country = unit.country.upper() if unit is not None and unit.country else None
    legal_basis, translated = privacy.legal_basis(country)
    authority = privacy.supervisory_authority(country)
    return PrivacyNotice(
        company=unit.name if unit is not None else None,
        country=country,
        controller=privacy.controller_for(unit.code if unit is not None else None,
                                          settings.organisation_name),
        legal_basis=legal_basis,
        legal_basis_translated=translated,
        retention_days=retention_days_for(unit, settings),
        supervisory_authority=authority,
        supervisory_authorities=tuple(
            (COUNTRY_NAMES.get(code, code), item)
            for code, item in sorted(privacy.supervisory_authorities.items())),
        processors=privacy.processors,
        transfers=privacy.transfers,
    )
