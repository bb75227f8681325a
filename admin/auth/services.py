"""Staff sign-in (design §4): Argon2id password, mandatory one-time TOTP code, account lock.

Every refusal looks the same to the person signing in (unknown email, wrong password, wrong or
reused code, locked or disabled account) and costs the same Argon2 time, so the page tells an
attacker nothing about which accounts exist. Failures are counted per account, never per
address: nothing about the client is stored.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import Session

from admin.accounts.key_pairs import alert_key_mismatch
from admin.accounts.passwords import (
    dummy_verify,
    hash_password,
    normalise_email,
    password_needs_rehash,
    verify_password,
)
from admin.accounts.totp import matching_step, open_totp_secret
from config import Argon2Costs, Settings
from crypto import (
    InvalidCiphertext,
    open_private_key,
    private_key_needs_reseal,
    seal_private_key,
)
from portal.access import STAFF_SESSION_KIND
from portal.argon2_costs import argon2_params
from portal.audit import record_event
from portal.key_directory import prove_possession
from portal.models import User
from portal.server_sessions import start_session
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, AuditAction

# From the third failure in a row each attempt waits a little longer; from the fifth the
# account is locked for a quarter of an hour.
SLOW_DOWN_AFTER_FAILURES = 3
LOCK_AFTER_FAILURES = 5
LOCK_PERIOD = timedelta(minutes=15)
# Failures are "in a row" only while each comes within this time of the end of the wait the
# one before it set. Together with forgiving a served lock, this keeps the lock from being a
# lever: before, the count never went down, so after one lock a single wrong attempt every
# 15 minutes (by anyone who knew the address) kept a staff member out for good.
FAILURE_MEMORY = timedelta(minutes=15)


class SignInStatus(enum.Enum):
    SIGNED_IN = "signed_in"
    # The password is right but no code was sent: ask for it (same form).
    NEED_CODE = "need_code"
    # The password is right and the account has no authenticator yet (made or reset on the
    # web): its holder sets one up before the sign-in completes (admin.auth.enrolment).
    NEED_ENROLMENT = "need_enrolment"
    REFUSED = "refused"


@dataclass(frozen=True)
class SignInResult:
    status: SignInStatus
    user: User | None = None
    private_key: bytes | None = None


_REFUSED = SignInResult(SignInStatus.REFUSED)


def wait_after(failures: int) -> timedelta | None:
    """How long an account stays shut after `failures` failures in a row (None: not at all)."""
    if failures >= LOCK_AFTER_FAILURES:
        return LOCK_PERIOD
    if failures >= SLOW_DOWN_AFTER_FAILURES:
        return timedelta(seconds=5 * 2 ** (failures - SLOW_DOWN_AFTER_FAILURES))
    return None


def is_locked(user: User, now: datetime) -> bool:
    """True while the account waits out a delay or lock after failed sign-ins."""
    return user.locked_until is not None and now < user.locked_until


def _record_failure(db: Session, user: User, keys: ServerKeys, now: datetime) -> None:
    # The count starts again at this failure when the lock it led to has been served, or
    # when the previous failure is long past. `locked_until` is set at every failure (to now
    # when there is nothing to wait), so it also says when the last wait ended.
    starts_again = and_(
        User.locked_until.is_not(None),
        or_(User.locked_until <= now - FAILURE_MEMORY,
            and_(User.failed_logins >= LOCK_AFTER_FAILURES, User.locked_until <= now)),
    )
    # Counted in SQL so that parallel guesses cannot overwrite each other's count.
    db.execute(
        update(User).where(User.id == user.id).values(
            failed_logins=case((starts_again, 1), else_=User.failed_logins + 1))
        .execution_options(synchronize_session=False)
    )
    failures = int(db.scalar(select(User.failed_logins).where(User.id == user.id)) or 0)
    user.failed_logins = failures
    # Never longer than LOCK_PERIOD from the last counted failure, and failures while locked
    # are not counted (authenticate refuses them first): a lock cannot be stretched.
    user.locked_until = now + (wait_after(failures) or timedelta(0))
    action = (AuditAction.LOCKED if failures == LOCK_AFTER_FAILURES
              else AuditAction.SIGN_IN_FAILED)
    record_event(db, keys.audit, action=action, actor_kind=ActorKind.SYSTEM, target_id=user.id,
                 at=now)


def _claim_step(db: Session, user: User, step: int) -> bool:
    """Store `step` as used unless an equal or later one already is: a conditional UPDATE, so
    two requests racing with the same code cannot both win."""
    result = db.execute(
        update(User)
        .where(User.id == user.id, User.last_totp_step < step)
        .values(last_totp_step=step)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        return False
    user.last_totp_step = step
    return True


def _unlock_private_key(db: Session, user: User, keys: ServerKeys, password: str,
                        now: datetime, settings: Settings | None) -> bytes | None:
    """The user's private key, or None (recorded or alerted) if it does not open or is not
    the key whose public half is stored."""
    try:
        private_key = open_private_key(user.sealed_private_key, password,
                                       pepper=keys.key_sealing)
    except InvalidCiphertext:
        # The hash matched but the key does not open: the row was tampered with.
        _record_failure(db, user, keys, now)
        return None
    if not prove_possession(keys, user, private_key):
        alert_key_mismatch(db, keys, user, settings=settings, now=now)
        return None
    return private_key


def authenticate(
    db: Session,
    *,
    costs: Argon2Costs,
    keys: ServerKeys,
    email: str,
    password: str,
    code: str,
    now: datetime,
    settings: Settings | None = None,
) -> SignInResult:
    """Check email, password and TOTP code; on success unlock the user's private key.

    The unlocked key must be the one whose public half is stored (finding 2): a public key
    replaced in the database refuses the sign-in and alerts the administrators (by mail when
    `settings` are given), rather than letting its holder work on under a key that is not
    theirs.
    """
    user = db.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or user.disabled or is_locked(user, now):
        dummy_verify(costs, password)
        return _REFUSED
    if not verify_password(costs, user, password, pepper=keys.password_pepper):
        _record_failure(db, user, keys, now)
        return _REFUSED
    if user.sealed_totp_secret is None:
        # No second factor yet: unlock the key now (the password is at hand only here) and
        # let the caller hold it in a short-lived enrolment state until a code confirms.
        enrolling_key = _unlock_private_key(db, user, keys, password, now, settings)
        if enrolling_key is None:
            return _REFUSED
        return SignInResult(SignInStatus.NEED_ENROLMENT, user=user, private_key=enrolling_key)
    if not code.strip():
        return SignInResult(SignInStatus.NEED_CODE)
    try:
        secret = open_totp_secret(keys, user.id, user.sealed_totp_secret)
    except InvalidCiphertext:
        # A secret that does not open was moved or altered in the database: refuse.
        _record_failure(db, user, keys, now)
        return _REFUSED
    step = matching_step(secret, code, now, user.last_totp_step)
    if step is None or not _claim_step(db, user, step):
        _record_failure(db, user, keys, now)
        return _REFUSED
    private_key = _unlock_private_key(db, user, keys, password, now, settings)
    if private_key is None:
        return _REFUSED
    user.failed_logins = 0
    user.locked_until = None
    user.totp_confirmed = True
    if (password_needs_rehash(costs, user.password_hash)
            or private_key_needs_reseal(user.sealed_private_key)):
        # The costs were raised, or the hash and seal are from before the server pepper:
        # upgrade both now, the only moment the password is at hand.
        user.password_hash = hash_password(costs, keys.password_pepper, password)
        user.sealed_private_key = seal_private_key(private_key, password, argon2_params(costs),
                                                   pepper=keys.key_sealing)
    record_event(db, keys.audit, action=AuditAction.SIGNED_IN, actor_kind=ActorKind.USER,
                 actor_id=user.id, target_id=user.id, at=now)
    return SignInResult(SignInStatus.SIGNED_IN, user=user, private_key=private_key)


def start_staff_session(db: Session, user: User, private_key: bytes) -> str:
    """A new server-side session holding the unlocked key; returns the cookie value."""
    return start_session(
        db,
        kind=STAFF_SESSION_KIND,
        payload=private_key,
        user_id=user.id,
        user_generation=user.session_generation,
    )
