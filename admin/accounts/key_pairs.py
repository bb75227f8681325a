"""Staff key pairs (design §3): approving a key, keeping its certificate in step with the roles
and units an administrator sets, making a new pair when the holder sets their own password,
and the alarm when a stored public key turns out not to be the holder's.

The server vouches for a key (certifies it) only for what an administrator chose on these
pages or the operator at the console, and only for a key the server made itself or saw its
holder unlock: a key or a role written straight into the database is never certified.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Argon2Costs, Settings
from crypto import KeyAuthority, UserKeyPair, seal_private_key
from portal.approvals import decode_authority, pending, request_approval, take_approval
from portal.argon2_costs import argon2_params
from portal.audit import Actor, record_event
from portal.cases.escalations import rewrap_manager_keys
from portal.cases.keys import rewrap_user_keys
from portal.key_directory import (
    certificate_authority,
    claimed_authority,
    has_key_proof,
    reissue_certificate,
    set_key_pair,
)
from portal.models import Role, User, UserRole
from portal.notifications import KEY_MISMATCH, Notice, queue_notice
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, ApprovalKind, AuditAction

_log = logging.getLogger("aktsom.keys")


def _record(db: Session, keys: ServerKeys, actor: Actor, action: AuditAction,
            user: User) -> None:
    record_event(db, keys.audit, action=action, actor_kind=actor.kind, actor_id=actor.id,
                 target_id=user.id)


def certify_user_key(db: Session, user: User, keys: ServerKeys, actor: Actor) -> bool:
    """Approve the user's key for the roles and units they hold, after an admin compared the
    fingerprint with the one the holder's session shows. Returns True when certified now,
    False when a signed-in administrator's approval waits for a second one (four eyes).

    Refused unless the holder has shown the key is theirs (finding 2): a key swapped in the
    database has no possession tag, so its fingerprint is never offered for approval.
    """
    if not has_key_proof(keys, user):
        raise Refusal(N_("The holder has not yet shown that this key is theirs. Ask them to "
                         "sign in once, then approve the key."))
    wanted = claimed_authority(user)
    if wanted.empty:
        raise Refusal(N_("This account has no role that receives cases, so its key needs "
                         "no approval."))
    if needs_second_approval(actor, certificate_authority(keys, user), wanted):
        request_approval(db, keys, actor, kind=ApprovalKind.KEY_AUTHORITY, subject=user,
                         authority=wanted)
        return False
    user.key_certificate = reissue_certificate(keys, user.id, user.public_key, wanted)
    _record(db, keys, actor, AuditAction.USER_KEY_CERTIFIED, user)
    return True


def needs_second_approval(actor: Actor, current: KeyAuthority | None,
                          wanted: KeyAuthority) -> bool:
    """True when a signed-in person would give a key more to receive than it is certified
    for: a second administrator must approve (security finding 14). The console is the
    operator's trusted path; narrowing is never held up."""
    more = not wanted.empty and (current is None or not current.covers(wanted))
    return more and actor.kind == ActorKind.USER


def approve_key_authority(db: Session, keys: ServerKeys, approver: Actor,
                          request_id: str, *, approve: bool) -> User | None:
    """A second administrator decides a request to give a key more authority. Approved: the
    key is certified for what was asked and the rows still claim (never more). Returns the
    user when certified."""
    deciding = db.get(User, approver.id) if approver.id else None
    if deciding is None or deciding.disabled or not deciding.has_role(Role.ADMIN):
        raise Refusal(N_("Only another administrator can decide this."))
    request = take_approval(db, keys, approver, request_id, kind=ApprovalKind.KEY_AUTHORITY,
                            approve=approve)
    if request is None:
        return None
    user = db.get(User, request.subject_id)
    if user is None or user.disabled:
        raise Refusal(N_("This account no longer exists or is disabled."))
    if not has_key_proof(keys, user):
        raise Refusal(N_("The holder has not yet shown that this key is theirs. Ask them to "
                         "sign in once, then approve the key."))
    asked = decode_authority(request.authority)
    granted = narrowed(asked, claimed_authority(user))
    if granted.empty:
        raise Refusal(N_("The account no longer has the roles and units that were asked for."))
    user.key_certificate = reissue_certificate(keys, user.id, user.public_key, granted)
    _record(db, keys, approver, AuditAction.USER_KEY_CERTIFIED, user)
    return user


