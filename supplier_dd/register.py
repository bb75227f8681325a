"""The supplier register's rules (services take a Session and never commit).

One validation (`check_supplier`) serves the form and the import, so a row of a spreadsheet
and a typed form are held to the same rules; each problem names its field, so a page can show
it beside the field and an import report can name the column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from typing import Any

import pycountry
from flask_babel import gettext
from sqlalchemy import ColumnElement, delete, false, func, or_, select
from sqlalchemy.orm import Session

from config import Settings
from portal.audit import Actor, record_event
from portal.db import new_id
from portal.extensions import settings_of
from portal.models import OrgUnit
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from supplier_dd.models import (
    Supplier,
    SupplierBuyer,
    SupplierCertification,
    SupplierContact,
    SupplierProductGroup,
)
from supplier_dd.states import CertificationScheme, SupplierAction

NAME_MAX = 200
ORG_NUMBER_MAX = 40
REASON_MAX = 2000
TIERS = (1, 2, 3)


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field: an English template marked with `N_` and its values."""

    field: str
    template: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    def english(self) -> str:
        return self.template % self.params if self.params else self.template

    def translated(self) -> str:
        return str(gettext(self.template, **self.params))


@dataclass
class SupplierInput:
    """What a form or an import row says about a supplier, already split into values."""

    name: str
    country: str
    tier: int | None
    org_number: str | None = None
    sector: str | None = None
    product_groups: list[str] = dataclass_field(default_factory=list)
    is_wholesaler: bool = False
    fronts_id: str | None = None
    buyer_unit_ids: list[str] = dataclass_field(default_factory=list)
    spend_band: str | None = None
    large_by_hand: bool = False
    large_reason: str | None = None
    contract_start: date | None = None
    contract_end: date | None = None
    termination_clause: bool | None = None


