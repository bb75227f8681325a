"""The key directory (design §3, key directory integrity): which staff keys may receive which
case keys, as the server vouches for it, not as the rows say.

* A **certificate** (`crypto.sign_key_certificate`) is an Ed25519 signature over the user id,
  the public key and the key's authority: the roles that receive content (handler, manager)
  and the user's units. Only keys that may receive cases have one. Roles and memberships are
  plain rows a database writer can add to, so a user whose rows claim more than the
  certificate says receives nothing at all (`certified_authority`), and routing looks only at
  certified units. The signing key is in the server-keys file of the staff host; a host
  holding only the verifying key (the public portal) checks certificates but cannot make one.
* A **possession tag** marks the key its holder has shown to be theirs: the server made the
  pair, or derived the stored public key from the private key a holder just unlocked. An
  administrator approves only such a key, so a key swapped in the database is never approved.
* **The upgrade from the first release** (HMAC tags, `upgrade_legacy_certificates`) runs once.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import (
    InvalidCertificate,
    KeyAuthority,
    UserKeyPair,
    possession_tag,
    sign_key_certificate,
    verify_key_certificate,
    verify_legacy_certification,
    verify_possession_tag,
)
from portal.audit import record_event
from portal.models import RecoveryKey, User
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, AuditAction, KeyStatus, Role

# The roles whose holders receive sealed content (design §1): handlers and managers case
# content, compliance officers the information requests of the Transparency Act (what the
# requester wrote, sealed as a report is; never case content: every wrap of a case asks for
# the handler or manager role). Admins and auditors never receive, so their keys are never
# certified, and giving a receiving role takes a second administrator (security finding 14).
RECEIVING_ROLES = frozenset({Role.HANDLER, Role.MANAGER, Role.COMPLIANCE})
# A possession tag is an HMAC-SHA256; a certificate is never this short (crypto §3.4.1).
POSSESSION_TAG_SIZE = 32
# What the organisation's recovery key is certified for (it is no user: no role row names it).
RECOVERY_AUTHORITY = KeyAuthority.of(["recovery"], [])


class CertificateSigningUnavailable(RuntimeError):
    """This host holds only the verifying key, so it cannot certify a key."""


class UncertifiedRecipient(RuntimeError):
    """A wrap was asked for a key whose certificate does not allow it (callers check first;
    this is the last line, so a new path cannot forget it)."""


def authority_of(roles: Iterable[Role], unit_ids: Iterable[str]) -> KeyAuthority:
    """What a key with `roles` and `unit_ids` may receive (nothing without a receiving role)."""
    receiving = [role.value for role in roles if role in RECEIVING_ROLES]
    return KeyAuthority.of(receiving, unit_ids if receiving else ())


def claimed_authority(user: User) -> KeyAuthority:
    """What the user's role and membership rows claim, as they stand."""
    return authority_of((item.role for item in user.roles), user.unit_ids)


def _sign(keys: ServerKeys, subject_id: str, public_key: bytes,
          authority: KeyAuthority) -> bytes:
    if keys.certificate_signing is None:
        raise CertificateSigningUnavailable(
            "this host holds only the certificate verifying key; certify on the staff host")
    return sign_key_certificate(keys.certificate_signing, subject_id, public_key, authority)


def sign_certificate(keys: ServerKeys, user_id: str, public_key: bytes, *,
                     roles: Iterable[Role], unit_ids: Iterable[str]) -> bytes | None:
    """A certificate for `public_key` with what `roles` and `unit_ids` may receive, or None
    when that is nothing (only keys that receive cases are certified)."""
    authority = authority_of(roles, unit_ids)
    return None if authority.empty else _sign(keys, user_id, public_key, authority)


def reissue_certificate(keys: ServerKeys, user_id: str, public_key: bytes,
                        authority: KeyAuthority | None) -> bytes | None:
    """Certify `public_key` for an authority certified before (a new key of the same holder)."""
    if authority is None or authority.empty:
        return None
    return _sign(keys, user_id, public_key, authority)


