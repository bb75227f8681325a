"""Contract reviews (issue 12 §6): "revise the cooperation" with a supplier.

Opened (a) by a substantiated human-rights breach in a linked case (`supplier_dd.signals_in`
receives `portal.signals.breach_substantiated`), (b) by action items overdue past the grace
period (`supplier_dd.actions.check_overdue`), (c) by compliance. A manager (the "nearest
leader", seed §6.2) first records whether leaving would cause worse harm to workers
(responsible disengagement, OECD guidance; CSDDD Art. 10-11), then decides: continue with
remediation, suspend, or terminate, with a rationale, whether notice was given, and the date.

Nothing of a case is read or shown here: a breach review holds the case id only, to open one
review per case; the manager sees the review and the supplier's name, the case's handlers see
only that a review exists (`review_state`). Managers must hold a certified manager role
(`portal.cases.keys.is_certified`), so a role row written into the database grants nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.audit import record_event
from portal.cases.escalations import escalations_for_supplier, managers
from portal.db import utcnow
from portal.key_directory import is_certified
from portal.models import Role, User
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, EscalationDecision
from supplier_dd.models import Supplier
from supplier_dd.models.reviews import ContractReview, ReviewStatus, ReviewTrigger
from supplier_dd.states import SupplierAction

TEXT_MAX = 4000


def _text(value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > TEXT_MAX:
        raise Refusal(N_("A text is at most %(limit)d characters long."), limit=TEXT_MAX)
    return value


def _certified_manager(db: Session, keys: ServerKeys, user_id: str | None) -> User | None:
    user = db.get(User, user_id) if user_id else None
    if user is None or user.disabled or not is_certified(keys, user, Role.MANAGER):
        return None
    return user


def _nearest_leader(db: Session, keys: ServerKeys, supplier_id: str,
                    case_id: str | None) -> str | None:
    """The manager the case's breach was escalated to (the newest escalation), if they are
    still a certified manager: the "nearest leader" who decides the measures."""
    if case_id is None:
        return None
    for record in reversed(escalations_for_supplier(db, supplier_id)):
        if record.case_id == case_id and _certified_manager(db, keys, record.manager_id):
            return record.manager_id
    return None


def open_review(db: Session, keys: ServerKeys, *, supplier_id: str, trigger: ReviewTrigger,
                case_id: str | None = None, actor: User | None = None,
                reason: str | None = None,
                now: datetime | None = None) -> tuple[ContractReview, bool]:
    """Open a review, or return the one that already covers it (a breach: the review of that
    case; deficiencies: any open review of the supplier). Returns (review, newly opened).
    By hand, a reason is needed and a second open review is refused."""
    if db.get(Supplier, supplier_id) is None:
        raise Refusal(N_("There is no such supplier in the register."))
    if trigger == ReviewTrigger.BREACH:
        existing = db.scalar(select(ContractReview).where(
            ContractReview.supplier_id == supplier_id, ContractReview.case_id == case_id))
    else:
        existing = db.scalar(select(ContractReview).where(
            ContractReview.supplier_id == supplier_id,
            ContractReview.status == ReviewStatus.OPEN).order_by(ContractReview.opened_at))
    if existing is not None:
        if trigger == ReviewTrigger.BY_HAND:
            raise Refusal(N_("A contract review of this supplier is already open."))
        return existing, False
    text = _text(reason)
    if trigger == ReviewTrigger.BY_HAND and not text:
        raise Refusal(N_("Say why the cooperation is to be reviewed."))
    now = now or utcnow()
    review = ContractReview(
        supplier_id=supplier_id, trigger=trigger,
        case_id=case_id if trigger == ReviewTrigger.BREACH else None,
        status=ReviewStatus.OPEN, opened_at=now, opened_by=actor.id if actor else None,
        reason=text or None, manager_id=_nearest_leader(db, keys, supplier_id, case_id))
    db.add(review)
    db.flush()
    record_event(db, keys.audit, action=SupplierAction.REVIEW_OPENED,
                 actor_kind=ActorKind.USER if actor else ActorKind.SYSTEM,
                 actor_id=actor.id if actor else None, case_id=review.case_id,
                 target_id=review.id, at=now)
    return review, True


def assign_manager(db: Session, keys: ServerKeys, *, review: ContractReview, manager_id: str,
                   actor: User, now: datetime | None = None) -> None:
    """Put an open review before a manager (compliance)."""
    if review.status != ReviewStatus.OPEN:
        raise Refusal(N_("This contract review has been decided."))
    if manager_id not in {user.id for user in managers(db, keys)}:
        raise Refusal(N_("Choose a manager from the list."))
    review.manager_id = manager_id
    record_event(db, keys.audit, action=SupplierAction.REVIEW_ASSIGNED,
                 actor_kind=ActorKind.USER, actor_id=actor.id, target_id=review.id, at=now)


def _deciding_manager(db: Session, keys: ServerKeys, review: ContractReview,
                      user: User) -> None:
    if review.manager_id != user.id or _certified_manager(db, keys, user.id) is None:
        raise Refusal(N_("This contract review is not yours to decide."))
    if review.status != ReviewStatus.OPEN:
        raise Refusal(N_("This contract review has been decided."))


def record_harm_assessment(db: Session, keys: ServerKeys, *, review: ContractReview,
                           manager: User, worse_harm: bool | None, assessment: str,
                           now: datetime | None = None) -> None:
    """Responsible disengagement: would leaving the supplier cause worse harm to its workers
    (lost jobs, lost wages, no one left to press for remediation)? Recorded before deciding."""
    _deciding_manager(db, keys, review, manager)
    text = _text(assessment)
    if worse_harm is None or not text:
        raise Refusal(N_("Say whether leaving would cause worse harm to workers, and why."))
    now = now or utcnow()
    review.worse_harm, review.harm_assessment, review.harm_assessed_at = worse_harm, text, now
    record_event(db, keys.audit, action=SupplierAction.REVIEW_HARM_RECORDED,
                 actor_kind=ActorKind.USER, actor_id=manager.id, target_id=review.id, at=now)


@dataclass(frozen=True)
class Decision:
    decision: str
    rationale: str
    notice_given: bool | None
    decision_date: date | None


def decide(db: Session, keys: ServerKeys, *, review: ContractReview, manager: User,
           decision: Decision, now: datetime | None = None) -> None:
    """The manager's decision: continue with remediation, suspend or terminate."""
    _deciding_manager(db, keys, review, manager)
    if review.worse_harm is None:
        raise Refusal(N_("First record whether leaving would cause worse harm to workers."))
    if decision.decision not in set(EscalationDecision):
        raise Refusal(N_("Choose a decision from the list."))
    rationale = _text(decision.rationale)
    if not rationale:
        raise Refusal(N_("Give the reasons for the decision."))
    if decision.notice_given is None or decision.decision_date is None:
        raise Refusal(N_("Say whether notice was given, and from which date the decision "
                         "applies."))
    now = now or utcnow()
    review.decision = EscalationDecision(decision.decision)
    review.rationale = rationale
    review.notice_given = decision.notice_given
    review.decision_date = decision.decision_date
    review.decided_at, review.decided_by = now, manager.id
    review.status = ReviewStatus.DECIDED
    record_event(db, keys.audit, action=SupplierAction.REVIEW_DECIDED, actor_kind=ActorKind.USER,
                 actor_id=manager.id, target_id=review.id, at=now)


def reviews_for(db: Session, user: User) -> list[ContractReview]:
    """Compliance sees every review; a manager those put before them. Open ones first."""
    query = select(ContractReview).order_by(ContractReview.status != ReviewStatus.OPEN,
                                            ContractReview.opened_at.desc(), ContractReview.id)
    if not user.has_role(Role.COMPLIANCE):
        query = query.where(ContractReview.manager_id == user.id)
    return list(db.scalars(query))


def may_read(user: User, review: ContractReview) -> bool:
    return user.has_role(Role.COMPLIANCE) or (
        user.has_role(Role.MANAGER) and review.manager_id == user.id)


def review_state(db: Session, supplier_id: str | None) -> ReviewStatus | None:
    """What the handler of a linked case is shown: whether a review of the supplier is open
    (or, if none is, decided); None when there is none. Never its content."""
    if supplier_id is None:
        return None
    states = set(db.scalars(select(ContractReview.status).where(
        ContractReview.supplier_id == supplier_id).distinct()))
    if ReviewStatus.OPEN in states:
        return ReviewStatus.OPEN
    return ReviewStatus.DECIDED if states else None


def open_review_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(ContractReview).where(
        ContractReview.status == ReviewStatus.OPEN)) or 0
