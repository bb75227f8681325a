"""The reporting routines of each company (AML §2A-6): every adopted version is kept."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow


class RoutineVersion(Base):
    """One version of a company's routines for reporting, as adopted in cooperation with the
    employees and their elected representatives. Public text, so clear: nothing here is about
    a case or a reporter. The newest by `adopted_on` (then `recorded_at`) is in force."""

    __tablename__ = "routine_versions"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    unit_id: Mapped[str] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"))
    version_label: Mapped[str] = mapped_column(String(40))
    adopted_on: Mapped[date] = mapped_column(Date)
    # Whom the routines were drawn up with, e.g. "the employee representatives and the
    # safety representative" (AML §2A-6(1)).
    adopted_with: Mapped[str] = mapped_column(String(300))
    # The company's own text; None means the default text built from the settings.
    body: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_routine_versions_unit", RoutineVersion.unit_id, RoutineVersion.adopted_on)