def certificate_authority(keys: ServerKeys, user: User) -> KeyAuthority | None:
    """What the stored certificate says, if it holds for the stored key (rows not consulted)."""
    if not user.key_certificate:
        return None
    try:
        return verify_key_certificate(keys.certificate_verifying, user.id, user.public_key,
                                      user.key_certificate)
    except InvalidCertificate:
        return None


def certified_authority(keys: ServerKeys, user: User) -> KeyAuthority | None:
    """What the user's key may receive, or None: disabled, no valid certificate, or rows that
    claim more than the certificate (changed outside the account pages)."""
    if user.disabled:
        return None
    authority = certificate_authority(keys, user)
    if authority is None or not authority.covers(claimed_authority(user)):
        return None
    return authority


def is_certified(keys: ServerKeys, user: User, role: Role | None = None,
                 unit_ids: Iterable[str] | None = None) -> bool:
    """True if the user's key may receive case keys at all, or, with `role`, in that role
    (certificate and row both), and, with `unit_ids`, for at least one of those units."""
    authority = certified_authority(keys, user)
    if authority is None:
        return False
    if role is not None and (role.value not in authority.roles or not user.has_role(role)):
        return False
    return unit_ids is None or bool(authority.units & user.unit_ids & set(unit_ids))


def certified_public_key(keys: ServerKeys, user: User, role: Role) -> bytes:
    """The key to wrap to, checked at the wrap itself: raises `UncertifiedRecipient` unless
    the certificate lets the user receive in `role`."""
    if not is_certified(keys, user, role):
        raise UncertifiedRecipient(user.id)
    return user.public_key


def has_key_proof(keys: ServerKeys, user: User) -> bool:
    """True if the stored public key is one its holder has shown to be theirs."""
    tag = user.key_possession_tag
    return bool(tag) and verify_possession_tag(keys.key_possession, user.id, user.public_key,
                                               bytes(tag or b""))


def set_key_pair(keys: ServerKeys, user: User, public_key: bytes) -> None:
    """Store a public key the server has just made (or seen the private half of) as the
    user's, with its possession tag. The caller sets the seal and the certificate."""
    user.public_key = public_key
    user.key_possession_tag = possession_tag(keys.key_possession, user.id, public_key)


def prove_possession(keys: ServerKeys, user: User, private_key: bytes) -> bool:
    """Given the private key the holder has just unlocked: False if it does not belong to the
    stored public key (a swapped key); else True, with the key marked as theirs."""
    if UserKeyPair.from_private_bytes(private_key).public_bytes != user.public_key:
        return False
    if not has_key_proof(keys, user):
        set_key_pair(keys, user, user.public_key)
    return True


def key_status(keys: ServerKeys, user: User) -> KeyStatus:
    """How the directory stands for the user, for the account pages and `aktsom users list`."""
    certified = certificate_authority(keys, user)
    claimed = claimed_authority(user)
    if user.key_certificate and certified is None:
        return KeyStatus.INVALID
    if claimed.empty:
        proven = certified is not None or has_key_proof(keys, user)
        return KeyStatus.VALID if proven else KeyStatus.MISSING
    if certified is None:
        return KeyStatus.MISSING
    return KeyStatus.VALID if certified.covers(claimed) else KeyStatus.EXCEEDS


def recovery_recipient_id(recovery: RecoveryKey) -> str:
    return f"recovery:{recovery.id}"


def certify_recovery_key(keys: ServerKeys, recovery: RecoveryKey) -> bytes:
    """The certificate of the organisation's recovery key (made at `aktsom init`)."""
    return _sign(keys, recovery_recipient_id(recovery), recovery.public_key, RECOVERY_AUTHORITY)


def recovery_key_is_certified(keys: ServerKeys, recovery: RecoveryKey) -> bool:
    try:
        authority = verify_key_certificate(keys.certificate_verifying,
                                           recovery_recipient_id(recovery),
                                           recovery.public_key, recovery.certificate)
    except InvalidCertificate:
        return False
    return authority == RECOVERY_AUTHORITY


