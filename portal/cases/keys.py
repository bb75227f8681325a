"""Who holds a case's keys: wrapping the case key (DEK) and the staff key to recipients.

Only certified public keys receive a wrap (design §3, key directory integrity): a row written
straight into the database cannot make itself a recipient of future cases. Every wrap to a
user checks the certificate itself (`portal.key_directory`), and routing follows the units
the certificate names, not the membership rows alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import InvalidCiphertext, unwrap_case_key, wrap_case_key
from portal.key_directory import (
    certified_public_key,
    certify_recovery_key,
    is_certified,
    recovery_key_is_certified,
    recovery_recipient_id,
)
from portal.models import Case, CaseKeyWrap, OrgUnit, RecoveryKey, Role, UnitMembership, User
from portal.serverkeys import ServerKeys
from portal.states import KeyKind, RecipientKind

# Re-exported: case code has always asked this module whether a key is certified.
__all__ = ["certify_recovery_key", "is_certified", "recovery_recipient_id"]


def active_recovery_key(db: Session, keys: ServerKeys) -> RecoveryKey | None:
    recovery = db.scalar(select(RecoveryKey).where(RecoveryKey.active.is_(True)))
    if recovery is None or not recovery_key_is_certified(keys, recovery):
        return None
    return recovery


def handlers_of_units(db: Session, unit_ids: list[str]) -> list[User]:
    """Enabled handlers who are members of any of `unit_ids`, in a stable order."""
    if not unit_ids:
        return []
    users = db.scalars(
        select(User)
        .join(UnitMembership, UnitMembership.user_id == User.id)
        .where(UnitMembership.unit_id.in_(unit_ids), User.disabled.is_(False))
        .order_by(User.name, User.id)
        .distinct()
    ).all()
    return [user for user in users if user.has_role(Role.HANDLER)]


def group_unit_ids(db: Session) -> list[str]:
    return list(db.scalars(select(OrgUnit.id).where(OrgUnit.is_group.is_(True))))


@dataclass(frozen=True)
class Routing:
    handlers: list[User]
    routed_to_group: bool


def route_case(db: Session, keys: ServerKeys, unit_id: str | None,
               excluded_user_ids: set[str]) -> Routing:
    """The handlers a new case goes to: the unit's, minus the reporter's exclusions; the
    group's when none would be left (the reporter is told so on the form). Only handlers
    whose certificate names the unit count, whatever the membership rows say."""
    if unit_id is not None:
        chosen = [user for user in handlers_of_units(db, [unit_id])
                  if user.id not in excluded_user_ids
                  and is_certified(keys, user, Role.HANDLER, [unit_id])]
        if chosen:
            return Routing(chosen, routed_to_group=False)
    group_ids = group_unit_ids(db)
    group = [user for user in handlers_of_units(db, group_ids)
             if user.id not in excluded_user_ids
             and is_certified(keys, user, Role.HANDLER, group_ids)]
    return Routing(group, routed_to_group=True)


def wrap_for_user(case: Case, user: User, key_kind: KeyKind, key: bytes, *,
                  keys: ServerKeys) -> CaseKeyWrap:
    """Wrap a case's key to a handler; refused (`UncertifiedRecipient`) unless their
    certificate makes them a handler."""
    public_key = certified_public_key(keys, user, Role.HANDLER)
    return CaseKeyWrap(
        case_id=case.id,
        key_kind=key_kind,
        recipient_kind=RecipientKind.USER,
        recipient_id=user.id,
        blob=wrap_case_key(key, public_key, case_id=f"{case.id}:{key_kind}",
                           recipient_id=user.id),
    )


def wrap_for_recovery(case: Case, recovery: RecoveryKey, key_kind: KeyKind,
                      key: bytes) -> CaseKeyWrap:
    recipient = recovery_recipient_id(recovery)
    return CaseKeyWrap(
        case_id=case.id,
        key_kind=key_kind,
        recipient_kind=RecipientKind.RECOVERY,
        recipient_id=recipient,
        blob=wrap_case_key(key, recovery.public_key, case_id=f"{case.id}:{key_kind}",
                           recipient_id=recipient),
    )


def unwrap_for_recipient(db: Session, case_id: str, recipient_id: str, private_key: bytes,
                         key_kind: KeyKind) -> bytes | None:
    """The case's key of `key_kind` for this recipient, or None if they hold no wrap."""
    wrap = db.scalar(
        select(CaseKeyWrap).where(
            CaseKeyWrap.case_id == case_id,
            CaseKeyWrap.recipient_id == recipient_id,
            CaseKeyWrap.key_kind == key_kind,
        )
    )
    if wrap is None:
        return None
    try:
        return unwrap_case_key(wrap.blob, private_key, case_id=f"{case_id}:{key_kind}",
                               recipient_id=recipient_id)
    except InvalidCiphertext:
        return None


def open_case_keys(db: Session, case_id: str, recipient_id: str,
                   private_key: bytes) -> tuple[Case | None, dict[str, bytes]]:
    """The case and every key of it this recipient can unwrap, in one query (the case page
    runs this on every load). A wrap that does not open is left out, as if absent."""
    rows = db.execute(
        select(CaseKeyWrap, Case).join(Case, Case.id == CaseKeyWrap.case_id).where(
            CaseKeyWrap.case_id == case_id,
            CaseKeyWrap.recipient_id == recipient_id,
        )
    ).all()
    case = rows[0][1] if rows else None
    keys: dict[str, bytes] = {}
    for wrap, _case in rows:
        try:
            keys[wrap.key_kind] = unwrap_case_key(
                wrap.blob, private_key, case_id=f"{case_id}:{wrap.key_kind}",
                recipient_id=recipient_id)
        except InvalidCiphertext:
            continue
    return case, keys


def holds_case(db: Session, case_id: str, user_id: str) -> bool:
    return db.scalar(
        select(CaseKeyWrap.id).where(
            CaseKeyWrap.case_id == case_id,
            CaseKeyWrap.recipient_id == user_id,
            CaseKeyWrap.key_kind == KeyKind.CASE,
        )
    ) is not None


def rewrap_user_keys(db: Session, user_id: str, old_private_key: bytes,
                     new_public_key: bytes) -> int:
    """Move every case key wrapped to a user's old key pair to their new one (the holder has
    both private keys at this moment, so no one gains access). Wraps the old key cannot open
    (made for a key lost before it) are left as they are. Returns how many were rewrapped."""
    moved = 0
    for wrap in db.scalars(select(CaseKeyWrap).where(
            CaseKeyWrap.recipient_id == user_id,
            CaseKeyWrap.recipient_kind == RecipientKind.USER)):
        context = {"case_id": f"{wrap.case_id}:{wrap.key_kind}", "recipient_id": user_id}
        try:
            key = unwrap_case_key(wrap.blob, old_private_key, **context)
        except InvalidCiphertext:
            continue
        wrap.blob = wrap_case_key(key, new_public_key, **context)
        moved += 1
    db.flush()
    return moved
