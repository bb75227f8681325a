"""Supplier meetings (issue 12 §8, seed §6): quarterly meetings with the large and important
suppliers, sustainability a standing agenda item, minutes as structured fields; follow-ups
become action items (`ActionItem.meeting_id`)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow


class SupplierMeeting(Base):
    __tablename__ = "supplier_meetings"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    supplier_id: Mapped[str] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"),
                                             index=True)
    held_on: Mapped[date] = mapped_column(index=True)
    # Who took part (names and roles, of both sides).
    participants: Mapped[str] = mapped_column(Text, default="")
    # The standing agenda item: sustainability and human rights at the supplier.
    sustainability: Mapped[str] = mapped_column(Text, default="")
    # Everything else discussed (deliveries, quality, prices).
    other_topics: Mapped[str] = mapped_column(Text, default="")
    # What was agreed, in a sentence; each follow-up is an action item of its own.
    conclusions: Mapped[str] = mapped_column(Text, default="")
    next_meeting: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(32))
    # The quarter it counts for (1-4), derived from `held_on`; kept for the due list.
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
