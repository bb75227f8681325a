"""Org-unit rules shared by `aktsom units create` and the staff pages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.db import new_id
from portal.messages import N_, Refusal
from portal.models import OrgUnit


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
