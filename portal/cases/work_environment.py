"""The task on every case with a known reporter: check that their working environment is fully
satisfactory (AML §2A-3(2): the employer must make sure of it after a report).

The task opens by itself when the reporter gives contact details (web form or leader intake)
and a handler can open it on any case whose reporter turns out to be known (an oral report).
It is recorded without content: its state, the day it was checked or a reason from a fixed
list are clear metadata; an optional note is sealed under the case's staff key, which the
reporter never holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crypto import InvalidCiphertext
from portal.audit import record_event
from portal.cases.handling import HandlerCase
from portal.cases.sealing import open_text, seal_text
from portal.db import new_id, utcnow
from portal.models import Case, CaseKeyWrap, User, WorkEnvironmentCheck
from portal.notifications import Notice, Reminders, case_holder_addresses
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, KeyKind, RecipientKind
from portal.workplace_states import NotApplicableReason, WorkEnvironmentStatus, WorkplaceAction

NOTE = "work-environment-note"
MAX_NOTE = 5_000
# The notice kind of the reminder: the generic content-free mail ("there is news").
WORK_ENVIRONMENT_DUE = "work_environment_due"
# A task still open this long after it was opened is reminded of, once.
REMIND_AFTER = timedelta(days=14)


def check_of(db: Session, case_id: str) -> WorkEnvironmentCheck | None:
    return db.scalar(select(WorkEnvironmentCheck)
                     .where(WorkEnvironmentCheck.case_id == case_id))


def open_check(db: Session, keys: ServerKeys, case: Case, *,
               user: User | None = None) -> WorkEnvironmentCheck:
    """Open the task on `case` (once: an existing task is returned as it is). Opened at
    submission it is dated like the case (the day only) and audited as the system's act."""
    existing = check_of(db, case.id)
    if existing is not None:
        return existing
    check = WorkEnvironmentCheck(id=new_id(), case_id=case.id,
                                 status=WorkEnvironmentStatus.OPEN,
                                 created_at=case.created_at if user is None else utcnow())
    db.add(check)
    db.flush()
    record_event(db, keys.audit, action=WorkplaceAction.WORK_ENVIRONMENT_CHECK_OPENED,
                 actor_kind=ActorKind.SYSTEM if user is None else ActorKind.USER,
                 actor_id=None if user is None else user.id, case_id=case.id,
                 target_id=check.id)
    return check


def _seal_note(opened: HandlerCase, check: WorkEnvironmentCheck, note: str) -> None:
    text = note.strip()
    if len(text) > MAX_NOTE:
        raise Refusal(N_("The note is too long (at most %(max)s characters)."), max=MAX_NOTE)
    if not text:
        check.sealed_note = None
        return
    check.note_key_generation = opened.keys.generation
    check.sealed_note = seal_text(opened.staff_key, case_id=opened.case.id, item_id=check.id,
                                  kind=NOTE, text=text)


def _task(db: Session, opened: HandlerCase) -> WorkEnvironmentCheck:
    check = check_of(db, opened.case.id)
    if check is None:
        raise Refusal(N_("This case has no working-environment check."))
    return check


def record_checked(db: Session, keys: ServerKeys, *, opened: HandlerCase, user: User,
                   checked_on: date, note: str = "", now: datetime | None = None
                   ) -> WorkEnvironmentCheck:
    """The reporter's working environment was checked on `checked_on`."""
    now = now or utcnow()
    if checked_on > now.date():
        raise Refusal(N_("The date of the check cannot be in the future."))
    check = _task(db, opened)
    _seal_note(opened, check, note)
    check.status = WorkEnvironmentStatus.CHECKED
    check.checked_on = checked_on
    check.not_applicable_reason = None
    check.updated_at, check.updated_by = now, user.id
    record_event(db, keys.audit, action=WorkplaceAction.WORK_ENVIRONMENT_CHECKED,
                 actor_kind=ActorKind.USER, actor_id=user.id, case_id=opened.case.id,
                 target_id=check.id, at=now)
    return check


