"""The handler's side of a case: open it with one's own keys, acknowledge, reply, write internal
notes, move its status, record the outcome, link a supplier, hold it from the purge.

Services take a Session and never commit; every action is appended to the audit chain (who,
what, which case; never content).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import force_locale, ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from portal.audit import record_event
from portal.cases.clocks import feedback_due_after, refresh_next_due
from portal.cases.dialogue import add_message
from portal.cases.keyring import Keyring, unlock_keyring
from portal.cases.keys import open_case_keys
from portal.db import utcnow
from portal.models import Case, Message, User
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.signals import breach_substantiated
from portal.states import (
    ActorKind,
    AuditAction,
    AuthorKind,
    CaseStatus,
    ClosingReason,
    KeyKind,
    MessageKind,
    Outcome,
)

# ACKNOWLEDGED is reached only through `acknowledge` (it sends the reporter a message).
STATUS_CHANGES: dict[CaseStatus, tuple[CaseStatus, ...]] = {
    CaseStatus.NEW: (CaseStatus.CLOSED,),
    CaseStatus.ACKNOWLEDGED: (CaseStatus.IN_PROGRESS, CaseStatus.CLOSED),
    CaseStatus.IN_PROGRESS: (CaseStatus.CLOSED,),
    CaseStatus.CLOSED: (CaseStatus.IN_PROGRESS,),
}
# What the audit chain records for each status a plain status change can reach.
STATUS_ACTIONS: dict[CaseStatus, AuditAction] = {
    CaseStatus.IN_PROGRESS: AuditAction.CASE_STATUS_IN_PROGRESS,
    CaseStatus.CLOSED: AuditAction.CASE_STATUS_CLOSED,
}
SUPPLIER_ID_MAX = 32
# The outcomes that, with a human-rights breach found, open a contract review of the linked
# supplier (issue 12 §6 a; seed §6.2: a breach is sufficient ground to end the agreement).
BREACH_OUTCOMES = frozenset({Outcome.SUBSTANTIATED, Outcome.PARTLY_SUBSTANTIATED})
# Outcomes that say no breach was, or could be, established (issue 14 §9).
CONTRADICTS_BREACH = frozenset({Outcome.UNFOUNDED, Outcome.NOT_ASSESSABLE})


@dataclass(frozen=True)
class HandlerCase:
    """A case opened by one handler: both of its keys of every generation, unwrapped with the
    handler's key (portal.cases.keyring)."""

    case: Case
    keys: Keyring

    @property
    def case_key(self) -> bytes:
        """The newest case key, which new items for the reporter are sealed under."""
        return self.keys.newest(KeyKind.CASE)

    @property
    def staff_key(self) -> bytes:
        """The newest staff key, which new internal items are sealed under."""
        return self.keys.newest(KeyKind.STAFF)


def open_for_handler(db: Session, case_id: str, user: User,
                     private_key: bytes) -> HandlerCase | None:
    """The case with both keys if `user` holds working wraps for both, else None.

    Nothing about the case is read before the wraps are found, so a user without one learns
    nothing (the view answers 404 alike for "no such case" and "not yours").
    """
    case, keys = open_case_keys(db, case_id, user.id, private_key)
    if case is None or KeyKind.CASE not in keys or KeyKind.STAFF not in keys:
        return None
    return HandlerCase(case=case, keys=unlock_keyring(db, case.id, case.key_generation, keys))


def _audit(db: Session, keys: ServerKeys, user: User, action: AuditAction, case: Case,
           target_id: str | None = None, now: datetime | None = None) -> None:
    record_event(db, keys.audit, action=action, actor_kind=ActorKind.USER, actor_id=user.id,
                 case_id=case.id, target_id=target_id, at=now)


def acknowledgement_text(language: str, settings: Settings) -> str:
    """The standard acknowledgement, in the language the reporter wrote in."""
    with force_locale(language):
        # A plural: the setting may be 1, 2 or 3 months, and "month" takes several forms in
        # many of the reporter languages (Ukrainian, Arabic, Polish ...).
        return str(ngettext(
            "Thank you for your report. We confirm that we have received it and will follow "
            "it up. You will hear from us here within %(num)d month at the latest. You can "
            "add information or ask questions at any time with your case code.",
            "Thank you for your report. We confirm that we have received it and will follow "
            "it up. You will hear from us here within %(num)d months at the latest. You can "
            "add information or ask questions at any time with your case code.",
            settings.feedback_months,
        ))


