"""Demo data for the supplier workflow (issue 12 §11): an action plan with an overdue item and
a remediation item, a meeting with a follow-up, and a contract review before a manager.
`admin/demo.py` calls `add_supplier_workflow` after it has made the demo register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from config import Settings
from portal.models import User
from portal.serverkeys import ServerKeys
from supplier_dd.actions import NewAction, add_action, check_overdue
from supplier_dd.meetings import Minutes, add_follow_up, record_meeting
from supplier_dd.models import Supplier
from supplier_dd.models.actions import ActionKind
from supplier_dd.models.reviews import ContractReview
from supplier_dd.reviews import assign_manager


@dataclass(frozen=True)
class DemoWorkflow:
    review: ContractReview | None


def add_supplier_workflow(db: Session, keys: ServerKeys, settings: Settings, *,
                          supplier: Supplier, compliance: User, manager: User | None,
                          today: date) -> DemoWorkflow:
    """Give `supplier` a plan whose first item is overdue past the grace period, so the
    overdue job opens a contract review of it; put the review before `manager` (a certified
    manager) when one is given."""
    late = today - timedelta(days=settings.supplier_overdue_grace_days + 14)
    add_action(db, keys, supplier=supplier, actor=compliance, new=NewAction(
        kind=ActionKind.CORRECTIVE, title="Emergency exits unlocked on every floor",
        description="Found locked during the audit of the dormitory and the SMT hall.",
        owner_id=compliance.id, due_date=late,
        indicator="Unannounced visit finds every exit unlocked and marked"))
    add_action(db, keys, supplier=supplier, actor=compliance, new=NewAction(
        kind=ActionKind.REMEDIATION, title="Repay recruitment fees to migrant workers",
        description="Workers paid agencies up to two months' wages to be hired.",
        owner_id=compliance.id, due_date=today + timedelta(days=90),
        indicator="Receipts signed by each worker; interviews with worker representatives"))
    meeting = record_meeting(db, keys, supplier=supplier, actor=compliance, today=today,
                             minutes=Minutes(
                                 held_on=today - timedelta(days=20),
                                 participants="Their general manager and HR lead; our buyer "
                                              "and compliance officer",
                                 sustainability="Overtime on the SMT line above 60 hours in "
                                                "peak weeks; the grievance channel is unknown "
                                                "to most workers.",
                                 other_topics="Delivery times for Q3.",
                                 conclusions="Overtime plan and grievance training agreed.",
                                 next_meeting=today + timedelta(days=70)))
    add_follow_up(db, keys, meeting=meeting, actor=compliance, new=NewAction(
        kind=ActionKind.MEETING_FOLLOW_UP, title="Train workers on the grievance channel",
        description="", owner_id=compliance.id, due_date=today + timedelta(days=45),
        indicator="Share of workers who know the channel, in the next worker survey"))
    reviews = [review for review in check_overdue(db, keys, settings, today)
               if review.supplier_id == supplier.id]
    review = reviews[0] if reviews else None
    if review is not None and manager is not None:
        assign_manager(db, keys, review=review, manager_id=manager.id, actor=compliance)
    return DemoWorkflow(review=review)