def country_code(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code for an alpha-2 or alpha-3 code or an English name."""
    text = text.strip()
    if not text:
        return None
    try:
        country = pycountry.countries.lookup(text)
    except LookupError:
        return None
    return str(country.alpha_2)


def country_name(code: str) -> str:
    """The English short name of an ISO 3166-1 alpha-2 code (the code itself if unknown)."""
    country = pycountry.countries.get(alpha_2=code)
    return str(country.name) if country is not None else code


def check_supplier(db: Session, settings: Settings, data: SupplierInput,
                   supplier: Supplier | None = None) -> list[FieldProblem]:
    """Every problem with `data`, field by field; empty when it may be stored."""
    problems: list[FieldProblem] = []

    def problem(name: str, template: str, **params: Any) -> None:
        problems.append(FieldProblem(name, template, params))

    if not data.name.strip():
        problem("name", N_("Enter the supplier's name."))
    elif len(data.name.strip()) > NAME_MAX:
        problem("name", N_("At most %(max)s characters."), max=NAME_MAX)
    if data.org_number is not None and len(data.org_number) > ORG_NUMBER_MAX:
        problem("org_number", N_("At most %(max)s characters."), max=ORG_NUMBER_MAX)
    elif data.org_number:
        other = db.scalar(select(Supplier.id).where(Supplier.org_number == data.org_number))
        if other is not None and (supplier is None or other != supplier.id):
            problem("org_number", N_("Another supplier has the organisation number %(value)s."),
                    value=data.org_number)
    if pycountry.countries.get(alpha_2=data.country) is None:
        problem("country", N_("Not a country: %(value)s. Use the ISO 3166 code, e.g. NO or CN."),
                value=data.country)
    if data.tier not in TIERS:
        problem("tier", N_("The tier must be 1, 2 or 3."))
    if data.sector and data.sector not in {item.code for item in settings.supplier_sectors}:
        problem("sector", N_("Unknown sector: %(value)s."), value=data.sector)
    groups = {item.code for item in settings.product_groups}
    for code in data.product_groups:
        if code not in groups:
            problem("product_groups", N_("Unknown product group: %(value)s."), value=code)
    if data.spend_band and data.spend_band not in {band.code for band in settings.spend_bands}:
        problem("spend_band", N_("Unknown spend band: %(value)s."), value=data.spend_band)
    if data.large_by_hand and not (data.large_reason or "").strip():
        problem("large_reason",
                N_("Give the reason for marking the supplier large and important by hand."))
    elif data.large_reason and len(data.large_reason) > REASON_MAX:
        problem("large_reason", N_("At most %(max)s characters."), max=REASON_MAX)
    if data.fronts_id:
        if not data.is_wholesaler:
            problem("fronts_id", N_("Only a wholesaler fronts a producer."))
        elif (supplier is not None and data.fronts_id == supplier.id) or db.get(
                Supplier, data.fronts_id) is None:
            problem("fronts_id", N_("The producer must be another supplier in the register."))
    if data.buyer_unit_ids:
        known = set(db.scalars(select(OrgUnit.id).where(OrgUnit.id.in_(data.buyer_unit_ids))))
        for unit_id in data.buyer_unit_ids:
            if unit_id not in known:
                problem("buyer_unit_ids", N_("Unknown company: %(value)s."), value=unit_id)
    if data.contract_start and data.contract_end and data.contract_end < data.contract_start:
        problem("contract_end", N_("The contract ends before it starts."))
    return problems


def apply_supplier(db: Session, supplier: Supplier, data: SupplierInput) -> None:
    """Write checked `data` onto `supplier`, its product groups and its buyers."""
    supplier.name = data.name.strip()
    supplier.org_number = data.org_number or None
    supplier.country = data.country
    supplier.tier = data.tier or 1
    supplier.sector = data.sector or None
    supplier.is_wholesaler = data.is_wholesaler
    supplier.fronts_id = data.fronts_id if data.is_wholesaler else None
    supplier.spend_band = data.spend_band or None
    supplier.large_by_hand = data.large_by_hand
    supplier.large_reason = (data.large_reason or "").strip() or None
    supplier.contract_start = data.contract_start
    supplier.contract_end = data.contract_end
    supplier.termination_clause = data.termination_clause
    if supplier.id is None:
        supplier.id = new_id()
        db.add(supplier)
    db.flush()
    db.execute(delete(SupplierProductGroup).where(SupplierProductGroup.supplier_id == supplier.id))
    db.execute(delete(SupplierBuyer).where(SupplierBuyer.supplier_id == supplier.id))
    for code in dict.fromkeys(data.product_groups):
        db.add(SupplierProductGroup(supplier_id=supplier.id, group_code=code))
    for unit_id in dict.fromkeys(data.buyer_unit_ids):
        db.add(SupplierBuyer(supplier_id=supplier.id, unit_id=unit_id))
    db.flush()


class SupplierInvalid(Refusal):
    """The supplier was not stored; `problems` says why, field by field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__(N_("The supplier was not saved: correct the fields marked."))


def save_supplier(db: Session, settings: Settings, keys: ServerKeys, actor: Actor,
                  data: SupplierInput, supplier: Supplier | None = None) -> Supplier:
    """Add a supplier (`supplier` None) or change one, and audit it (its id only)."""
    problems = check_supplier(db, settings, data, supplier)
    if problems:
        raise SupplierInvalid(problems)
    created = supplier is None
    target = supplier if supplier is not None else Supplier()
    apply_supplier(db, target, data)
    record_event(db, keys.audit,
                 action=SupplierAction.SUPPLIER_CREATED if created
                 else SupplierAction.SUPPLIER_UPDATED,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=target.id)
    return target


# --- large and important --------------------------------------------------------------------

def is_large_and_important(supplier: Supplier, settings: Settings | None = None) -> bool:
    """The configured rule on spend (`large_spend_bands`) or the manual flag (with a reason).
    Without `settings`, the current app's are used."""
    settings = settings if settings is not None else settings_of()
    return supplier.large_by_hand or supplier.spend_band in settings.large_spend_bands


def large_and_important_condition(settings: Settings) -> ColumnElement[bool]:
    """`is_large_and_important` as a SQL condition, for counts and filters."""
    bands = list(settings.large_spend_bands)
    by_spend = Supplier.spend_band.in_(bands) if bands else false()
    return or_(Supplier.large_by_hand.is_(True), by_spend)


# --- reading ----------------------------------------------------------------------------------

def suppliers_by_name(db: Session) -> list[Supplier]:
    """Every supplier, by name."""
    return list(db.scalars(select(Supplier).order_by(Supplier.name, Supplier.id)))


def supplier_names(db: Session) -> list[tuple[str, str]]:
    """(id, name) of every supplier, by name: the narrow read `admin` uses for pickers, so
    case handling never loads anything of a supplier beyond its name."""
    rows = db.execute(select(Supplier.id, Supplier.name).order_by(Supplier.name, Supplier.id))
    return [(row.id, row.name) for row in rows]


@dataclass(frozen=True)
class RegisterFilter:
    tier: int | None = None
    country: str | None = None
    large: bool = False


LIST_LIMIT = 500


def filtered_suppliers(db: Session, settings: Settings, filters: RegisterFilter,
                       limit: int = LIST_LIMIT) -> tuple[list[Supplier], int]:
    """The register narrowed by tier, country and "large and important", by name: the first
    `limit` suppliers and how many match in all (the page says when it shows fewer)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.tier is not None:
        conditions.append(Supplier.tier == filters.tier)
    if filters.country:
        conditions.append(Supplier.country == filters.country)
    if filters.large:
        conditions.append(large_and_important_condition(settings))
    rows = list(db.scalars(select(Supplier).where(*conditions)
                           .order_by(Supplier.name, Supplier.id).limit(limit)))
    total = len(rows) if len(rows) < limit else db.scalar(
        select(func.count()).select_from(Supplier).where(*conditions)) or 0
    return rows, total


def product_group_codes(db: Session, supplier: Supplier) -> list[str]:
    return list(db.scalars(select(SupplierProductGroup.group_code)
                           .where(SupplierProductGroup.supplier_id == supplier.id)
                           .order_by(SupplierProductGroup.group_code)))


def buyer_units(db: Session, supplier: Supplier) -> list[OrgUnit]:
    return list(db.scalars(select(OrgUnit).join(SupplierBuyer, SupplierBuyer.unit_id == OrgUnit.id)
                           .where(SupplierBuyer.supplier_id == supplier.id)
                           .order_by(OrgUnit.code)))


def contacts_of(db: Session, supplier: Supplier) -> list[SupplierContact]:
    return list(db.scalars(select(SupplierContact)
                           .where(SupplierContact.supplier_id == supplier.id)
                           .order_by(SupplierContact.name, SupplierContact.id)))


def certifications_of(db: Session, supplier: Supplier) -> list[SupplierCertification]:
    return list(db.scalars(select(SupplierCertification)
                           .where(SupplierCertification.supplier_id == supplier.id)
                           .order_by(SupplierCertification.expires_on,
                                     SupplierCertification.id)))


def valid_certifications(db: Session, supplier: Supplier, on: date) -> list[SupplierCertification]:
    """The supplier's certificates still valid on `on` (expiry day included): an expired
    certificate counts for nothing (domain §2)."""
    return list(db.scalars(select(SupplierCertification)
                           .where(SupplierCertification.supplier_id == supplier.id,
                                  SupplierCertification.expires_on >= on)
                           .order_by(SupplierCertification.scheme,
                                     SupplierCertification.expires_on)))


# --- contacts and certifications ---------------------------------------------------------------

def add_contact(db: Session, keys: ServerKeys, actor: Actor, supplier: Supplier, *, name: str,
                role: str | None, email: str | None, phone: str | None) -> SupplierContact:
    """Add a business contact at the supplier."""
    if not name.strip():
        raise Refusal(N_("Enter the contact's name."))
    contact = SupplierContact(id=new_id(), supplier_id=supplier.id, name=name.strip()[:200],
                              role=(role or "").strip()[:200] or None,
                              email=(email or "").strip()[:254] or None,
                              phone=(phone or "").strip()[:40] or None)
    db.add(contact)
    db.flush()
    record_event(db, keys.audit, action=SupplierAction.SUPPLIER_CONTACTS_CHANGED,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=supplier.id)
    return contact


def remove_contact(db: Session, keys: ServerKeys, actor: Actor, supplier: Supplier,
                   contact_id: str) -> None:
    """Remove one contact of `supplier` (a contact of another supplier is not found)."""
    contact = db.get(SupplierContact, contact_id)
    if contact is None or contact.supplier_id != supplier.id:
        raise Refusal(N_("That contact is not in the register."))
    db.delete(contact)
    record_event(db, keys.audit, action=SupplierAction.SUPPLIER_CONTACTS_CHANGED,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=supplier.id)


def add_certification(db: Session, keys: ServerKeys, actor: Actor, supplier: Supplier, *,
                      scheme: str, expires_on: date | None,
                      reference: str | None) -> SupplierCertification:
    """Record a certificate the supplier holds, with its expiry date."""
    if scheme not in {item.value for item in CertificationScheme}:
        raise Refusal(N_("Unknown certification: %(value)s."), value=scheme)
    if expires_on is None:
        raise Refusal(N_("Enter the date the certificate expires."))
    certification = SupplierCertification(
        id=new_id(), supplier_id=supplier.id, scheme=scheme, expires_on=expires_on,
        reference=(reference or "").strip()[:100] or None)
    db.add(certification)
    db.flush()
    record_event(db, keys.audit, action=SupplierAction.SUPPLIER_CERTIFICATIONS_CHANGED,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=supplier.id)
    return certification


def remove_certification(db: Session, keys: ServerKeys, actor: Actor, supplier: Supplier,
                         certification_id: str) -> None:
    """Remove one certificate of `supplier`."""
    certification = db.get(SupplierCertification, certification_id)
    if certification is None or certification.supplier_id != supplier.id:
        raise Refusal(N_("That certificate is not in the register."))
    db.delete(certification)
    record_event(db, keys.audit, action=SupplierAction.SUPPLIER_CERTIFICATIONS_CHANGED,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=supplier.id)


def replace_certifications(db: Session, supplier: Supplier,
                           certificates: Iterable[tuple[str, date]]) -> None:
    """Set the supplier's certificates to exactly `certificates` (scheme, expiry): the import
    makes the register say what the file says."""
    db.execute(delete(SupplierCertification)
               .where(SupplierCertification.supplier_id == supplier.id))
    for scheme, expires_on in certificates:
        db.add(SupplierCertification(id=new_id(), supplier_id=supplier.id, scheme=scheme,
                                     expires_on=expires_on))


def labelled(items: Sequence[Any], code: str | None) -> str:
    """The translated label of `code` in a configured list (the code itself if not there)."""
    for item in items:
        if item.code == code:
            return str(gettext(item.label))
    return code or ""
