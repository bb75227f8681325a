"""Action plans (issue 12 §5, seed §6): what we agreed with a supplier to do, by whom, by when,
and how we will know it worked.

Supplier data is business information about companies, not case content: it is kept in clear.
An item never holds a reporter's words; an item opened for a breach names the supplier only.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.db import ID, Base, new_id, utcnow
from portal.models.columns import state_column


class ActionKind(StrEnum):
    """What an item is for."""

    # A deficiency the supplier must put right (an assessment, an analysis, an audit).
    CORRECTIVE = "corrective"
    # Remediation of harm done (Transparency Act §4 f): its own type, counted apart.
    REMEDIATION = "remediation"
    # Closing a gap of the Code of Conduct checklist (issue 12 §2).
    CLOSE_GAP = "close_gap"
    # A follow-up agreed in a supplier meeting (issue 12 §8).
    MEETING_FOLLOW_UP = "meeting_follow_up"


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


# Statuses in which an item still runs (and can fall overdue).
OPEN_STATUSES: tuple[ActionStatus, ...] = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionItem(Base):
    """One item of a supplier's action plan."""

    __tablename__ = "supplier_actions"
    __table_args__ = (Index("ix_supplier_actions_status_due", "status", "due_date"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    supplier_id: Mapped[str] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[ActionKind] = mapped_column(state_column(ActionKind, 30))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Who answers for it: a staff user (None once the account is removed).
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_date: Mapped[date]
    status: Mapped[ActionStatus] = mapped_column(state_column(ActionStatus, 20),
                                                 default=ActionStatus.OPEN)
    # How we will know it worked (seed §6: "indicators for follow-up").
    indicator: Mapped[str] = mapped_column(Text, default="")
    # What the indicator showed when the item was closed.
    result: Mapped[str | None] = mapped_column(Text)
    # The checklist area a CLOSE_GAP item closes (a code of the configured checklist).
    gap_area: Mapped[str | None] = mapped_column(String(60))
    # The meeting whose follow-up it is (MEETING_FOLLOW_UP).
    meeting_id: Mapped[str | None] = mapped_column(
        ForeignKey("supplier_meetings.id", ondelete="SET NULL"))
    # The contract review this item opened once overdue past the grace period: an item opens
    # at most one (the overdue job is idempotent).
    review_id: Mapped[str | None] = mapped_column(
        ForeignKey("contract_reviews.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(32))


def overdue_actions(db: Session, supplier_id: str, today: date) -> int:
    """How many of the supplier's items still run past their due date (the risk model's
    history factor reads this)."""
    return db.scalar(select(func.count()).select_from(ActionItem).where(
        ActionItem.supplier_id == supplier_id,
        ActionItem.status.in_(OPEN_STATUSES),
        ActionItem.due_date < today)) or 0
