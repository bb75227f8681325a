"""Reading the supplier register (services take a Session and never commit)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from supplier_dd.models import Supplier


def suppliers_by_name(db: Session) -> list[Supplier]:
    """Every supplier, by name."""
    return list(db.scalars(select(Supplier).order_by(Supplier.name, Supplier.id)))


def supplier_names(db: Session) -> list[tuple[str, str]]:
    """(id, name) of every supplier, by name: the narrow read `admin` uses for pickers, so
    case handling never loads anything of a supplier beyond its name."""
    rows = db.execute(select(Supplier.id, Supplier.name).order_by(Supplier.name, Supplier.id))
    return [(row.id, row.name) for row in rows]
