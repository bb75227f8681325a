"""Who may open a case: conflict-of-interest exclusion, grants between handlers, and
re-sharing every case from the recovery key (design §3).

Access is cryptographic, not a flag: excluding someone deletes their key wraps and replaces
both case keys for everything written afterwards (portal.cases.rotation), so neither the
database nor an old backup of their wraps opens what follows; granting rewraps both case keys
to the grantee's certified public key. Who was left out (by the reporter at submission, or by
a handler since; portal.cases.exclusions) is honoured by every path that hands a case out
again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crypto import InvalidCiphertext, UserKeyPair, unwrap_case_key
from portal.audit import record_event
from portal.cases.exclusions import excluded_user_ids, is_excluded
from portal.cases.handling import HandlerCase
from portal.cases.keyring import Keyring, unlock_keyring
from portal.cases.keys import is_certified, recovery_recipient_id, wrap_context, wrap_for_user
from portal.cases.rotation import rotate_case_keys
from portal.db import after_commit, checkpoint_wal
from portal.key_directory import recovery_key_is_certified
from portal.models import (
    Case,
    CaseExclusion,
    CaseKeyWrap,
    Escalation,
    RecoveryKey,
    Role,
    User,
)
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, AuditAction, KeyKind, RecipientKind


def case_holder_ids(db: Session, case_id: str) -> list[str]:
    """Users holding the case key of `case_id`."""
    return list(db.scalars(select(CaseKeyWrap.recipient_id).where(
        CaseKeyWrap.case_id == case_id, CaseKeyWrap.key_kind == KeyKind.CASE,
        CaseKeyWrap.recipient_kind == RecipientKind.USER).order_by(CaseKeyWrap.recipient_id)))


def _share(db: Session, keys: ServerKeys, case: Case, user: User, ring: Keyring) -> None:
    """Give `user` both newest keys, replacing wraps made for an older key pair of theirs (a
    reset password makes a new pair, and the old wraps no longer open). The older keys reach
    them through the chain (portal.cases.keyring)."""
    db.execute(delete(CaseKeyWrap).where(CaseKeyWrap.case_id == case.id,
                                         CaseKeyWrap.recipient_id == user.id))
    db.add(wrap_for_user(case, user, KeyKind.CASE, ring.newest(KeyKind.CASE), keys=keys))
    db.add(wrap_for_user(case, user, KeyKind.STAFF, ring.newest(KeyKind.STAFF), keys=keys))
    db.flush()


def _check_recipient(keys: ServerKeys, user: User) -> None:
    if user.disabled or not user.has_role(Role.HANDLER):
        raise Refusal(N_("Cases can only be shared with an active case handler."))
    if not is_certified(keys, user, Role.HANDLER):
        # A key nobody approved may have been planted in the database, or a handler role
        # inserted as a row (design §3): the certificate must say "handler".
        raise Refusal(N_("This handler's key has not been approved by an "
                                 "administrator, so no case can be shared with them."))


def exclude_user(db: Session, keys: ServerKeys, *, opened: HandlerCase, actor: User,
                 excluded: User) -> None:
    """Leave `excluded` out of the case for a conflict of interest: delete their key wraps (both
    kinds) and their escalation wraps, replace both case keys for everything written from now
    on (portal.cases.rotation), and remember it so no grant or recovery undoes it.

    Refused, with nothing changed, when no other handler would hold the case or its keys
    cannot be replaced. On SQLite the write-ahead log, which still holds the deleted wraps,
    is checkpointed and truncated after the commit.
    """
    case = opened.case
    rotate_case_keys(db, keys, opened=opened, leaving={excluded.id})
    for escalation in db.scalars(select(Escalation).where(
            Escalation.case_id == case.id, Escalation.manager_id == excluded.id)):
        escalation.manager_wrap = None
    already = db.scalar(select(CaseExclusion.id).where(CaseExclusion.case_id == case.id,
                                                       CaseExclusion.user_id == excluded.id))
    if already is None:
        db.add(CaseExclusion(case_id=case.id, user_id=excluded.id, excluded_by=actor.id))
    record_event(db, keys.audit, action=AuditAction.CASE_USER_EXCLUDED, actor_kind=ActorKind.USER,
                 actor_id=actor.id, case_id=case.id, target_id=excluded.id)
    db.flush()
    # The deleted wraps linger in SQLite's write-ahead log until a checkpoint (portal.db).
    after_commit(db, partial(checkpoint_wal, db.get_bind().engine))


def grant_case(db: Session, keys: ServerKeys, *, opened: HandlerCase, actor: User,
               grantee: User) -> None:
    """Share the case with another handler: both keys rewrapped to their certified key."""
    _check_recipient(keys, grantee)
    if is_excluded(db, opened.case, opened.keys, grantee.id):
        raise Refusal(N_("This case cannot be shared with this person."))
    _share(db, keys, opened.case, grantee, opened.keys)
    record_event(db, keys.audit, action=AuditAction.CASE_GRANTED, actor_kind=ActorKind.USER,
                 actor_id=actor.id, case_id=opened.case.id, target_id=grantee.id)


def grantable_handlers(db: Session, keys: ServerKeys, opened: HandlerCase,
                       actor: User) -> list[User]:
    """Handlers the actor may share the case with (for the form's choices)."""
    excluded = excluded_user_ids(db, opened.case, opened.keys)
    users = db.scalars(select(User).where(User.disabled.is_(False), User.id != actor.id)
                       .order_by(User.name, User.id)).all()
    return [user for user in users if is_certified(keys, user, Role.HANDLER)
            and user.id not in excluded]


class RecoveryKeyMismatch(ValueError):
    """The sheet's key is not a recovery key of this installation."""


@dataclass(frozen=True)
class RecoveryResult:
    shared: int
    skipped_excluded: int
    unreadable: int


def _recovery_keys_for(db: Session, keys: ServerKeys, pair: UserKeyPair) -> list[RecoveryKey]:
    """This installation's recovery keys (active or retired) that match the sheet."""
    found = [row for row in db.scalars(select(RecoveryKey))
             if row.public_key == pair.public_bytes and recovery_key_is_certified(keys, row)]
    if not found:
        raise RecoveryKeyMismatch("the recovery sheet does not match this installation")
    return found


def recover_all_cases(db: Session, keys: ServerKeys, *, pair: UserKeyPair,
                      to_user: User) -> RecoveryResult:
    """Re-share every case the recovery key can open to `to_user` (design §3).

    Cases the user was excluded from (by the reporter or a handler) are skipped: recovery
    restores access, it does not override a conflict of interest.
    """
    _check_recipient(keys, to_user)
    by_case: dict[str, dict[KeyKind, bytes]] = {}
    for recovery in _recovery_keys_for(db, keys, pair):
        recipient = recovery_recipient_id(recovery)
        # Only wraps of each case's current generation: the older keys follow from the chain.
        wraps = db.execute(select(CaseKeyWrap.case_id, CaseKeyWrap.key_kind,
                                  CaseKeyWrap.generation, CaseKeyWrap.blob)
                           .join(Case, Case.id == CaseKeyWrap.case_id)
                           .where(CaseKeyWrap.recipient_id == recipient,
                                  CaseKeyWrap.generation == Case.key_generation)).all()
        for case_id, key_kind, generation, blob in wraps:
            try:
                key = unwrap_case_key(blob, pair.private_bytes, recipient_id=recipient,
                                      case_id=wrap_context(case_id, key_kind, generation))
            except InvalidCiphertext:
                continue
            by_case.setdefault(case_id, {})[key_kind] = key
    shared = skipped = unreadable = 0
    for case_id, case_keys in sorted(by_case.items()):
        case = db.get(Case, case_id)
        if case is None or KeyKind.CASE not in case_keys or KeyKind.STAFF not in case_keys:
            unreadable += 1
            continue
        ring = unlock_keyring(db, case.id, case.key_generation, case_keys)
        if is_excluded(db, case, ring, to_user.id):
            skipped += 1
            continue
        _share(db, keys, case, to_user, ring)
        record_event(db, keys.audit, action=AuditAction.CASE_RECOVERED, actor_kind=ActorKind.SYSTEM,
                     case_id=case_id, target_id=to_user.id)
        shared += 1
    return RecoveryResult(shared=shared, skipped_excluded=skipped, unreadable=unreadable)
