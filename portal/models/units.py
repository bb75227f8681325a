"""Org units: the companies of the group. Handlers, cases and retention hang off a unit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow


class OrgUnit(Base):
    __tablename__ = "org_units"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # ISO 3166-1 alpha-2: drives the external-reporting page and the retention default.
    country: Mapped[str | None] = mapped_column(String(2))
    # Days after closing before content is purged; None means the organisation's default.
    # Never above the maximum of the unit's country (config `retention_max_days`).
    retention_days: Mapped[int | None]
    # The shorter period for cases closed as unfounded (issue 11 §5); None: the default.
    unfounded_retention_days: Mapped[int | None]
    # The group level: its handlers receive reports for "don't know" and reports whose
    # reporter excluded every handler of the company concerned.
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)
    # The languages offered first on this company's pages (issue 16 §5), space-separated codes
    # of config/languages.py in order; None: no preference (the browser's comes first).
    languages: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
