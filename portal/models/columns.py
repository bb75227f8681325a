"""Columns that hold a named state (portal.states)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


def state_column(states: type[StrEnum], length: int) -> Enum:
    """A VARCHAR(`length`) holding the member's value, read back as the member.

    The value, not the name (SQLAlchemy's default): the columns held these strings before the
    enums existed. No CHECK constraint and no native type, so the schema is the plain VARCHAR
    of the first migration. Unknown strings still bind, so a filter from a query string
    matches nothing instead of failing.
    """
    return Enum(states, native_enum=False, length=length, validate_strings=False,
                values_callable=lambda members: [member.value for member in members])