def narrowed(authority: KeyAuthority, to: KeyAuthority) -> KeyAuthority:
    """What `authority` and `to` both allow (no units without a receiving role)."""
    roles = authority.roles & to.roles
    return KeyAuthority.of(roles, authority.units & to.units if roles else ())


def keep_certificate_in_step(db: Session, user: User, keys: ServerKeys, actor: Actor, *,
                             audited: bool = False) -> None:
    """After an administrator set roles and units: certify exactly what they chose (finding 3).

    A key that now receives nothing loses its certificate. A key the server cannot vouch for
    (no valid certificate and no possession tag) is left for approval after its holder signs
    in. `audited`: the caller recorded the change of roles or units, which says all the new
    certificate says; otherwise (rows brought back in line) the certificate is an event.
    """
    wanted = claimed_authority(user)
    current = certificate_authority(keys, user)
    if current == wanted or (current is None and wanted.empty):
        return
    if wanted.empty:
        user.key_certificate = None
        action = AuditAction.USER_KEY_CERTIFICATE_WITHDRAWN
    elif current is None and not has_key_proof(keys, user):
        return
    elif needs_second_approval(actor, current, wanted):
        # Until a second administrator approves, the rows claim more than the certificate,
        # so the key receives nothing (key_directory.certified_authority): fail closed.
        waiting = pending(db, ApprovalKind.KEY_AUTHORITY, subject_id=user.id)
        if not any(decode_authority(item.authority) == wanted for item in waiting):
            request_approval(db, keys, actor, kind=ApprovalKind.KEY_AUTHORITY, subject=user,
                             authority=wanted)
        return
    else:
        user.key_certificate = reissue_certificate(keys, user.id, user.public_key, wanted)
        action = AuditAction.USER_KEY_CERTIFIED
    if not audited:
        _record(db, keys, actor, action, user)


def replace_key_pair(keys: ServerKeys, user: User, pair: UserKeyPair, password: str,
                     costs: Argon2Costs) -> None:
    """Give the user `pair`, sealed under `password`, certified for what the old key was
    certified for (nothing, if the old certificate does not hold)."""
    authority = certificate_authority(keys, user)
    set_key_pair(keys, user, pair.public_bytes)
    user.sealed_private_key = seal_private_key(pair.private_bytes, password,
                                               argon2_params(costs), pepper=keys.key_sealing)
    user.key_certificate = reissue_certificate(keys, user.id, pair.public_bytes, authority)


def rotate_key_pair(db: Session, keys: ServerKeys, user: User, *, old_private_key: bytes,
                    new_password: str, costs: Argon2Costs) -> bytes:
    """A new key pair made in the holder's own session (finding 5); returns its private key.

    Every case and escalation key wrapped to the old pair is rewrapped to the new one (the
    holder has both private keys now), so whoever could open the old pair (an administrator
    who chose its password) opens nothing sent from here on, nor what was rewrapped. The new
    key is certified here, from the holder's session, for what the old one was.
    """
    pair = UserKeyPair.generate()
    rewrap_user_keys(db, user.id, old_private_key, pair.public_bytes)
    rewrap_manager_keys(db, user.id, old_private_key, pair.public_bytes)
    replace_key_pair(keys, user, pair, new_password, costs)
    _record(db, keys, Actor(ActorKind.USER, user.id), AuditAction.USER_KEY_ROTATED, user)
    return pair.private_bytes


def admin_addresses(db: Session) -> tuple[str, ...]:
    """Addresses of the enabled administrators."""
    return tuple(db.scalars(
        select(User.email).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN, User.disabled.is_(False)).order_by(User.email)))


def alert_key_mismatch(db: Session, keys: ServerKeys, user: User, *,
                       settings: Settings | None, now: datetime | None = None) -> None:
    """The private key a holder unlocked does not belong to the stored public key: someone
    replaced it in the database. Audited, logged without personal data, and the
    administrators are mailed (content-free) after the commit."""
    event = record_event(db, keys.audit, action=AuditAction.KEY_MISMATCH,
                         actor_kind=ActorKind.SYSTEM, target_id=user.id, at=now)
    _log.warning("sign-in refused: the stored public key does not match the account's "
                 "private key; see audit event %d", event.seq)
    if settings is not None:
        queue_notice(db, settings, Notice(KEY_MISMATCH, admin_addresses(db)))
