"""Staff account services: create, certify, disable, change or reset passwords, roles and units.

Every function takes a `Session` and never commits (the request or the CLI command does), and
every change is appended to the audit chain. Passwords are hashed with Argon2id at the
configured costs; each user's hybrid private key is sealed under their password and a pepper
from the server-keys file (design §3), so neither admits guessing from a database copy.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from admin.accounts.key_pairs import (
    keep_certificate_in_step,
    needs_second_approval,
    replace_key_pair,
    rotate_key_pair,
)
from admin.accounts.memberships import access_lost, withdraw_access
from admin.accounts.passwords import (
    check_new_password,
    hash_password,
    normalise_email,
    verify_password,
)
from admin.accounts.totp import new_totp_secret, seal_totp_secret
from config import Argon2Costs, Settings
from crypto import (
    InvalidCiphertext,
    UserKeyPair,
    open_private_key,
    possession_tag,
    seal_private_key,
)
from portal.approvals import request_approval
from portal.argon2_costs import argon2_params
from portal.audit import CONSOLE, Actor, record_event
from portal.db import new_id
from portal.key_directory import authority_of, prove_possession, sign_certificate
from portal.key_directory import key_status as directory_status
from portal.models import OrgUnit, Role, UnitMembership, User, UserRole
from portal.notifications import ACCOUNT_RESET, Notice, queue_notice
from portal.outside_records import note_first_admin
from portal.refusals import N_, Refusal
from portal.server_sessions import end_user_sessions
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, ApprovalKind, AuditAction


@dataclass(frozen=True)
class CreatedUser:
    """A new user and the TOTP secret to show once (QR code, otpauth URI)."""

    user: User
    totp_secret: bytes


def _check_email(db: Session, email: str) -> None:
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email):
        raise Refusal(N_("Enter a valid email address."))
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise Refusal(N_("A user with this email address already exists."))


def audit(db: Session, keys: ServerKeys, actor: Actor, action: AuditAction,
          target: User) -> None:
    """Append one account event (who, what, on whom; never a secret) to the audit chain."""
    record_event(
        db, keys.audit, action=action, actor_kind=actor.kind, actor_id=actor.id,
        target_id=target.id,
    )


def create_user(
    db: Session,
    *,
    costs: Argon2Costs,
    keys: ServerKeys,
    email: str,
    name: str,
    password: str,
    roles: Iterable[Role],
    units: Iterable[OrgUnit] = (),
    actor: Actor = CONSOLE,
    password_change_required: bool = False,
) -> CreatedUser:
    """Make a user with a fresh key pair sealed under `password` and a new TOTP secret.

    For the trusted operator's paths (the console, the first-run link, where the person
    creating the account is its holder or hands it over in person) the TOTP secret is returned
    to be shown once. The key is certified for what `roles` and `units` may receive (nothing
    for admins and auditors): at once on those trusted paths, and after a second
    administrator's approval when a signed-in administrator creates it (four eyes, security
    finding 14). An admin-chosen password is temporary (`password_change_required`): the
    holder's own password comes with a new key pair (`change_password`).
    """
    secret = new_totp_secret()
    user = _make_user(db, costs=costs, keys=keys, email=email, name=name, password=password,
                      roles=roles, units=units, actor=actor, totp_secret=secret,
                      password_change_required=password_change_required)
    return CreatedUser(user=user, totp_secret=secret)


def create_user_to_enrol(
    db: Session,
    *,
    costs: Argon2Costs,
    keys: ServerKeys,
    email: str,
    name: str,
    password: str,
    roles: Iterable[Role],
    units: Iterable[OrgUnit] = (),
    actor: Actor,
) -> User:
    """Make a user as `create_user` does, but without a TOTP secret (finding 14).

    For an administrator on the web: they choose the temporary password, so they must not
    also hold the second factor. The holder sets up their own authenticator at the first
    sign-in (`admin.auth.enrolment`) and then replaces the password.
    """
    return _make_user(db, costs=costs, keys=keys, email=email, name=name, password=password,
                      roles=roles, units=units, actor=actor, totp_secret=None,
                      password_change_required=True)


def _make_user(
    db: Session,
    *,
    costs: Argon2Costs,
    keys: ServerKeys,
    email: str,
    name: str,
    password: str,
    roles: Iterable[Role],
    units: Iterable[OrgUnit],
    actor: Actor,
    totp_secret: bytes | None,
    password_change_required: bool,
) -> User:
    email = normalise_email(email)
    name = name.strip()
    role_set = sorted(set(roles))
    if not name:
        raise Refusal(N_("Enter a name."))
    if not role_set:
        raise Refusal(N_("Choose at least one role."))
    _check_email(db, email)
    check_new_password(password, user_inputs=(email, name))
    unit_ids = [unit.id for unit in units]
    authority = authority_of(role_set, unit_ids)
    four_eyes = needs_second_approval(actor, None, authority)
    pair = UserKeyPair.generate()
    user_id = new_id()
    user = User(
        id=user_id,
        email=email,
        name=name,
        password_hash=hash_password(costs, keys.password_pepper, password),
        public_key=pair.public_bytes,
        sealed_private_key=seal_private_key(pair.private_bytes, password, argon2_params(costs),
                                            pepper=keys.key_sealing),
        key_certificate=None if four_eyes else sign_certificate(
            keys, user_id, pair.public_bytes, roles=role_set, unit_ids=unit_ids),
        key_possession_tag=possession_tag(keys.key_possession, user_id, pair.public_bytes),
        sealed_totp_secret=(None if totp_secret is None
                            else seal_totp_secret(keys, user_id, totp_secret)),
        password_change_required=password_change_required,
        roles=[UserRole(role=role) for role in role_set],
        memberships=[UnitMembership(unit_id=unit_id) for unit_id in unit_ids],
    )
    db.add(user)
    db.flush()
    audit(db, keys, actor, AuditAction.USER_CREATED, user)
    if four_eyes:
        request_approval(db, keys, actor, kind=ApprovalKind.KEY_AUTHORITY, subject=user,
                         authority=authority)
    if Role.ADMIN in role_set:
        # Once this commits an administrator exists: the first-run link closes for good.
        note_first_admin(db)
    return user


def key_status(user: User, keys: ServerKeys) -> str:
    """"valid", "missing", "invalid" or "exceeds" (portal.key_directory.key_status)."""
    return directory_status(keys, user)


def active_admin_count(db: Session) -> int:
    """How many enabled users hold the admin role."""
    query = (
        select(func.count(User.id))
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN, User.disabled.is_(False))
    )
    return int(db.scalar(query) or 0)


def _is_last_admin(db: Session, user: User) -> bool:
    return not user.disabled and user.has_role(Role.ADMIN) and active_admin_count(db) <= 1


def sign_out_everywhere(db: Session, user: User) -> None:
    """End every session of `user`; a copied cookie stops working too (generation check)."""
    user.session_generation += 1
    end_user_sessions(db, user.id)


def set_disabled(
    db: Session, user: User, keys: ServerKeys, actor: Actor, *, disabled: bool
) -> None:
    """Disable (and sign out everywhere) or re-enable an account. The last admin stays."""
    if disabled and _is_last_admin(db, user):
        raise Refusal(N_("The last administrator cannot be disabled."))
    if actor.id == user.id and disabled:
        raise Refusal(N_("You cannot disable your own account."))
    user.disabled = disabled
    if disabled:
        sign_out_everywhere(db, user)
    audit(db, keys, actor, AuditAction.USER_DISABLED if disabled
          else AuditAction.USER_ENABLED, user)


def change_password(
    db: Session,
    user: User,
    *,
    costs: Argon2Costs,
    keys: ServerKeys,
    old_password: str,
    new_password: str,
    new_key_pair: bool = False,
) -> bytes:
    """Replace the user's own password and sign out everywhere; returns the private key the
    caller's new session holds.

    With `new_key_pair`, and always when an administrator chose the old password (creation,
    reset), the holder gets a new key pair with every key they received rewrapped to it
    (finding 5); otherwise the same private key is sealed under the new password.
    """
    if not verify_password(costs, user, old_password, pepper=keys.password_pepper):
        raise Refusal(N_("The current password is not correct."))
    if hmac.compare_digest(new_password.encode("utf-8"), old_password.encode("utf-8")):
        # Above all after creation or a reset: the administrator knows the current one.
        raise Refusal(N_("The new password must differ from the current one."))
    check_new_password(new_password, user_inputs=(user.email, user.name))
    try:
        private_key = open_private_key(user.sealed_private_key, old_password,
                                       pepper=keys.key_sealing)
    except InvalidCiphertext:
        # The hash matched but the key does not open: the row was tampered with.
        raise Refusal(N_("The current password is not correct.")) from None
    if not prove_possession(keys, user, private_key):
        # The stored public key is not this key's (finding 2): sign-in alerts on it.
        raise Refusal(N_("The key stored for your account is not your key. Sign out and "
                         "ask an administrator to check the account."))
    if new_key_pair or user.password_change_required:
        private_key = rotate_key_pair(db, keys, user, old_private_key=private_key,
                                      new_password=new_password, costs=costs)
    else:
        user.sealed_private_key = seal_private_key(private_key, new_password,
                                                   argon2_params(costs),
                                                   pepper=keys.key_sealing)
    user.password_hash = hash_password(costs, keys.password_pepper, new_password)
    user.password_change_required = False
    sign_out_everywhere(db, user)
    audit(db, keys, Actor(ActorKind.USER, user.id), AuditAction.USER_PASSWORD_CHANGED, user)
    return private_key


def reset_password(
    db: Session,
    user: User,
    *,
    costs: Argon2Costs,
    keys: ServerKeys,
    new_password: str,
    actor: Actor,
    new_totp: bool = False,
    settings: Settings | None = None,
) -> None:
    """An admin sets a new password for a user who lost theirs.

    Nobody can open the old private key without the old password, so the user gets a NEW key
    pair (design §3), certified at once for what the old key was certified for. Case keys
    wrapped to the old key cannot be opened any more: another handler of the unit or the
    recovery key (`aktsom recover`) must share those cases again. The admin knows the new
    password, so the user must change it at the next sign-in, which makes yet another pair in
    their own session. With `new_totp` (lost phone) the TOTP secret is cleared and the holder
    sets up a new authenticator at the next sign-in: the administrator never sees it
    (finding 14).
    With `settings`, the holder is told by mail after the commit (a safeguard against an
    administrator taking over the account).
    """
    check_new_password(new_password, user_inputs=(user.email, user.name))
    replace_key_pair(keys, user, UserKeyPair.generate(), new_password, costs)
    user.password_hash = hash_password(costs, keys.password_pepper, new_password)
    user.password_change_required = True
    user.failed_logins = 0
    user.locked_until = None
    if new_totp:
        user.sealed_totp_secret = None
        user.totp_confirmed = False
        # Codes of the old secret are moot; the new one's first code may fall in the same step.
        user.last_totp_step = 0
    sign_out_everywhere(db, user)
    audit(db, keys, actor, AuditAction.USER_PASSWORD_RESET, user)
    if new_totp:
        audit(db, keys, actor, AuditAction.USER_TOTP_RESET, user)
    if settings is not None:
        queue_notice(db, settings, Notice(ACCOUNT_RESET, (user.email,)))


def set_roles_and_units(
    db: Session,
    user: User,
    keys: ServerKeys,
    actor: Actor,
    *,
    roles: Iterable[Role],
    unit_ids: Iterable[str],
    withdraw_confirmed: bool = False,
) -> None:
    """Replace the user's roles and unit memberships; each real change is audited, and the
    key's certificate follows (what it may receive is certified, not read from the rows).

    Leaving a unit also takes its cases (`admin.accounts.memberships`): refused unless
    `withdraw_confirmed`, because the user may be the last handler able to open some.
    """
    new_roles = set(roles)
    if not new_roles:
        raise Refusal(N_("Choose at least one role."))
    if Role.ADMIN not in new_roles and _is_last_admin(db, user):
        raise Refusal(N_("The last administrator must keep the admin role."))
    new_units = set(unit_ids)
    if actor.id == user.id and (new_roles != {item.role for item in user.roles}
                                or new_units != user.unit_ids):
        # Nobody widens (or narrows) their own access: another administrator does it.
        raise Refusal(N_("You cannot change your own roles or org units. Ask another "
                         "administrator."))
    known = set(db.scalars(select(OrgUnit.id).where(OrgUnit.id.in_(new_units))))
    if known != new_units:
        raise Refusal(N_("Choose org units from the list."))
    loss = access_lost(db, user, new_units)
    if loss.cases and not withdraw_confirmed:
        raise Refusal(N_("This change takes cases away from the user. Confirm it first."))
    old_roles = {item.role for item in user.roles}
    if new_roles != old_roles:
        # Edit in place: re-adding a row with the same key would be a delete plus an insert.
        user.roles = [item for item in user.roles if item.role in new_roles]
        user.roles.extend(UserRole(role=role) for role in sorted(new_roles - old_roles))
        audit(db, keys, actor, AuditAction.USER_ROLES_CHANGED, user)
        if Role.ADMIN in new_roles:
            note_first_admin(db)
    old_units = user.unit_ids
    changed = new_roles != old_roles or new_units != old_units
    if new_units != old_units:
        user.memberships = [item for item in user.memberships if item.unit_id in new_units]
        user.memberships.extend(
            UnitMembership(unit_id=unit_id) for unit_id in sorted(new_units - old_units)
        )
        audit(db, keys, actor, AuditAction.USER_UNITS_CHANGED, user)
        withdraw_access(db, keys, actor_kind=actor.kind, actor_id=actor.id, user=user,
                        loss=loss)
    # The events above already say what the certificate now covers.
    keep_certificate_in_step(db, user, keys, actor, audited=changed)
    db.flush()
