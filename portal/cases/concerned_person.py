"""The handler's task to inform the person concerned by a report (GDPR Art. 14; issue 11 §4).

Art. 14(3)(a) asks for the information within a reasonable period, at the latest within one
month of obtaining the data, so an open task is due one month after receipt. A handler
records one of three decisions (`ConcernedPersonStatus`): informed on a day; deferred for a
reason code until a review day, with a sealed justification (Art. 14(5)(b), Art. 23: telling
them would harm the follow-up or reveal the reporter); or not applicable, for a reason code.
A deferral is never endless: its review day is at most `MAX_DEFERRAL_DAYS` ahead, and once
it has passed the task is overdue again until a new decision is recorded.

Each decision is appended to the audit chain (who, which case, which decision: never the
note). Services take a Session and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crypto import InvalidCiphertext
from portal.audit import record_event
from portal.cases.handling import HandlerCase
from portal.cases.sealing import open_text, seal_text
from portal.db import new_id, utcnow
from portal.deadlines import add_months, start_of_day
from portal.models import Case, User
from portal.models.concerned_person import (
    DEFERRAL_REASONS,
    NOT_APPLICABLE_REASONS,
    ConcernedPersonNotice,
    ConcernedPersonReason,
    ConcernedPersonStatus,
)
from portal.notifications import CONCERNED_PERSON_DUE, Notice, Reminders, case_holder_addresses
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, AuditActionCatalogue, KeyKind

# The item kind the sealed justification is bound to (portal.cases.sealing).
NOTE_KIND = "concerned-person-note"
# A deferral is reviewed at least this often (Art. 23 restrictions must stay necessary).
MAX_DEFERRAL_DAYS = 183
NOTE_MAX = 5000
# Art. 14(3)(a): at the latest within one month of obtaining the data.
NOTICE_MONTHS = 1
# `aktsom notify-deadlines` reminds the case's handlers this long before a due day.
REMINDER_WINDOW = timedelta(days=3)


class ConcernedPersonAction(AuditActionCatalogue):
    """What the audit chain records about the Art. 14 task."""

    INFORMED = "case.concerned_person_informed"
    DEFERRED = "case.concerned_person_deferred"
    NOT_APPLICABLE = "case.concerned_person_not_applicable"

    @classmethod
    def labels(cls) -> Mapping[StrEnum, LazyString]:
        return {
            cls.INFORMED: _l("Person concerned informed (GDPR Art. 14)"),
            cls.DEFERRED: _l("Informing the person concerned deferred (GDPR Art. 14(5)(b))"),
            cls.NOT_APPLICABLE: _l("No person concerned to inform (GDPR Art. 14)"),
        }


_ACTIONS = {
    ConcernedPersonStatus.INFORMED: ConcernedPersonAction.INFORMED,
    ConcernedPersonStatus.DEFERRED: ConcernedPersonAction.DEFERRED,
    ConcernedPersonStatus.NOT_APPLICABLE: ConcernedPersonAction.NOT_APPLICABLE,
}


@dataclass(frozen=True)
class ConcernedPersonTask:
    """The task as a handler sees it on the case page."""

    notice: ConcernedPersonNotice | None
    # When the task is (again) due: one month after receipt while open, the review day
    # while deferred, None once decided for good.
    due: datetime | None
    overdue: bool
    # The justification, opened with the handler's keys (None: none, or it failed its check).
    note: str | None
    note_damaged: bool = False


def _note_item_id(notice: ConcernedPersonNotice) -> str:
    # The seal binds the decision it justifies: a database writer who turns a deferral into
    # something else, or moves its review day, leaves a note that no longer opens.
    review = notice.review_on.date().isoformat() if notice.review_on else ""
    return "|".join((notice.id, notice.status or "", notice.reason or "", review))


def notice_of(db: Session, case_id: str) -> ConcernedPersonNotice | None:
    return db.scalar(select(ConcernedPersonNotice)
                     .where(ConcernedPersonNotice.case_id == case_id))


def task_due(case: Case, notice: ConcernedPersonNotice | None) -> datetime | None:
    """When the task needs a handler next, or None once it is done."""
    if notice is None or notice.status is None:
        return add_months(start_of_day(case.created_at), NOTICE_MONTHS)
    if notice.status == ConcernedPersonStatus.DEFERRED:
        return notice.review_on
    return None


def is_overdue(case: Case, notice: ConcernedPersonNotice | None, now: datetime) -> bool:
    due = task_due(case, notice)
    return due is not None and due < now


def overdue_case_ids(db: Session, case_ids: list[str], now: datetime) -> set[str]:
    """Of `case_ids`, the cases whose task is overdue (for the case list)."""
    overdue: set[str] = set()
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start:start + 500]
        notices = {row.case_id: row for row in db.scalars(
            select(ConcernedPersonNotice).where(ConcernedPersonNotice.case_id.in_(chunk)))}
        for case in db.scalars(select(Case).where(Case.id.in_(chunk))):
            if is_overdue(case, notices.get(case.id), now):
                overdue.add(case.id)
    return overdue


def task_for_handler(db: Session, opened: HandlerCase,
                     now: datetime | None = None) -> ConcernedPersonTask:
    """The task of `opened`'s case, its note opened with the handler's staff key."""
    now = now or utcnow()
    notice = notice_of(db, opened.case.id)
    note, damaged = None, False
    if notice is not None and notice.sealed_note is not None:
        key = opened.keys.key(KeyKind.STAFF, notice.note_key_generation or 0)
        try:
            if key is None:
                raise InvalidCiphertext
            note = open_text(key, case_id=opened.case.id, item_id=_note_item_id(notice),
                             kind=NOTE_KIND, blob=notice.sealed_note)
        except InvalidCiphertext:
            damaged = True
    return ConcernedPersonTask(notice=notice, due=task_due(opened.case, notice),
                               overdue=is_overdue(opened.case, notice, now), note=note,
                               note_damaged=damaged)


def _check(case: Case, status: ConcernedPersonStatus, reason: ConcernedPersonReason | None,
           informed_on: datetime | None, review_on: datetime | None, note: str,
           today: datetime) -> None:
    if len(note) > NOTE_MAX:
        raise Refusal(N_("The note is too long."))
    if status == ConcernedPersonStatus.INFORMED:
        if informed_on is None:
            raise Refusal(N_("Give the day the person concerned was informed."))
        if informed_on > today or informed_on < start_of_day(case.created_at):
            raise Refusal(N_("The day of informing must lie between receipt and today."))
    elif status == ConcernedPersonStatus.DEFERRED:
        if reason not in DEFERRAL_REASONS:
            raise Refusal(N_("Choose why informing the person concerned is deferred."))
        if review_on is None or review_on <= today:
            raise Refusal(N_("Give a review day after today."))
        if review_on > today + timedelta(days=MAX_DEFERRAL_DAYS):
            raise Refusal(N_("A deferral is reviewed within %(days)d days at the latest."),
                          days=MAX_DEFERRAL_DAYS)
        if not note.strip():
            raise Refusal(N_("Write down why informing is deferred."))
    elif reason not in NOT_APPLICABLE_REASONS:
        raise Refusal(N_("Choose why there is no one to inform."))


def record_decision(db: Session, keys: ServerKeys, *, opened: HandlerCase, user: User,
                    status: ConcernedPersonStatus, reason: ConcernedPersonReason | None = None,
                    informed_on: datetime | None = None, review_on: datetime | None = None,
                    note: str = "", now: datetime | None = None) -> ConcernedPersonNotice:
    """Record the handler's decision on informing the person concerned, replacing the
    previous one (which stays in the audit chain); refuse an incomplete one."""
    now = now or utcnow()
    today = start_of_day(now)
    case = opened.case
    informed_on = start_of_day(informed_on) if informed_on is not None else None
    review_on = start_of_day(review_on) if review_on is not None else None
    _check(case, status, reason, informed_on, review_on, note, today)
    notice = notice_of(db, case.id)
    if notice is None:
        notice = ConcernedPersonNotice(id=new_id(), case_id=case.id)
        db.add(notice)
    notice.status = status
    notice.reason = None if status == ConcernedPersonStatus.INFORMED else reason
    notice.informed_on = informed_on if status == ConcernedPersonStatus.INFORMED else None
    notice.review_on = review_on if status == ConcernedPersonStatus.DEFERRED else None
    notice.recorded_by = user.id
    notice.recorded_at = now
    if note.strip():
        notice.sealed_note = seal_text(opened.staff_key, case_id=case.id,
                                       item_id=_note_item_id(notice), kind=NOTE_KIND,
                                       text=note.strip())
        notice.note_key_generation = opened.keys.generation
    else:
        notice.sealed_note = None
        notice.note_key_generation = None
    record_event(db, keys.audit, action=_ACTIONS[status], actor_kind=ActorKind.USER,
                 actor_id=user.id, case_id=case.id, target_id=notice.id, at=now)
    return notice


def _due_soon(db: Session, now: datetime,
              within: timedelta) -> list[tuple[Case, ConcernedPersonNotice | None]]:
    """Cases whose task is due within `within` (or overdue), not yet reminded of that day."""
    horizon = now + within
    # One month is at least 28 days: a cheap bound in SQL, the exact day below.
    query = (select(Case, ConcernedPersonNotice)
             .outerjoin(ConcernedPersonNotice, ConcernedPersonNotice.case_id == Case.id)
             .where(or_(
                 (ConcernedPersonNotice.id.is_(None) | ConcernedPersonNotice.status.is_(None))
                 & (Case.created_at <= horizon - timedelta(days=28)),
                 (ConcernedPersonNotice.status == ConcernedPersonStatus.DEFERRED)
                 & (ConcernedPersonNotice.review_on <= horizon)))
             .order_by(Case.created_at))
    found: list[tuple[Case, ConcernedPersonNotice | None]] = []
    for case, notice in db.execute(query):
        due = task_due(case, notice)
        if due is not None and due <= horizon and (notice is None
                                                   or notice.reminded_due != due):
            found.append((case, notice))
    return found


def concerned_person_reminders(db: Session, *, now: datetime,
                               within: timedelta = REMINDER_WINDOW) -> Reminders:
    """Who to remind that a person concerned is due to be informed, or a deferral reviewed:
    the holders of each such case, one content-free mail each, once per due day."""
    cases = _due_soon(db, now, within)
    addresses: set[str] = set()
    for case, _notice in cases:
        addresses.update(case_holder_addresses(db, case.id))
    return Reminders([case.id for case, _notice in cases],
                     Notice(CONCERNED_PERSON_DUE, tuple(sorted(addresses))))


def mark_concerned_person_reminded(db: Session, case_ids: list[str]) -> None:
    """Remember the due day each case was reminded of (an open task gets a row without a
    decision for it)."""
    for case_id in case_ids:
        case = db.get(Case, case_id)
        if case is None:  # pragma: no cover (purged between the two transactions)
            continue
        notice = notice_of(db, case_id)
        if notice is None:
            notice = ConcernedPersonNotice(id=new_id(), case_id=case_id, status=None)
            db.add(notice)
        notice.reminded_due = task_due(case, notice)
