"""Action plans (issue 12 §5): adding and following up items, and the overdue job that opens a
contract review once an item is overdue past the grace period (persistent deficiencies, seed
§6: "if deficiencies persist without satisfactory measures, the cooperation is revised").

Services take a Session and never commit; every change is audited (ids only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from portal.audit import record_event
from portal.db import utcnow
from portal.models import User
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import ActorKind
from supplier_dd.models import Supplier
from supplier_dd.models.actions import OPEN_STATUSES, ActionItem, ActionKind, ActionStatus
from supplier_dd.models.reviews import ContractReview, ReviewTrigger
from supplier_dd.reviews import open_review
from supplier_dd.states import SupplierAction

TITLE_MAX = 200
TEXT_MAX = 4000
CLOSED_STATUSES = (ActionStatus.DONE, ActionStatus.CANCELLED)


@dataclass(frozen=True)
class NewAction:
    """What compliance fills in for a new item."""

    kind: str
    title: str
    description: str
    owner_id: str | None
    due_date: date | None
    indicator: str


def _text(value: str, limit: int = TEXT_MAX) -> str:
    value = value.strip()
    if len(value) > limit:
        raise Refusal(N_("A text is at most %(limit)d characters long."), limit=limit)
    return value


def owners(db: Session) -> list[tuple[str, str]]:
    """(id, name) of the enabled staff users an item can be given to, by name."""
    rows = db.execute(select(User.id, User.name).where(User.disabled.is_(False))
                      .order_by(User.name, User.id))
    return [(row.id, row.name) for row in rows]


def add_action(db: Session, keys: ServerKeys, *, supplier: Supplier, new: NewAction,
               actor: User, meeting_id: str | None = None, gap_area: str | None = None,
               now: datetime | None = None) -> ActionItem:
    """Add an item to the supplier's plan."""
    if new.kind not in set(ActionKind):
        raise Refusal(N_("Choose the kind of action from the list."))
    title = _text(new.title, TITLE_MAX)
    if not title:
        raise Refusal(N_("Give the action a title."))
    if new.due_date is None:
        raise Refusal(N_("Give the action a due date."))
    indicator = _text(new.indicator)
    if not indicator:
        raise Refusal(N_("Say how we will know the action worked (the indicator)."))
    if new.owner_id is not None and new.owner_id not in dict(owners(db)):
        raise Refusal(N_("Choose the owner from the list."))
    now = now or utcnow()
    item = ActionItem(supplier_id=supplier.id, kind=ActionKind(new.kind), title=title,
                      description=_text(new.description), owner_id=new.owner_id,
                      due_date=new.due_date, indicator=indicator, status=ActionStatus.OPEN,
                      meeting_id=meeting_id, gap_area=gap_area, created_at=now,
                      created_by=actor.id)
    db.add(item)
    db.flush()
    record_event(db, keys.audit, action=SupplierAction.ACTION_ADDED, actor_kind=ActorKind.USER,
                 actor_id=actor.id, target_id=item.id, at=now)
    return item


def update_action(db: Session, keys: ServerKeys, *, item: ActionItem, actor: User,
                  status: str, result: str, due_date: date | None = None,
                  now: datetime | None = None) -> None:
    """Move an item on. Closing it (done or cancelled) needs what the indicator showed, or
    why it was cancelled; reopening clears the closing date."""
    if status not in set(ActionStatus):
        raise Refusal(N_("Choose a status from the list."))
    new_status = ActionStatus(status)
    result = _text(result)
    closing = new_status in CLOSED_STATUSES
    if closing and not result:
        raise Refusal(N_("Say what the indicator showed, or why the action was cancelled."))
    now = now or utcnow()
    if closing and item.status not in CLOSED_STATUSES:
        item.closed_at, item.closed_by = now, actor.id
    elif not closing:
        item.closed_at = item.closed_by = None
    item.status = new_status
    item.result = result or item.result
    if due_date is not None:
        item.due_date = due_date
    record_event(db, keys.audit, action=SupplierAction.ACTION_UPDATED,
                 actor_kind=ActorKind.USER, actor_id=actor.id, target_id=item.id, at=now)


def actions_of(db: Session, supplier_id: str) -> list[ActionItem]:
    """The supplier's plan: running items by due date first, then closed ones."""
    return list(db.scalars(select(ActionItem).where(ActionItem.supplier_id == supplier_id)
                           .order_by(ActionItem.status.in_(CLOSED_STATUSES),
                                     ActionItem.due_date, ActionItem.id)))


def is_overdue(item: ActionItem, today: date) -> bool:
    return item.status in OPEN_STATUSES and item.due_date < today


def check_overdue(db: Session, keys: ServerKeys, settings: Settings,
                  today: date, now: datetime | None = None) -> list[ContractReview]:
    """Open a contract review for every supplier with an item overdue by more than the grace
    period (AKTSOM_SUPPLIER_OVERDUE_GRACE_DAYS) that has not opened one yet; an open review of
    the supplier takes the item instead of a second review. Idempotent: each item opens (or
    joins) at most one review, so a second run changes nothing. Returns the reviews opened."""
    limit = today - timedelta(days=settings.supplier_overdue_grace_days)
    items = db.scalars(select(ActionItem).where(
        ActionItem.status.in_(OPEN_STATUSES), ActionItem.due_date < limit,
        ActionItem.review_id.is_(None)).order_by(ActionItem.supplier_id, ActionItem.due_date))
    opened: list[ContractReview] = []
    for item in items:
        review, created = open_review(db, keys, supplier_id=item.supplier_id,
                                      trigger=ReviewTrigger.DEFICIENCIES, now=now)
        if created:
            opened.append(review)
        item.review_id = review.id
    db.flush()
    return opened
