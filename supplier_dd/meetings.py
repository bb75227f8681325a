"""Supplier meetings (issue 12 §8, seed §6.1): quarterly meetings with the largest suppliers,
sustainability a standing agenda item, minutes as structured fields, follow-ups as action
items of the supplier's plan.

"The largest suppliers" are the large and important ones: the register's rule on spend or
the manual flag (`register.large_and_important_condition`, read through `_large_suppliers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from portal.audit import record_event
from portal.db import utcnow
from portal.extensions import settings_of
from portal.models import User
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import ActorKind
from supplier_dd.actions import NewAction, add_action
from supplier_dd.models import Supplier
from supplier_dd.models.actions import ActionItem, ActionKind
from supplier_dd.models.meetings import SupplierMeeting
from supplier_dd.register import large_and_important_condition
from supplier_dd.states import SupplierAction

TEXT_MAX = 8000


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


@dataclass(frozen=True)
class Minutes:
    held_on: date | None
    participants: str
    sustainability: str
    other_topics: str
    conclusions: str
    next_meeting: date | None


def _text(value: str) -> str:
    value = value.strip()
    if len(value) > TEXT_MAX:
        raise Refusal(N_("A text is at most %(limit)d characters long."), limit=TEXT_MAX)
    return value


def record_meeting(db: Session, keys: ServerKeys, *, supplier: Supplier, minutes: Minutes,
                   actor: User, today: date, now: datetime | None = None) -> SupplierMeeting:
    """Record a meeting held; the sustainability item is never left out."""
    if minutes.held_on is None:
        raise Refusal(N_("Give the date the meeting was held."))
    if minutes.held_on > today:
        raise Refusal(N_("Record a meeting once it has been held."))
    if not _text(minutes.participants):
        raise Refusal(N_("Say who took part."))
    sustainability = _text(minutes.sustainability)
    if not sustainability:
        raise Refusal(N_("Sustainability is a standing item: record what was said about it."))
    if minutes.next_meeting is not None and minutes.next_meeting <= minutes.held_on:
        raise Refusal(N_("The next meeting comes after this one."))
    year, quarter = quarter_of(minutes.held_on)
    now = now or utcnow()
    meeting = SupplierMeeting(
        supplier_id=supplier.id, held_on=minutes.held_on,
        participants=_text(minutes.participants), sustainability=sustainability,
        other_topics=_text(minutes.other_topics), conclusions=_text(minutes.conclusions),
        next_meeting=minutes.next_meeting, year=year, quarter=quarter, created_at=now,
        created_by=actor.id)
    db.add(meeting)
    db.flush()
    record_event(db, keys.audit, action=SupplierAction.MEETING_RECORDED,
                 actor_kind=ActorKind.USER, actor_id=actor.id, target_id=meeting.id, at=now)
    return meeting


def add_follow_up(db: Session, keys: ServerKeys, *, meeting: SupplierMeeting, new: NewAction,
                  actor: User, now: datetime | None = None) -> ActionItem:
    """A follow-up agreed in the meeting becomes an item of the supplier's action plan."""
    supplier = db.get(Supplier, meeting.supplier_id)
    if supplier is None:  # pragma: no cover (the meeting cascades with its supplier)
        raise Refusal(N_("There is no such supplier in the register."))
    follow_up = NewAction(kind=ActionKind.MEETING_FOLLOW_UP, title=new.title,
                          description=new.description, owner_id=new.owner_id,
                          due_date=new.due_date, indicator=new.indicator)
    return add_action(db, keys, supplier=supplier, new=follow_up, actor=actor,
                      meeting_id=meeting.id, now=now)


def meetings_of(db: Session, supplier_id: str) -> list[SupplierMeeting]:
    return list(db.scalars(select(SupplierMeeting).where(
        SupplierMeeting.supplier_id == supplier_id)
        .order_by(SupplierMeeting.held_on.desc(), SupplierMeeting.id)))


def follow_ups_of(db: Session, meeting_ids: list[str]) -> dict[str, list[ActionItem]]:
    result: dict[str, list[ActionItem]] = {meeting_id: [] for meeting_id in meeting_ids}
    if meeting_ids:
        for item in db.scalars(select(ActionItem).where(ActionItem.meeting_id.in_(meeting_ids))
                               .order_by(ActionItem.due_date, ActionItem.id)):
            if item.meeting_id is not None:
                result[item.meeting_id].append(item)
    return result


def _large_suppliers() -> ColumnElement[bool]:
    """The suppliers met every quarter: the large and important ones by the current app's
    settings (spend band or the manual flag)."""
    return large_and_important_condition(settings_of())


@dataclass(frozen=True)
class MeetingDue:
    supplier_id: str
    name: str
    last_held_on: date | None


def meetings_due(db: Session, today: date) -> list[MeetingDue]:
    """Large and important suppliers with no meeting held yet in the current quarter."""
    year, quarter = quarter_of(today)
    met = select(SupplierMeeting.supplier_id).where(SupplierMeeting.year == year,
                                                    SupplierMeeting.quarter == quarter)
    last = (select(SupplierMeeting.supplier_id,
                   func.max(SupplierMeeting.held_on).label("last_held_on"))
            .group_by(SupplierMeeting.supplier_id).subquery())
    rows = db.execute(
        select(Supplier.id, Supplier.name, last.c.last_held_on)
        .outerjoin(last, last.c.supplier_id == Supplier.id)
        .where(_large_suppliers(), Supplier.id.not_in(met))
        .order_by(Supplier.name, Supplier.id))
    return [MeetingDue(row.id, row.name, row.last_held_on) for row in rows]


def meetings_due_count(db: Session, today: date) -> int:
    year, quarter = quarter_of(today)
    met = select(SupplierMeeting.supplier_id).where(SupplierMeeting.year == year,
                                                    SupplierMeeting.quarter == quarter)
    return db.scalar(select(func.count()).select_from(Supplier).where(
        _large_suppliers(), Supplier.id.not_in(met))) or 0
