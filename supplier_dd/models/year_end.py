"""The register's figures as a year ended (issue 13 §2): the register keeps only its present
state, so `aktsom suppliers year-end --year Y` stores the counts the annual account needs for
a closed year (suppliers by tier, country and country risk, large and important, Code of
Conduct coverage in all and by spend band, the large and important suppliers assessed by
level, thorough analyses). Clear
counts only: no supplier's name, number or reason."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, utcnow


class SupplierYearEnd(Base):
    __tablename__ = "supplier_year_ends"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Canonical JSON of `supplier_dd.stats.YearEndCounts`.
    figures: Mapped[str] = mapped_column(Text)
