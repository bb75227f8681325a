"""Legal holds with a reason and a review date (issue 11 §5): a case held from the retention
purge for a recorded reason (a code in clear, the handler's words in a sealed internal note)
until a review date at most `Settings.legal_hold_max_days` ahead. Past that date the hold lapses
(portal.cases.retention.lapse_holds) unless a handler renewed it with a new date: no endless
hold. Services take a Session and never commit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from config import Settings
from portal.audit import record_event
from portal.cases.dialogue import add_message
from portal.cases.handling import HandlerCase
from portal.db import utcnow
from portal.deadlines import start_of_day
from portal.models import Case, LegalHold, User
from portal.notifications import LEGAL_HOLD_REVIEW, Notice, Reminders, handlers_of
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import (
    ActorKind,
    AuditAction,
    AuthorKind,
    BoundaryAction,
    KeyKind,
    LegalHoldReason,
    MessageKind,
)

NOTE_MAX = 2000
# Handlers are reminded this long before a hold's review date (`aktsom notify-deadlines`).
REVIEW_REMINDER_WINDOW = timedelta(days=14)


def hold_of(db: Session, case: Case) -> LegalHold | None:
    """The case's legal hold, if any."""
    return db.scalar(select(LegalHold).where(LegalHold.case_id == case.id))


def place_legal_hold(db: Session, keys: ServerKeys, settings: Settings, *,
                     opened: HandlerCase, user: User, reason: str, note: str,
                     review_at: datetime, now: datetime | None = None) -> LegalHold:
    """Hold the case from the purge until `review_at` (or renew a hold with a new date).

    The reason is a code from the list; "other" needs a note. The note is sealed as an
    internal note of the case (staff key), never kept in clear. The review date is after
    today and at most `legal_hold_max_days` ahead.
    """
    now = now or utcnow()
    if reason not in set(LegalHoldReason):
        raise Refusal(N_("Choose why the case is held from the list."))
    chosen = LegalHoldReason(reason)
    note = note.strip()
    if chosen == LegalHoldReason.OTHER and not note:
        raise Refusal(N_("Write down why the case is held."))
    if len(note) > NOTE_MAX:
        raise Refusal(N_("The note is too long."))
    latest = start_of_day(now) + timedelta(days=settings.legal_hold_max_days + 1)
    if review_at <= now or review_at > latest:
        raise Refusal(N_("The review date must be after today and at most %(days)d days "
                         "ahead."), days=settings.legal_hold_max_days)
    case = opened.case
    note_id = None
    if note:
        message = add_message(db, case=case, keys=opened.keys, key_kind=KeyKind.STAFF,
                              author_kind=AuthorKind.HANDLER, author_id=user.id,
                              body=note, kind=MessageKind.NOTE, now=now)
        note_id = message.id
    hold = hold_of(db, case)
    renewed = hold is not None and case.legal_hold
    if hold is None:
        hold = LegalHold(case_id=case.id)
        db.add(hold)
    hold.reason, hold.note_id, hold.review_at = chosen, note_id, review_at
    hold.set_by, hold.set_at, hold.reminded_at = user.id, now, None
    case.legal_hold = True
    record_event(db, keys.audit, action=(BoundaryAction.CASE_LEGAL_HOLD_RENEWED if renewed
                                         else AuditAction.CASE_LEGAL_HOLD_SET),
                 actor_kind=ActorKind.USER, actor_id=user.id, case_id=case.id, at=now)
    db.flush()
    return hold


def release_legal_hold(db: Session, keys: ServerKeys, *, case: Case, user: User) -> None:
    """End the hold: the case's retention period applies again."""
    case.legal_hold = False
    db.execute(delete(LegalHold).where(LegalHold.case_id == case.id))
    record_event(db, keys.audit, action=AuditAction.CASE_LEGAL_HOLD_RELEASED,
                 actor_kind=ActorKind.USER, actor_id=user.id, case_id=case.id)
    db.flush()


def legal_hold_reminders(db: Session, *, now: datetime,
                         within: timedelta = REVIEW_REMINDER_WINDOW) -> Reminders:
    """Holds whose review date is near (or past) and not yet reminded of since they were set
    or renewed: the case's handlers renew them, or they lapse."""
    case_ids = list(db.scalars(select(LegalHold.case_id).join(Case, Case.id == LegalHold.case_id)
                               .where(Case.legal_hold.is_(True),
                                      LegalHold.reminded_at.is_(None),
                                      LegalHold.review_at <= now + within)
                               .order_by(LegalHold.review_at)))
    return Reminders(case_ids, Notice(LEGAL_HOLD_REVIEW, handlers_of(db, case_ids)))


def mark_holds_reminded(db: Session, case_ids: list[str], now: datetime) -> None:
    """Remember the reminder, once per review date (renewing clears it)."""
    for start in range(0, len(case_ids), 500):
        db.execute(update(LegalHold).where(LegalHold.case_id.in_(case_ids[start:start + 500]))
                   .values(reminded_at=now).execution_options(synchronize_session=False))
