"""Case → supplier links (issue 12 §7): match the free supplier references cases still hold
(from before the register, or typed before the supplier was imported) against the register.

The same rule as revision 0010, for a register filled after the migration ran: a reference
equal to a supplier's organisation number (ignoring case) becomes that supplier's id; a
reference that already names a supplier, or matches none, is left as it is (the case page
shows the latter as unmatched). The statistics rows that survive the purge are matched alike.
Metadata only: no case is opened.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.models import Case, CaseStat
from supplier_dd.models import Supplier


def match_case_references(db: Session) -> int:
    """Relink what matches; returns how many cases were relinked."""
    numbers = {number.upper(): supplier_id for supplier_id, number in db.execute(
        select(Supplier.id, Supplier.org_number).where(Supplier.org_number.is_not(None)))
        if number is not None}
    known = set(db.scalars(select(Supplier.id)))
    relinked = 0
    for model in (Case, CaseStat):
        references = {reference for reference in db.scalars(
            select(model.supplier_id).where(model.supplier_id.is_not(None)).distinct())
            if reference is not None}
        for reference in sorted(references - known):
            supplier_id = numbers.get(reference.upper())
            if supplier_id is None:
                continue
            result = db.execute(update(model).where(model.supplier_id == reference)
                                .values(supplier_id=supplier_id)
                                .execution_options(synchronize_session=False))
            if model is Case:
                relinked += result.rowcount  # type: ignore[attr-defined]
    return relinked


def unmatched_reference_count(db: Session) -> int:
    """Cases whose supplier reference names no supplier of the register."""
    return db.scalar(select(func.count()).select_from(Case).where(
        Case.supplier_id.is_not(None),
        Case.supplier_id.not_in(select(Supplier.id)))) or 0
