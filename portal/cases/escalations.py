"""Escalating a breach to a manager, who decides the measures (seed §5, design §1).

Each escalation has a key of its own. The summary (written by the handler for the manager)
and the manager's note are sealed under it; it is HPKE-wrapped to the manager's certified key
and sealed under the case's staff key for the handlers. The manager therefore reads exactly
the summary and the decision, never the report, the dialogue, the internal notes or the
reporter's original files, and not even with a copy of the database: the staff key is not
wrapped to them (design §3 keeps it for handlers and the recovery key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from crypto import (
    InvalidCiphertext,
    new_case_key,
    open_item,
    seal_item,
    unwrap_case_key,
    wrap_case_key,
)
from portal.audit import record_event
from portal.cases.exclusions import is_excluded
from portal.cases.handling import HandlerCase
from portal.cases.keyring import Keyring
from portal.cases.keys import is_certified
from portal.cases.sealing import open_text, seal_text
from portal.db import new_id, utcnow
from portal.key_directory import certified_public_key
from portal.models import Case, Escalation, Role, User
from portal.notifications import ESCALATION, Notice, queue_notice
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, AuditAction, EscalationDecision, KeyKind

_KEY_ITEM = "escalation-key"
_SUMMARY_ITEM = "escalation-summary"
_NOTE_ITEM = "escalation-note"


def _wrap_context(escalation: Escalation) -> str:
    return f"{escalation.case_id}:escalation:{escalation.id}"


@dataclass(frozen=True)
class OpenedEscalation:
    """An escalation with its key and decrypted texts; None marks a damaged item."""

    escalation: Escalation
    key: bytes | None
    summary: str | None
    decision_note: str | None


@dataclass(frozen=True)
class EscalationRecord:
    """Clear metadata of an escalation, for the supplier module's contract review."""

    id: str
    case_id: str
    created_at: datetime
    decision: EscalationDecision | None
    decided_at: datetime | None
    # Who it was put before: the "nearest leader" a contract review of the supplier goes to.
    manager_id: str | None = None
    # The case's reference, for the manager's list (issue 14 §7): a case is named by it.
    reference: str | None = None


def managers(db: Session, keys: ServerKeys) -> list[User]:
    """Enabled managers with an approved key: who a breach can be escalated to."""
    users = db.scalars(select(User).where(User.disabled.is_(False))
                       .order_by(User.name, User.id)).all()
    return [user for user in users if is_certified(keys, user, Role.MANAGER)]


def escalate(db: Session, settings: Settings, keys: ServerKeys, *, opened: HandlerCase,
             actor: User, manager: User, summary: str,
             now: datetime | None = None) -> Escalation:
    """Put the case before `manager` with a summary written for them; they are told by mail
    after the commit."""
    if not summary.strip():
        raise Refusal(N_("Write a summary for the manager."))
    if not is_certified(keys, manager, Role.MANAGER):
        # Disabled, not a manager, or a manager role that is only a row (design §3).
        raise Refusal(N_("Choose a manager from the list."))
    case = opened.case
    if is_excluded(db, case, opened.keys, manager.id):
        raise Refusal(N_("This case cannot be shared with this person."))
    key = new_case_key()
    escalation = Escalation(id=new_id(), case_id=case.id, manager_id=manager.id,
                            escalated_by=actor.id, created_at=now or utcnow())
    _seal(escalation, opened.keys, certified_public_key(keys, manager, Role.MANAGER), key,
          summary=summary, note=None)
    db.add(escalation)
    db.flush()
    record_event(db, keys.audit, action=AuditAction.CASE_ESCALATED, actor_kind=ActorKind.USER,
                 actor_id=actor.id, case_id=case.id, target_id=escalation.id, at=now)
    queue_notice(db, settings, Notice(ESCALATION, (manager.email,)))
    return escalation


