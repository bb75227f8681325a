"""Legal holds with a reason and a review date (issue 11 §5): a case held from the retention
purge for a recorded reason (a code in clear, the handler's words in a sealed internal note)
until a review date at most `Settings.legal_hold_max_days` ahead. Past that date the hold lapses
(portal.cases.retention.lapse_holds) unless a handler renewed it with a new date: no endless
hold. Services take a Session and never commit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from config import Settings
from portal.audit import record_event
from portal.cases.dialogue import add_message
from portal.cases.handling import HandlerCase
from portal.db import utcnow
from portal.deadlines import start_of_day
from portal.models import Case, LegalHold, User
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