def reporter_subject_id(case_id: str) -> str:
    """The subject a case's reporter key is certified as: no user id or recovery id has it."""
    return f"reporter:{case_id}"


def reporter_authority(case_id: str) -> KeyAuthority:
    """What a reporter key may receive: the case key of its own case, and nothing else."""
    return KeyAuthority.of(["reporter"], [case_id])


def certify_reporter_key(keys: ServerKeys, case_id: str, public_key: bytes) -> bytes:
    """Vouch for the reporter key made at the submission of `case_id` (its private half was
    derived from the code just now, so the server has seen it).

    With the certificate signing key: a certificate with the authority {reporter}, {case}.
    On a portal host holding only the verifying key: a possession tag over the same subject
    (HMAC under `key_possession`, a settings key), which a database writer cannot make either;
    the staff host turns it into a certificate at the case's first exclusion
    (`certify_reporter_key_again`). docs/crypto.md §3.11 weighs the two.
    """
    subject = reporter_subject_id(case_id)
    if keys.certificate_signing is None:
        return possession_tag(keys.key_possession, subject, public_key)
    return _sign(keys, subject, public_key, reporter_authority(case_id))


def reporter_key_is_certified(keys: ServerKeys, case_id: str, public_key: bytes,
                              certificate: bytes) -> bool:
    """True if `certificate` makes `public_key` the reporter key of `case_id`: a certificate
    with exactly the authority {reporter}, {case} (one of another case, a staff or a recovery
    certificate does not), or the possession tag a verify-only portal host made for it."""
    subject = reporter_subject_id(case_id)
    if len(certificate) == POSSESSION_TAG_SIZE:
        return verify_possession_tag(keys.key_possession, subject, public_key, certificate)
    try:
        authority = verify_key_certificate(keys.certificate_verifying, subject, public_key,
                                           certificate)
    except InvalidCertificate:
        return False
    return authority == reporter_authority(case_id)


def certify_reporter_key_again(keys: ServerKeys, case_id: str, public_key: bytes,
                               certificate: bytes) -> bytes:
    """The certificate to keep for a reporter key that holds `certificate`: a possession tag
    from a verify-only portal becomes a signed certificate where the signing key is at hand;
    anything else is kept as it is (the caller has checked it)."""
    if len(certificate) != POSSESSION_TAG_SIZE or keys.certificate_signing is None:
        return certificate
    return _sign(keys, reporter_subject_id(case_id), public_key, reporter_authority(case_id))


def upgrade_legacy_certificates(db: Session, keys: ServerKeys) -> int:
    """Replace the first release's HMAC tags by certificates, once (trust on upgrade).

    A key is re-certified only if its old tag still holds for the stored key (the old server
    vouched for it); its authority is taken from the role and membership rows *as they stand*,
    which nothing vouched for before. Keys that receive nothing get a possession tag and no
    certificate. Returns how many keys were re-certified. The caller runs it once and records
    that outside the database, so a tag planted later is never read.
    """
    count = 0
    for recovery in db.scalars(select(RecoveryKey)):
        if verify_legacy_certification(keys.certification, recovery_recipient_id(recovery),
                                       recovery.public_key, recovery.certificate):
            recovery.certificate = certify_recovery_key(keys, recovery)
            count += 1
    for user in db.scalars(select(User).order_by(User.id)):
        if not user.key_certificate or not verify_legacy_certification(
                keys.certification, user.id, user.public_key, user.key_certificate):
            continue
        set_key_pair(keys, user, user.public_key)
        user.key_certificate = sign_certificate(keys, user.id, user.public_key,
                                                roles=[item.role for item in user.roles],
                                                unit_ids=user.unit_ids)
        if user.key_certificate is not None:
            record_event(db, keys.audit, action=AuditAction.USER_KEY_CERTIFIED,
                         actor_kind=ActorKind.SYSTEM, target_id=user.id)
            count += 1
    db.flush()
    return count