def _seal(escalation: Escalation, keys: Keyring, manager_key: bytes, key: bytes, *,
          summary: str, note: str | None) -> None:
    """Seal the texts under the escalation's `key`, wrap it to the manager's certified
    `manager_key` and seal it under the newest staff key of `keys`."""
    escalation.manager_wrap = wrap_case_key(key, manager_key,
                                            case_id=_wrap_context(escalation),
                                            recipient_id=escalation.manager_id)
    escalation.staff_sealed_key = seal_item(keys.newest(KeyKind.STAFF),
                                            case_id=escalation.case_id, item_id=escalation.id,
                                            kind=_KEY_ITEM, plaintext=key)
    escalation.key_generation = keys.generation
    escalation.sealed_summary = seal_text(key, case_id=escalation.case_id,
                                          item_id=escalation.id, kind=_SUMMARY_ITEM,
                                          text=summary)
    escalation.sealed_decision_note = None if note is None else seal_text(
        key, case_id=escalation.case_id, item_id=escalation.id, kind=_NOTE_ITEM, text=note)


def _staff_opened_key(escalation: Escalation, keys: Keyring) -> bytes | None:
    staff_key = keys.key(KeyKind.STAFF, escalation.key_generation)
    if staff_key is None:
        return None
    try:
        return open_item(staff_key, case_id=escalation.case_id, item_id=escalation.id,
                         kind=_KEY_ITEM, blob=escalation.staff_sealed_key)
    except InvalidCiphertext:
        return None


def _open(escalation: Escalation, key: bytes | None) -> OpenedEscalation:
    if key is None:
        return OpenedEscalation(escalation, None, None, None)
    context = {"case_id": escalation.case_id, "item_id": escalation.id}
    try:
        summary: str | None = open_text(key, kind=_SUMMARY_ITEM,
                                        blob=escalation.sealed_summary, **context)
    except InvalidCiphertext:
        summary = None
    note: str | None = None
    if escalation.sealed_decision_note is not None:
        try:
            note = open_text(key, kind=_NOTE_ITEM, blob=escalation.sealed_decision_note,
                             **context)
        except InvalidCiphertext:
            note = None
    return OpenedEscalation(escalation, key, summary, note)


def escalations_for_handler(db: Session, opened: HandlerCase) -> list[OpenedEscalation]:
    """The case's escalations as its handlers read them (through the staff key)."""
    result = []
    for escalation in db.scalars(select(Escalation).where(Escalation.case_id == opened.case.id)
                                 .order_by(Escalation.created_at, Escalation.id)):
        result.append(_open(escalation, _staff_opened_key(escalation, opened.keys)))
    return result


def rekey_escalations(db: Session, keys: ServerKeys, *, case: Case, ring: Keyring,
                      leaving: set[str]) -> None:
    """After the case's keys were replaced (`ring` is of the new generation): give each
    escalation still open to its manager a new key, sealed under the new staff key, so a
    decision note written from now on is not under a key the person just left out holds.
    The texts are sealed again under it (they were readable to that person already). An
    escalation that does not open is left as it is; a manager who is `leaving`, or whose key
    is no longer certified, does not receive it (wraps go to certified keys only); the
    caller closes the escalations of a manager who leaves."""
    for escalation in db.scalars(select(Escalation).where(
            Escalation.case_id == case.id, Escalation.manager_wrap.is_not(None),
            Escalation.manager_id.not_in(sorted(leaving)))):
        opened = _open(escalation, _staff_opened_key(escalation, ring))
        damaged_note = escalation.sealed_decision_note is not None and \
            opened.decision_note is None
        if opened.summary is None or damaged_note:
            continue
        manager = db.get(User, escalation.manager_id)
        if manager is None or not is_certified(keys, manager, Role.MANAGER):
            escalation.manager_wrap = None
            continue
        _seal(escalation, ring, certified_public_key(keys, manager, Role.MANAGER),
              new_case_key(), summary=opened.summary, note=opened.decision_note)


