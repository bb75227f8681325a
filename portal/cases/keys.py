"""Who holds a case's keys: wrapping the case key (DEK) and the staff key to recipients.

Only certified public keys receive a wrap (design §3, key directory integrity): a row written
straight into the database cannot make itself a recipient of future cases. Every wrap to a
user checks the certificate itself (`portal.key_directory`), and routing follows the units
the certificate names, not the membership rows alone. That includes the reporter's key, which
the case code re-creates (crypto.reporter_keys): the portal certifies it at submission, with
an authority of its own ("reporter", the case), and every wrap to it checks that certificate.

Every wrap is of the case's current key generation (`Case.key_generation`, bound into the
envelope's info); wraps of any other generation are not opened (portal.cases.keyring).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import InvalidCiphertext, reporter_public_key, unwrap_case_key, wrap_case_key
from portal.cases.keyring import Keyring, unlock_keyring
from portal.key_directory import (
    UncertifiedRecipient,
    certified_public_key,
    certify_recovery_key,
    certify_reporter_key,
    is_certified,
    recovery_key_is_certified,
    recovery_recipient_id,
    reporter_key_is_certified,
)
from portal.models import Case, CaseKeyWrap, OrgUnit, RecoveryKey, Role, UnitMembership, User
from portal.serverkeys import ServerKeys
from portal.states import KeyKind, RecipientKind

# Re-exported: case code has always asked this module whether a key is certified.
__all__ = ["certify_recovery_key", "certify_reporter_key", "is_certified",
           "recovery_recipient_id"]

# The recipient id of the reporter's wrap; user ids are 32 hex digits, recovery ids start
# with "recovery:", so it names nobody else.
REPORTER_RECIPIENT = "reporter"


def active_recovery_key(db: Session, keys: ServerKeys) -> RecoveryKey | None:
    recovery = db.scalar(select(RecoveryKey).where(RecoveryKey.active.is_(True)))
    if recovery is None or not recovery_key_is_certified(keys, recovery):
        return None
    return recovery


def certified_reporter_key(keys: ServerKeys, case: Case) -> bytes | None:
    """The reporter's public key of `case`, or None if its record or certificate is not the
    one made at submission (then no new case key may be wrapped to it)."""
    try:
        public_key = reporter_public_key(case.reporter_key)
    except InvalidCiphertext:
        return None
    if not reporter_key_is_certified(keys, case.id, public_key, case.reporter_key_certificate):
        return None
    return public_key


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


def wrap_context(case_id: str, key_kind: KeyKind, generation: int) -> str:
    """What an envelope binds besides its recipient: the case, the key and its generation.
    Generation 0 keeps the form of the first release, so its envelopes still open."""
    if generation == 0:
        return f"{case_id}:{key_kind}"
    return f"{case_id}:{key_kind}:{generation}"


def _wrap(case: Case, kind: RecipientKind, recipient_id: str, public_key: bytes,
          key_kind: KeyKind, key: bytes) -> CaseKeyWrap:
    # `key` must be of the case's current generation: that is what the wrap is labelled with.
    return CaseKeyWrap(
        case_id=case.id, key_kind=key_kind, recipient_kind=kind, recipient_id=recipient_id,
        generation=case.key_generation,
        blob=wrap_case_key(key, public_key, recipient_id=recipient_id,
                           case_id=wrap_context(case.id, key_kind, case.key_generation)),
    )


def wrap_for_user(case: Case, user: User, key_kind: KeyKind, key: bytes, *,
                  keys: ServerKeys) -> CaseKeyWrap:
    """Wrap a case's key, of the case's current generation, to a handler; refused
    (`UncertifiedRecipient`) unless their certificate makes them a handler."""
    public_key = certified_public_key(keys, user, Role.HANDLER)
    return _wrap(case, RecipientKind.USER, user.id, public_key, key_kind, key)


def wrap_for_recovery(case: Case, recovery: RecoveryKey, key_kind: KeyKind,
                      key: bytes) -> CaseKeyWrap:
    return _wrap(case, RecipientKind.RECOVERY, recovery_recipient_id(recovery),
                 recovery.public_key, key_kind, key)


def wrap_for_reporter(case: Case, key: bytes, *, keys: ServerKeys) -> CaseKeyWrap:
    """Wrap the case key (never the staff key) to the reporter's key pair; refused
    (`UncertifiedRecipient`) unless the case's reporter key holds its certificate."""
    public_key = certified_reporter_key(keys, case)
    if public_key is None:
        raise UncertifiedRecipient(REPORTER_RECIPIENT)
    return _wrap(case, RecipientKind.REPORTER, REPORTER_RECIPIENT, public_key, KeyKind.CASE,
                 key)


