"""Org units (the companies of the group) as the account pages and commands use them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.accounts.services import Actor
from portal.audit import record_event
from portal.messages import N_, Refusal
from portal.models import OrgUnit
from portal.serverkeys import ServerKeys
from portal.states import AuditAction
from portal.units import add_unit


def units_by_code(db: Session, codes: Iterable[str]) -> list[OrgUnit]:
    """The org units named by `codes`; raises Refusal naming the first unknown one."""
    units = []
    for code in dict.fromkeys(code.strip() for code in codes):
        unit = db.scalar(select(OrgUnit).where(OrgUnit.code == code))
        if unit is None:
            raise Refusal(N_("There is no org unit with code %(code)s."), code=code)
        units.append(unit)
    return units


def create_unit(
    db: Session, keys: ServerKeys, actor: Actor, *, code: str, name: str, country: str | None
) -> OrgUnit:
    """Make an org unit (a company of the group); the same rules as `aktsom units create`."""
    unit = add_unit(db, code=code, name=name, country=country)
    record_event(db, keys.audit, action=AuditAction.UNIT_CREATED, actor_kind=actor.kind,
                 actor_id=actor.id, target_id=unit.id)
    return unit
