"""A link from a case to an earlier case it is about: a report of retaliation for an earlier
report (issue 11 §7(c)). Ids only, no content."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow


class CaseLink(Base):
    __tablename__ = "case_links"
    __table_args__ = (
        UniqueConstraint("case_id", "earlier_case_id", name="uq_case_links_case_earlier"),
        CheckConstraint("case_id <> earlier_case_id", name="not_itself"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    # The report of retaliation.
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # The earlier report it is about.
    earlier_case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                                 index=True)
    linked_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
