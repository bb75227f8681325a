"""Org units (the companies of the group, and the group level): the one home of their rules,
for `aktsom units ...`, `aktsom users create --unit` and the staff pages."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import Actor, record_event
from portal.db import new_id
from portal.models import OrgUnit
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import AuditAction


def add_unit(db: Session, *, code: str, name: str, country: str | None = None,
             is_group: bool = False) -> OrgUnit:
    """Check the rules and add an org unit (a company of the group, or the group level)."""
    code, name, country = code.strip(), name.strip(), (country or "").strip().upper() or None
    if not code or not name:
        raise Refusal(N_("Enter a code and a name."))
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise Refusal(N_("The country must be a two-letter ISO code such as NO or SE."))
    if db.scalar(select(OrgUnit.id).where(OrgUnit.code == code)) is not None:
        raise Refusal(N_("An org unit with code %(code)s already exists."), code=code)
    unit = OrgUnit(id=new_id(), code=code, name=name, country=country, is_group=is_group)
    db.add(unit)
    db.flush()
    return unit


def create_unit(db: Session, keys: ServerKeys, actor: Actor, *, code: str, name: str,
                country: str | None = None, is_group: bool = False) -> OrgUnit:
    """Add an org unit by the rules of `add_unit` and audit who made it."""
    unit = add_unit(db, code=code, name=name, country=country, is_group=is_group)
    record_event(db, keys.audit, action=AuditAction.UNIT_CREATED, actor_kind=actor.kind,
                 actor_id=actor.id, target_id=unit.id)
    return unit


def units_by_code(db: Session, codes: Iterable[str]) -> list[OrgUnit]:
    """The org units named by `codes`; raises Refusal naming the first unknown one."""
    units = []
    for code in dict.fromkeys(code.strip() for code in codes):
        unit = db.scalar(select(OrgUnit).where(OrgUnit.code == code))
        if unit is None:
            raise Refusal(N_("There is no org unit with code %(code)s."), code=code)
        units.append(unit)
    return units
