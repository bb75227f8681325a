"""The holder sets up their own authenticator at the first sign-in (finding 14).

An account made or reset on the web has no TOTP secret: the administrator chose its password,
so they must not also hold its second factor. After a right password the sign-in does not
complete: a new secret is made and kept, with the private key the password unlocked, in a
short-lived server-side session of its own kind (sealed under a key that lives only in the
browser's cookie, like a staff session). Only a valid code from the holder's app stores the
secret and lets the sign-in complete; the forced password change follows as usual.

The state is bound to the user's session generation and dies with a reset, a sign-out
everywhere, a disabled account or a lock after failed codes; a second browser that enrolled
first wins (a conditional UPDATE), so two parallel enrolments cannot both store a secret.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from admin.accounts.totp import (
    SECRET_BYTES,
    matching_step,
    new_totp_secret,
    seal_totp_secret,
)
from admin.auth.services import _record_failure, is_locked
from portal.audit import record_event
from portal.models import ServerSession, User
from portal.server_sessions import resume_session, start_session
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, AuditAction

# At most 10 characters (server_sessions.kind).
ENROLMENT_SESSION_KIND = "enrolment"
ENROLMENT_COOKIE = "aktsom_enrol"
# Long enough to find the phone and scan; the password is asked again after it.
ENROLMENT_LIFETIME = timedelta(minutes=10)


class EnrolmentOutcome(enum.Enum):
    ENROLLED = "enrolled"
    WRONG_CODE = "wrong_code"
    # Locked after failed codes, or enrolled meanwhile from another browser: sign in again.
    ENDED = "ended"


@dataclass(frozen=True)
class PendingEnrolment:
    """An enrolment in progress: the user, the secret shown to them and their unlocked key."""

    row: ServerSession
    user: User
    secret: bytes
    private_key: bytes


def begin_enrolment(db: Session, user: User, private_key: bytes) -> str:
    """A new secret and enrolment state for `user`; returns the cookie value that opens it."""
    return start_session(
        db,
        kind=ENROLMENT_SESSION_KIND,
        payload=new_totp_secret() + private_key,
        user_id=user.id,
        user_generation=user.session_generation,
    )


def resume_enrolment(db: Session, cookie_value: str | None,
                     now: datetime) -> PendingEnrolment | None:
    """The enrolment behind `cookie_value`, or None (and the state deleted) once it has
    expired or no longer fits the account."""
    opened = resume_session(db, cookie_value, kind=ENROLMENT_SESSION_KIND,
                            idle=ENROLMENT_LIFETIME, absolute=ENROLMENT_LIFETIME, now=now)
    if opened is None:
        return None
    row = opened.row
    user = db.get(User, row.user_id) if row.user_id else None
    if (user is None or user.disabled or is_locked(user, now)
            or row.user_generation != user.session_generation
            or user.sealed_totp_secret is not None):
        db.delete(row)
        return None
    return PendingEnrolment(row=row, user=user, secret=opened.payload[:SECRET_BYTES],
                            private_key=opened.payload[SECRET_BYTES:])


def confirm_enrolment(db: Session, keys: ServerKeys, pending: PendingEnrolment, code: str,
                      now: datetime) -> EnrolmentOutcome:
    """Store the secret if `code` is valid for it; a wrong code counts as a failed sign-in.

    On ENROLLED the enrolment state is gone and the caller starts the staff session.
    """
    user = pending.user
    step = matching_step(pending.secret, code, now, user.last_totp_step)
    if step is None:
        _record_failure(db, user, keys, now)
        if is_locked(user, now):
            db.delete(pending.row)
            return EnrolmentOutcome.ENDED
        return EnrolmentOutcome.WRONG_CODE
    sealed = seal_totp_secret(keys, user.id, pending.secret)
    result = db.execute(
        update(User)
        .where(User.id == user.id, User.sealed_totp_secret.is_(None))
        .values(sealed_totp_secret=sealed, totp_confirmed=True, last_totp_step=step,
                failed_logins=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    db.delete(pending.row)
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        return EnrolmentOutcome.ENDED
    db.refresh(user)
    for action in (AuditAction.USER_TOTP_ENROLLED, AuditAction.SIGNED_IN):
        record_event(db, keys.audit, action=action, actor_kind=ActorKind.USER,
                     actor_id=user.id, target_id=user.id, at=now)
    return EnrolmentOutcome.ENROLLED