def acknowledge(db: Session, keys: ServerKeys, settings: Settings, *, opened: HandlerCase,
                user: User, text: str, now: datetime | None = None) -> Message:
    """Record the acknowledgement of receipt and send it to the reporter.

    The feedback clock restarts from this moment (Art. 9(1)(f): three months from the
    acknowledgement), capped at the deadline set at submission (receipt + 7 days + 3 months):
    a late acknowledgement never pushes the feedback deadline out.
    """
    case = opened.case
    if case.acknowledged_at is not None:
        raise Refusal(N_("This case has already been acknowledged."))
    if case.closed_at is not None:
        raise Refusal(N_("A closed case cannot be acknowledged."))
    now = now or utcnow()
    case.acknowledged_at = now
    case.feedback_due_at = feedback_due_after(now, settings, latest=case.feedback_due_at)
    refresh_next_due(case)
    if case.status == CaseStatus.NEW:
        case.status = CaseStatus.ACKNOWLEDGED
    message = add_message(db, case=case, keys=opened.keys, key_kind=KeyKind.CASE,
                          author_kind=AuthorKind.HANDLER, author_id=user.id, body=text,
                          kind=MessageKind.ACKNOWLEDGEMENT, now=now)
    _audit(db, keys, user, AuditAction.CASE_ACKNOWLEDGED, case, message.id, now)
    return message


def reply_to_reporter(db: Session, keys: ServerKeys, *, opened: HandlerCase, user: User,
                      body: str, is_feedback: bool, now: datetime | None = None) -> Message:
    """A message the reporter reads with their case code.

    Whether a reply is *the* feedback of Art. 9(1)(f) is the handler's call (a question to the
    reporter is not feedback), so the form asks every time with nothing pre-selected (issue 11
    §1): a pre-ticked box stopped the clock on questions sent without reading it. Feedback
    counts only after the acknowledgement, which starts its clock; the first one stops the
    clock for good.
    """
    if not body.strip():
        raise Refusal(N_("Write a message."))
    case = opened.case
    now = now or utcnow()
    message = add_message(db, case=case, keys=opened.keys, key_kind=KeyKind.CASE,
                          author_kind=AuthorKind.HANDLER, author_id=user.id, body=body, now=now)
    _audit(db, keys, user, AuditAction.CASE_REPLIED, case, message.id, now)
    if is_feedback and case.acknowledged_at is not None and case.feedback_at is None:
        case.feedback_at = now
        refresh_next_due(case)
        _audit(db, keys, user, AuditAction.CASE_FEEDBACK_GIVEN, case, message.id, now)
    return message


def add_internal_note(db: Session, keys: ServerKeys, *, opened: HandlerCase, user: User,
                      body: str, now: datetime | None = None) -> Message:
    """A note for the case's handlers only, sealed under the staff key: the case code never
    opens it, whatever a template or query gets wrong."""
    if not body.strip():
        raise Refusal(N_("Write a note."))
    message = add_message(db, case=opened.case, keys=opened.keys, key_kind=KeyKind.STAFF,
                          author_kind=AuthorKind.HANDLER, author_id=user.id, body=body,
                          kind=MessageKind.NOTE, now=now)
    _audit(db, keys, user, AuditAction.CASE_NOTE_ADDED, opened.case, message.id, now)
    return message


def allowed_statuses(case: Case) -> tuple[CaseStatus, ...]:
    """The statuses `case` may move to by a plain status change."""
    return STATUS_CHANGES.get(case.status, ())


def _sent_to_reporter(db: Session, case: Case) -> bool:
    """Whether a handler has written to the reporter (a message, not a note)."""
    return db.scalar(select(Message.id).where(
        Message.case_id == case.id, Message.author_kind == AuthorKind.HANDLER,
        Message.kind == MessageKind.MESSAGE).limit(1)) is not None


# Reasons that only the action doing what they say records (never the plain status change).
SERVICE_CLOSING_REASONS = frozenset({ClosingReason.MOVED_TO_INFORMATION_REQUEST})