def open_reporter_keys(db: Session, case: Case, private_key: bytes) -> Keyring | None:
    """The reporter's ring: the newest case key from their wrap, the older ones from the
    chain; None if their wrap is missing or does not open."""
    wrap = db.scalar(select(CaseKeyWrap).where(
        CaseKeyWrap.case_id == case.id, CaseKeyWrap.recipient_id == REPORTER_RECIPIENT,
        CaseKeyWrap.key_kind == KeyKind.CASE, CaseKeyWrap.generation == case.key_generation))
    if wrap is None:
        return None
    try:
        key = unwrap_case_key(wrap.blob, private_key, recipient_id=REPORTER_RECIPIENT,
                              case_id=wrap_context(case.id, KeyKind.CASE, wrap.generation))
    except InvalidCiphertext:
        return None
    return unlock_keyring(db, case.id, wrap.generation, {KeyKind.CASE: key})


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
        return unwrap_case_key(wrap.blob, private_key, recipient_id=recipient_id,
                               case_id=wrap_context(case_id, key_kind, wrap.generation))
    except InvalidCiphertext:
        return None


def open_case_keys(db: Session, case_id: str, recipient_id: str,
                   private_key: bytes) -> tuple[Case | None, dict[KeyKind, bytes]]:
    """The case and every key of its current generation this recipient can unwrap, in one
    query (the case page runs this on every load). A wrap that does not open is left out, as
    if absent; so is a wrap of an older generation, which nobody may write under any more."""
    rows = db.execute(
        select(CaseKeyWrap, Case).join(Case, Case.id == CaseKeyWrap.case_id).where(
            CaseKeyWrap.case_id == case_id,
            CaseKeyWrap.recipient_id == recipient_id,
            CaseKeyWrap.generation == Case.key_generation,
        )
    ).all()
    case = rows[0][1] if rows else None
    keys: dict[KeyKind, bytes] = {}
    for wrap, _case in rows:
        try:
            keys[wrap.key_kind] = unwrap_case_key(
                wrap.blob, private_key, recipient_id=recipient_id,
                case_id=wrap_context(case_id, wrap.key_kind, wrap.generation))
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
    (made for a key lost before it) are left as they are. Returns how many were rewrapped.

    Only wraps of each case's current key generation are moved, each under the context of
    its generation (`wrap_context`); an exclusion deletes every wrap of the generation before,
    so no other should exist, and one that does is never opened."""
    moved = 0
    for wrap in db.scalars(select(CaseKeyWrap).join(Case, Case.id == CaseKeyWrap.case_id).where(
            CaseKeyWrap.recipient_id == user_id,
            CaseKeyWrap.recipient_kind == RecipientKind.USER,
            CaseKeyWrap.generation == Case.key_generation)):
        context = {"case_id": wrap_context(wrap.case_id, wrap.key_kind, wrap.generation),
                   "recipient_id": user_id}
        try:
            key = unwrap_case_key(wrap.blob, old_private_key, **context)
        except InvalidCiphertext:
            continue
        wrap.blob = wrap_case_key(key, new_public_key, **context)
        moved += 1
    db.flush()
    return moved
