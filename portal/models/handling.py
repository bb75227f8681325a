"""What case handling adds beside the case: escalations to a manager, conflict-of-interest
exclusions, and the content-free statistics row that survives the retention purge."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow
from portal.models.columns import state_column
from portal.states import Channel, EscalationDecision, Outcome


class Escalation(Base):
    """A breach put before a manager ("nearest leader", seed §5), who decides the measures.

    The summary and the decision note are sealed under a key of their own (the escalation
    key), never under the case's staff key: the staff key also opens internal notes and the
    reporter's original files, and design §3 wraps it to handlers and the recovery key only.
    The escalation key is HPKE-wrapped to the manager (`manager_wrap`) and sealed under the
    staff key (`staff_sealed_key`) so the case's handlers, and the recovery key through them,
    read the same text. The decision itself is clear metadata for the supplier module.
    """

    __tablename__ = "escalations"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    manager_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)
    escalated_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None once the manager was excluded from the case: they can no longer open it.
    manager_wrap: Mapped[bytes | None] = mapped_column(LargeBinary)
    staff_sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
    # The generation of the staff key that seals `staff_sealed_key`. An exclusion gives every
    # escalation still open to its manager a new key under the new staff key.
    key_generation: Mapped[int] = mapped_column(Integer, default=0)
    sealed_summary: Mapped[bytes] = mapped_column(LargeBinary)
    # None until the manager decides.
    decision: Mapped[EscalationDecision | None] = mapped_column(
        state_column(EscalationDecision, 30))
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(32))
    sealed_decision_note: Mapped[bytes | None] = mapped_column(LargeBinary)


class CaseExclusion(Base):
    """A user left out of a case for a conflict of interest. Their key wraps are deleted; this
    row makes grants and `aktsom recover` refuse to give the case back to them."""

    __tablename__ = "case_exclusions"
    __table_args__ = (UniqueConstraint("case_id", "user_id", name="uq_case_exclusions_case_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    excluded_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseStat(Base):
    """What is left of a purged case: its routing and outcome metadata, no content, no keys,
    so the annual figures (Transparency Act §5, domain brief §3) survive the retention purge."""

    __tablename__ = "case_stats"
    # The annual figures' GROUP BY, in its order, covering every column it reads (migration
    # 0024): SQLite groups while walking the index, PostgreSQL can read the index alone.
    __table_args__ = (Index(
        "ix_case_stats_figures", "year", "unit_id", "category", "channel", "human_rights",
        "outcome", "human_rights_breach", "acknowledged_on_time", "feedback_on_time",
        "closed_without_acknowledgement", "closed_without_feedback", "reporter_named"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The year the case was received, which the annual account counts by.
    year: Mapped[int] = mapped_column(Integer)
    # No foreign key: a unit may be removed later, its figures stay.
    unit_id: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(40))
    human_rights: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[Channel] = mapped_column(state_column(Channel, 20))
    outcome: Mapped[Outcome | None] = mapped_column(state_column(Outcome, 30))
    human_rights_breach: Mapped[bool | None]
    # None when the step was never due (e.g. closed before the deadline without it).
    acknowledged_on_time: Mapped[bool | None]
    feedback_on_time: Mapped[bool | None]
    # Closed with no acknowledgement / no feedback message ever sent (issue 11 §1): counted
    # apart, never as done in time.
    closed_without_acknowledgement: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_without_feedback: Mapped[bool] = mapped_column(Boolean, default=False)
    # The supplier link, for the supplier's history in the risk model.
    supplier_id: Mapped[str | None] = mapped_column(String(32))
    # Month precision only ("YYYY-MM", issue 11 §5): an exact time next to a category and a
    # unit could point at a reporter long after the case itself is gone.
    received_month: Mapped[str] = mapped_column(String(7))
    closed_month: Mapped[str | None] = mapped_column(String(7))
    purged_month: Mapped[str] = mapped_column(String(7))
    # Whether the reporter gave their name in confidence (issue 11 §8), for the anonymous
    # share of the figures; None for rows purged before it was kept.
    reporter_named: Mapped[bool | None]
