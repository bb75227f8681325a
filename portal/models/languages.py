"""Languages an admin switched off (issue 16 §4): a row per language whose switch was ever
changed; no row means the language is on. Who switched it is in the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, utcnow


class LanguageSwitch(Base):
    __tablename__ = "language_switches"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
