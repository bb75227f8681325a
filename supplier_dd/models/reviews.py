"""Contract reviews (issue 12 §6, seed §6 "revise the cooperation"): a manager (the "nearest
leader") decides whether we continue with remediation, suspend or terminate.

Nothing of a case is held here: a review opened by a breach names the case by id only (for
idempotency: one review per case and supplier), never its content; the manager reads the
supplier's name and the review, and the case's handlers see only that a review exists.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow
from portal.models.columns import state_column
from portal.states import EscalationDecision


class ReviewTrigger(StrEnum):
    """Why a review was opened."""

    # A linked case's outcome was recorded substantiated with a human-rights breach.
    BREACH = "breach"
    # Action items overdue past the grace period (persistent deficiencies).
    DEFICIENCIES = "deficiencies"
    # Opened by compliance.
    BY_HAND = "by_hand"


class ReviewStatus(StrEnum):
    OPEN = "open"
    DECIDED = "decided"


class ContractReview(Base):
    __tablename__ = "contract_reviews"
    __table_args__ = (
        UniqueConstraint("supplier_id", "case_id", name="uq_contract_reviews_supplier_case"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    supplier_id: Mapped[str] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"),
                                             index=True)
    trigger: Mapped[ReviewTrigger] = mapped_column(state_column(ReviewTrigger, 20))
    # The case whose breach opened it (BREACH only): an id, never shown to the manager.
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    status: Mapped[ReviewStatus] = mapped_column(state_column(ReviewStatus, 20),
                                                 default=ReviewStatus.OPEN, index=True)
    # The manager who decides (None until assigned, or once the account is removed).
    manager_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                   index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None when opened by the system (a breach, the overdue job).
    opened_by: Mapped[str | None] = mapped_column(String(32))
    # Why compliance opened it by hand (BY_HAND); about the supplier, never about a case.
    reason: Mapped[str | None] = mapped_column(Text)
    # Responsible disengagement (OECD guidance): would leaving cause worse harm to workers?
    # Recorded by the manager before the decision.
    worse_harm: Mapped[bool | None] = mapped_column(Boolean)
    harm_assessment: Mapped[str | None] = mapped_column(Text)
    harm_assessed_at: Mapped[datetime | None]
    decision: Mapped[EscalationDecision | None] = mapped_column(
        state_column(EscalationDecision, 30))
    rationale: Mapped[str | None] = mapped_column(Text)
    # Was the supplier given notice (of suspension or termination, or of the plan)?
    notice_given: Mapped[bool | None] = mapped_column(Boolean)
    # The date the decision takes effect.
    decision_date: Mapped[date | None]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(32))