def record_not_applicable(db: Session, keys: ServerKeys, *, opened: HandlerCase, user: User,
                          reason: str, note: str = "", now: datetime | None = None
                          ) -> WorkEnvironmentCheck:
    """The check does not apply, for a reason of the fixed list (never free text in clear)."""
    try:
        code = NotApplicableReason(reason)
    except ValueError:
        raise Refusal(N_("Choose why the check does not apply.")) from None
    now = now or utcnow()
    check = _task(db, opened)
    _seal_note(opened, check, note)
    check.status = WorkEnvironmentStatus.NOT_APPLICABLE
    check.not_applicable_reason = code
    check.checked_on = None
    check.updated_at, check.updated_by = now, user.id
    record_event(db, keys.audit, action=WorkplaceAction.WORK_ENVIRONMENT_NOT_APPLICABLE,
                 actor_kind=ActorKind.USER, actor_id=user.id, case_id=opened.case.id,
                 target_id=check.id, at=now)
    return check


def open_note(opened: HandlerCase, check: WorkEnvironmentCheck) -> str | None:
    """The sealed note for a handler of the case; None when there is none or it is damaged."""
    if check.sealed_note is None:
        return None
    key = opened.keys.key(KeyKind.STAFF, check.note_key_generation)
    if key is None:
        return None
    try:
        return open_text(key, case_id=opened.case.id, item_id=check.id, kind=NOTE,
                         blob=check.sealed_note)
    except InvalidCiphertext:
        return None


def open_check_case_ids(db: Session, case_ids: Iterable[str]) -> set[str]:
    """Which of `case_ids` have the task still open (the case list marks them)."""
    ids = list(case_ids)
    if not ids:
        return set()
    return set(db.scalars(select(WorkEnvironmentCheck.case_id).where(
        WorkEnvironmentCheck.case_id.in_(ids),
        WorkEnvironmentCheck.status == WorkEnvironmentStatus.OPEN)))


def open_checks_for(db: Session, user_id: str) -> int:
    """How many open checks there are on the cases `user_id` holds a key of."""
    held = select(CaseKeyWrap.case_id).where(
        CaseKeyWrap.recipient_kind == RecipientKind.USER, CaseKeyWrap.recipient_id == user_id,
        CaseKeyWrap.key_kind == KeyKind.STAFF)
    return int(db.scalar(select(func.count()).select_from(WorkEnvironmentCheck).where(
        WorkEnvironmentCheck.status == WorkEnvironmentStatus.OPEN,
        WorkEnvironmentCheck.case_id.in_(held))) or 0)


def work_environment_reminders(db: Session, *, now: datetime,
                               after: timedelta = REMIND_AFTER) -> Reminders:
    """Tasks open for `after` or longer and not yet reminded of: one mail per handler of
    those cases, saying nothing of which case or why (portal.notifications)."""
    case_ids = list(db.scalars(select(WorkEnvironmentCheck.case_id).where(
        WorkEnvironmentCheck.status == WorkEnvironmentStatus.OPEN,
        WorkEnvironmentCheck.reminded_at.is_(None),
        WorkEnvironmentCheck.created_at <= now - after).order_by(
        WorkEnvironmentCheck.created_at, WorkEnvironmentCheck.case_id)))
    addresses: set[str] = set()
    for case_id in case_ids:
        addresses.update(case_holder_addresses(db, case_id))
    return Reminders(case_ids, Notice(WORK_ENVIRONMENT_DUE, tuple(sorted(addresses))))


def mark_checks_reminded(db: Session, case_ids: list[str], now: datetime) -> None:
    """Remember the reminder, so each task is reminded of once."""
    for start in range(0, len(case_ids), 500):
        db.execute(update(WorkEnvironmentCheck)
                   .where(WorkEnvironmentCheck.case_id.in_(case_ids[start:start + 500]))
                   .values(reminded_at=now).execution_options(synchronize_session=False))
