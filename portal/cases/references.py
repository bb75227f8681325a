"""Case references people can name (issue 14 §7): `<unit code>-<year>-<number>`, e.g.
`NORDIC-2026-0042`, numbered per unit and year of receipt.

The number comes from one counter row per (unit, year), made if missing with an
insert-or-nothing and then bumped with `UPDATE ... RETURNING` in the submitting transaction.
PostgreSQL holds the row lock until that transaction ends, so a concurrent submission waits
and reads the committed number; SQLite lets one writer in at a time. A unique constraint on
`cases.reference` is the backstop: a duplicate can only fail the insert, never be stored.

What the reference reveals is listed in docs/crypto.md (clear columns): the unit and year,
which the clear columns hold already, and the order of receipt within them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.models import Case, CaseReferenceCounter, OrgUnit

# The prefix of a report with no unit ("don't know"), read by the group's handlers.
NO_UNIT_PREFIX = "GROUP"
# Searching: a reference is at most this long; longer input cannot match.
MAX_QUERY = 60


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix.upper()}-{year}-{number:04d}"


def _counted_unit(db: Session, unit_id: str | None) -> tuple[str, str]:
    """(counter key, prefix): the unit's id and code. A report with no unit ("don't know")
    is the group's (its handlers read it) and is counted and named as the group's."""
    if unit_id is None:
        unit_id = db.scalar(select(OrgUnit.id).where(OrgUnit.is_group.is_(True))
                            .order_by(OrgUnit.code).limit(1))
    code = db.scalar(select(OrgUnit.code).where(OrgUnit.id == unit_id)) if unit_id else None
    return (unit_id, code) if unit_id and code else ("", NO_UNIT_PREFIX)


def allocate_reference(db: Session, unit_id: str | None, received: datetime) -> str:
    """The next reference of `unit_id` for the year of `received`, counted in this
    transaction (never commits)."""
    (unit_key, prefix), year = _counted_unit(db, unit_id), received.year
    values = {"unit_key": unit_key, "year": year, "last_number": 0}
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        db.execute(postgresql_insert(CaseReferenceCounter).values(values)
                   .on_conflict_do_nothing(index_elements=["unit_key", "year"]))
    elif dialect == "sqlite":
        db.execute(sqlite_insert(CaseReferenceCounter).values(values)
                   .on_conflict_do_nothing(index_elements=["unit_key", "year"]))
    else:  # pragma: no cover - the two supported databases are above
        raise RuntimeError(f"unsupported database {dialect}")
    number = db.execute(
        update(CaseReferenceCounter)
        .where(CaseReferenceCounter.unit_key == unit_key, CaseReferenceCounter.year == year)
        .values(last_number=CaseReferenceCounter.last_number + 1)
        .returning(CaseReferenceCounter.last_number)
    ).scalar_one()
    return format_reference(prefix, year, number)


def reference_condition(query: str) -> ColumnElement[bool] | None:
    """The case list's `q` filter: a whole reference, or a part of one (`0042`,
    `2026-0042`), case-insensitive. None when there is nothing to search for."""
    text = query.strip().upper()
    if not text or len(text) > MAX_QUERY:
        return None
    if not all(char.isalnum() or char in "-_" for char in text):
        return Case.reference == text  # nothing a reference could contain: matches nothing
    pattern = text.replace("_", "\\_")
    return or_(Case.reference == text, Case.reference.like(f"%{pattern}%", escape="\\"))