def _closing_reason(db: Session, case: Case, reason: str | None, *,
                    by_service: bool = False) -> ClosingReason | None:
    """The recorded reason for closing `case`, or a refusal (issue 11 §1).

    Closing needs a feedback message to the reporter (Art. 9(1)(f)) or a reason from the fixed
    list; "manifestly unfounded" only once a message saying so has been sent.
    """
    if reason and reason not in set(ClosingReason):
        raise Refusal(N_("This reason for closing is not on the list."))
    chosen = ClosingReason(reason) if reason else None
    if chosen is None and case.feedback_at is None:
        raise Refusal(N_("Send the reporter the feedback before closing the case, or choose "
                         "why it is closed without feedback. Nothing was changed."))
    if chosen in SERVICE_CLOSING_REASONS and not by_service:
        raise Refusal(N_("This reason for closing is recorded only by its own action. "
                         "Nothing was changed."))
    if chosen == ClosingReason.MANIFESTLY_UNFOUNDED and not _sent_to_reporter(db, case):
        raise Refusal(N_("Tell the reporter that the report is manifestly unfounded before "
                         "closing the case for that reason. Nothing was changed."))
    return chosen


def change_status(db: Session, keys: ServerKeys, *, case: Case, user: User, status: str,
                  closing_reason: str | None = None, now: datetime | None = None,
                  by_service: bool = False) -> None:
    """Move the case on; closing stamps `closed_at` (the retention clock) and needs the feedback
    or a recorded reason (`_closing_reason`); reopening clears both."""
    if status not in allowed_statuses(case):
        raise Refusal(N_("This status change is not possible."))
    new_status = CaseStatus(status)
    closing = new_status == CaseStatus.CLOSED
    reason = (_closing_reason(db, case, closing_reason, by_service=by_service) if closing
              else None)
    now = now or utcnow()
    case.status = new_status
    case.closed_at = now if closing else None
    case.closing_reason = reason
    refresh_next_due(case)
    _audit(db, keys, user, STATUS_ACTIONS[new_status], case, now=now)
    if reason is not None and case.feedback_at is None:
        # Who closed it without feedback, and why: the reason's code only, never content.
        _audit(db, keys, user, AuditAction.CASE_CLOSED_WITHOUT_FEEDBACK, case,
               target_id=str(reason), now=now)


def record_outcome(db: Session, keys: ServerKeys, *, case: Case, user: User,
                   outcome: str | None, human_rights_breach: bool | None) -> None:
    """The assessment: an outcome and whether a human-rights breach was found (clear metadata,
    counted in the annual account)."""
    if outcome is not None and outcome not in set(Outcome):
        raise Refusal(N_("Choose an outcome from the list."))
    if human_rights_breach is True and outcome in CONTRADICTS_BREACH:
        # Counted in the annual account and sent to the supplier module: never both.
        raise Refusal(N_("A case found unfounded or not assessable cannot also have a "
                         "human-rights breach found. Change the outcome or the answer about "
                         "the breach."))
    case.outcome = None if outcome is None else Outcome(outcome)
    case.human_rights_breach = human_rights_breach
    _audit(db, keys, user, AuditAction.CASE_OUTCOME_RECORDED, case)
    _announce_breach(db, keys, case)


def _announce_breach(db: Session, keys: ServerKeys, case: Case) -> None:
    """Tell the supplier module (portal.signals) when a linked case is a substantiated
    human-rights breach. Inside the transaction: a rollback takes its review along."""
    if (case.supplier_id is not None and case.human_rights_breach is True
            and case.outcome in BREACH_OUTCOMES):
        breach_substantiated.send(db, keys=keys, supplier_id=case.supplier_id,
                                  case_id=case.id)


def link_supplier(db: Session, keys: ServerKeys, *, case: Case, user: User,
                  supplier_id: str | None) -> None:
    """Link the case to a supplier of the register (or unlink it with None)."""
    supplier_id = (supplier_id or "").strip() or None
    if supplier_id is not None and (
        len(supplier_id) > SUPPLIER_ID_MAX
        or not all(char.isalnum() or char in "-_" for char in supplier_id)
    ):
        raise Refusal(N_("A supplier reference has at most 32 letters, digits, - or _."))
    case.supplier_id = supplier_id
    _audit(db, keys, user, AuditAction.CASE_SUPPLIER_LINKED if supplier_id
           else AuditAction.CASE_SUPPLIER_UNLINKED, case, supplier_id)
    # A breach found before the link was made opens the review now.
    _announce_breach(db, keys, case)


def answer_fields(answers: dict[str, Any] | None) -> dict[str, Any]:
    """The reporter's answers a handler is shown, without the sealed routing details (the
    reporter's exclusions are honoured by the services, not displayed)."""
    if answers is None:
        return {}
    return {name: answers.get(name) for name in (
        "category", "supplier", "location", "period", "description", "contact",
        "meeting_requested")}
