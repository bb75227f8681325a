"""Counts of the supplier workflow (action plans, contract reviews, meetings), from clear
metadata only: for the supplier dashboard (`dashboard_figures`) and the annual account
(`annual_workflow_counts`, Transparency Act §5: measures taken and their results)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from portal.states import EscalationDecision
from supplier_dd.meetings import meetings_due_count
from supplier_dd.models.actions import OPEN_STATUSES, ActionItem, ActionKind, ActionStatus
from supplier_dd.models.meetings import SupplierMeeting
from supplier_dd.models.reviews import ContractReview, ReviewTrigger
from supplier_dd.reviews import open_review_count


@dataclass(frozen=True)
class WorkflowFigures:
    overdue_actions: int
    open_reviews: int
    meetings_due: int


def dashboard_figures(db: Session, today: date) -> WorkflowFigures:
    """Running items past their due date, open contract reviews, and large and important
    suppliers not met yet this quarter."""
    overdue = db.scalar(select(func.count()).select_from(ActionItem).where(
        ActionItem.status.in_(OPEN_STATUSES), ActionItem.due_date < today)) or 0
    return WorkflowFigures(overdue_actions=overdue, open_reviews=open_review_count(db),
                           meetings_due=meetings_due_count(db, today))


@dataclass(frozen=True)
class WorkflowYear:
    """One calendar year of the workflow."""

    actions_opened: int
    remediation_opened: int
    actions_closed: int
    # Items still running at the end of the year (or today, for the running year) past due.
    actions_overdue: int
    reviews_opened: dict[ReviewTrigger, int]
    decisions: dict[EscalationDecision, int]
    meetings_held: int


def _bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def annual_workflow_counts(db: Session, year: int, today: date) -> WorkflowYear:
    start, end = _bounds(year)
    in_year = (ActionItem.created_at >= start, ActionItem.created_at < end)
    opened = db.scalar(select(func.count()).select_from(ActionItem).where(*in_year)) or 0
    remediation = db.scalar(select(func.count()).select_from(ActionItem).where(
        *in_year, ActionItem.kind == ActionKind.REMEDIATION)) or 0
    closed = db.scalar(select(func.count()).select_from(ActionItem).where(
        ActionItem.status == ActionStatus.DONE, ActionItem.closed_at >= start,
        ActionItem.closed_at < end)) or 0
    # As the year ended: created before its end, due within or before it, and not done
    # (or done only after it ended).
    cutoff = min(date(year, 12, 31), today)
    overdue = db.scalar(select(func.count()).select_from(ActionItem).where(
        ActionItem.created_at < end, ActionItem.due_date < cutoff,
        or_(ActionItem.closed_at.is_(None), ActionItem.closed_at >= end))) or 0
    reviews = dict.fromkeys(ReviewTrigger, 0)
    for trigger, count in db.execute(
            select(ContractReview.trigger, func.count()).where(
                ContractReview.opened_at >= start, ContractReview.opened_at < end)
            .group_by(ContractReview.trigger)):
        reviews[ReviewTrigger(trigger)] = count
    decisions = dict.fromkeys(EscalationDecision, 0)
    for decision, count in db.execute(
            select(ContractReview.decision, func.count()).where(
                ContractReview.decided_at >= start, ContractReview.decided_at < end,
                ContractReview.decision.is_not(None)).group_by(ContractReview.decision)):
        if decision is not None:
            decisions[EscalationDecision(decision)] = count
    meetings = db.scalar(select(func.count()).select_from(SupplierMeeting).where(
        SupplierMeeting.year == year)) or 0
    return WorkflowYear(actions_opened=opened, remediation_opened=remediation,
                        actions_closed=closed, actions_overdue=overdue,
                        reviews_opened=reviews, decisions=decisions, meetings_held=meetings)