def escalations_for_manager(db: Session, case_id: str, manager: User,
                            private_key: bytes) -> list[OpenedEscalation]:
    """The escalations of `case_id` put before `manager` that their key still opens."""
    result = []
    for escalation in db.scalars(select(Escalation).where(
            Escalation.case_id == case_id, Escalation.manager_id == manager.id,
            Escalation.manager_wrap.is_not(None)).order_by(Escalation.created_at)):
        if escalation.manager_wrap is None:  # filtered above; narrows the type
            continue
        try:
            key: bytes | None = unwrap_case_key(escalation.manager_wrap, private_key,
                                                case_id=_wrap_context(escalation),
                                                recipient_id=manager.id)
        except InvalidCiphertext:
            continue
        result.append(_open(escalation, key))
    return result


def record_decision(db: Session, keys: ServerKeys, *, opened: OpenedEscalation, manager: User,
                    decision: str, note: str, now: datetime | None = None) -> None:
    """The manager's decision (clear, for the supplier module) and their note (sealed)."""
    escalation = opened.escalation
    if decision not in set(EscalationDecision):
        raise Refusal(N_("Choose a decision from the list."))
    if escalation.manager_id != manager.id or opened.key is None:
        raise Refusal(N_("This escalation is not yours to decide."))
    now = now or utcnow()
    escalation.decision = EscalationDecision(decision)
    escalation.decided_at = now
    escalation.decided_by = manager.id
    escalation.sealed_decision_note = seal_text(
        opened.key, case_id=escalation.case_id, item_id=escalation.id, kind=_NOTE_ITEM,
        text=note) if note.strip() else None
    record_event(db, keys.audit, action=AuditAction.ESCALATION_DECIDED, actor_kind=ActorKind.USER,
                 actor_id=manager.id, case_id=escalation.case_id, target_id=escalation.id,
                 at=now)


def pending_for_manager(db: Session, manager_id: str) -> list[EscalationRecord]:
    """Escalations put before `manager_id`, undecided first (for the manager's list), each
    with its case's reference."""
    rows = db.execute(select(Escalation, Case.reference)
                      .join(Case, Case.id == Escalation.case_id)
                      .where(Escalation.manager_id == manager_id,
                             Escalation.manager_wrap.is_not(None))
                      .order_by(Escalation.decision.is_not(None), Escalation.created_at))
    return [_record(row, reference) for row, reference in rows]


def escalations_for_supplier(db: Session, supplier_id: str) -> list[EscalationRecord]:
    """Escalations of cases linked to `supplier_id`, oldest first: the hook the supplier
    module's contract review reads (clear metadata only)."""
    rows = db.scalars(select(Escalation).join(Case, Case.id == Escalation.case_id)
                      .where(Case.supplier_id == supplier_id)
                      .order_by(Escalation.created_at, Escalation.id))
    return [_record(row) for row in rows]


def _record(row: Escalation, reference: str | None = None) -> EscalationRecord:
    return EscalationRecord(id=row.id, case_id=row.case_id, created_at=row.created_at,
                            decision=row.decision, decided_at=row.decided_at,
                            manager_id=row.manager_id, reference=reference)


def rewrap_manager_keys(db: Session, manager_id: str, old_private_key: bytes,
                        new_public_key: bytes) -> int:
    """Move the escalation keys wrapped to a manager's old key pair to their new one (they
    hold both private keys at this moment); returns how many were rewrapped."""
    moved = 0
    for escalation in db.scalars(select(Escalation).where(
            Escalation.manager_id == manager_id, Escalation.manager_wrap.is_not(None))):
        if escalation.manager_wrap is None:  # filtered above; narrows the type
            continue
        context = {"case_id": _wrap_context(escalation), "recipient_id": manager_id}
        try:
            key = unwrap_case_key(escalation.manager_wrap, old_private_key, **context)
        except InvalidCiphertext:
            continue
        escalation.manager_wrap = wrap_case_key(key, new_public_key, **context)
        moved += 1
    db.flush()
    return moved
