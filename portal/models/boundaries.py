"""Company boundaries and legal holds (issue 11 §3, §5): the recorded reason for sharing a case
beyond its company, and the reason and review date of a legal hold. Reasons are codes in
clear; anything a handler writes about them is sealed under the case's staff key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow
from portal.models.columns import state_column
from portal.states import GrantReason, LegalHoldReason


class CaseBoundaryGrant(Base):
    """A case shared with a handler outside its company and the group level: who, by whom,
    why (a code; the free text is an internal note sealed under the staff key, `note_id`)."""

    __tablename__ = "case_boundary_grants"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    grantee_id: Mapped[str] = mapped_column(String(32))
    # None when `aktsom recover` shared it (the console acted).
    granted_by: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[GrantReason] = mapped_column(state_column(GrantReason, 30))
    # The internal note holding the handler's words, if any (a Message sealed under the staff
    # key), and the message that told the reporter.
    note_id: Mapped[str | None] = mapped_column(String(32))
    reporter_message_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LegalHold(Base):
    """Why a case is held from the retention purge, and until when the hold stands unless it is
    renewed (no endless hold). `Case.legal_hold` is the flag the case list shows; the purge
    honours it only while `review_at` is ahead."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         unique=True)
    reason: Mapped[LegalHoldReason] = mapped_column(state_column(LegalHoldReason, 30))
    # The handler's words, an internal note of the case (sealed under the staff key).
    note_id: Mapped[str | None] = mapped_column(String(32))
    review_at: Mapped[datetime] = mapped_column(index=True)
    set_by: Mapped[str | None] = mapped_column(String(32))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the handlers were reminded that the review date is near (once per review date).
    reminded_at: Mapped[datetime | None]
