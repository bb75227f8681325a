"""What the server vouches for about a staff member's public key.

**Certificate** (``CERTIFICATE_VERSION``): an Ed25519 signature over the subject id, the public
key and the key's *authority*: the roles and units it may receive case keys for. A database
writer who inserts a role or a membership row changes nothing the certificate says, and one
who swaps the key or copies another row's certificate breaks the signature. Ed25519 rather
than an HMAC so that a host holding only the verifying key (the public portal) can check
certificates but never make one. Layout::

    version (1) | algorithm (1) | role count (2) | LP(role)... | unit count (2) | LP(unit)...
    | signature (64)

The signature covers ``LP(label, subject id, public key)`` followed by every byte before the
signature. Roles and units are written sorted and unique, so one authority has one encoding.

**Possession tag**: HMAC-SHA256 over the subject id and a public key, made only by a server
that has just seen the matching private key (made it, or derived the public key from the key
a signed-in holder unlocked). It marks a key its holder has shown to be theirs, so an
administrator approves that key and no other.

**Legacy certification tag**: the first release's HMAC over the subject id and public key. It
is never accepted as a certificate; it is only read once, at the upgrade, to tell which keys
the old server had vouched for.
"""

from __future__ import annotations

import functools
import hmac as std_hmac
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import ed25519

from ._encoding import Reader, length_prefixed, text
from .errors import InvalidCertificate, InvalidCiphertext

__all__ = [
    "CERTIFICATE_VERSION",
    "KeyAuthority",
    "certificate_verifying_key",
    "legacy_certification_tag",
    "new_certificate_signing_key",
    "possession_tag",
    "sign_key_certificate",
    "verify_key_certificate",
    "verify_legacy_certification",
    "verify_possession_tag",
]

CERTIFICATE_VERSION = 0x02
_ED25519 = 0x02
_SIGNATURE_SIZE = 64
_SIGNING_KEY_SIZE = 32
_MAX_ENTRIES = 0xFFFF
_CERTIFICATE_LABEL = b"aktsom/key-certificate/v2"
_POSSESSION_LABEL = b"aktsom/key-possession/v1"
_LEGACY_LABEL = b"aktsom/key-certification/v1"
_MIN_HMAC_KEY = 16


@dataclass(frozen=True)
class KeyAuthority:
    """The roles and units a certified key may receive case keys for."""

    roles: frozenset[str]
    units: frozenset[str]

    @classmethod
    def of(cls, roles: Iterable[str], units: Iterable[str]) -> KeyAuthority:
        """Build from any iterables of role names and unit ids."""
        return cls(frozenset(str(role) for role in roles), frozenset(units))

    def covers(self, other: KeyAuthority) -> bool:
        """True if everything `other` claims is certified here."""
        return other.roles <= self.roles and other.units <= self.units

    @property
    def empty(self) -> bool:
        """True when the key may receive nothing."""
        return not self.roles and not self.units


def new_certificate_signing_key() -> bytes:
    """A new Ed25519 signing key, as its 32 raw private bytes."""
    return ed25519.Ed25519PrivateKey.generate().private_bytes_raw()


def certificate_verifying_key(signing_key: bytes) -> bytes:
    """The 32 raw public bytes that verify what `signing_key` signs."""
    return _signing(signing_key).public_key().public_bytes_raw()


def _signing(signing_key: bytes) -> ed25519.Ed25519PrivateKey:
    if len(signing_key) != _SIGNING_KEY_SIZE:
        raise ValueError(f"a certificate signing key is {_SIGNING_KEY_SIZE} bytes")
    return ed25519.Ed25519PrivateKey.from_private_bytes(bytes(signing_key))


def _entries(values: frozenset[str]) -> bytes:
    items = sorted(values)
    if len(items) > _MAX_ENTRIES:
        raise ValueError("too many entries for a certificate")
    return struct.pack(">H", len(items)) + length_prefixed(*(text(item) for item in items))


def _signed_message(subject_id: str, public_key: bytes, body: bytes) -> bytes:
    return length_prefixed(_CERTIFICATE_LABEL, text(subject_id), bytes(public_key)) + body


def sign_key_certificate(signing_key: bytes, subject_id: str, public_key: bytes,
                         authority: KeyAuthority) -> bytes:
    """Certify that `public_key` is `subject_id`'s and may receive what `authority` says.

    Ed25519 is deterministic: the same inputs give the same certificate (known answers).
    """
    body = (bytes([CERTIFICATE_VERSION, _ED25519]) + _entries(authority.roles)
            + _entries(authority.units))
    signature = _signing(signing_key).sign(_signed_message(subject_id, public_key, body))
    return body + signature


def _read_entries(reader: Reader) -> frozenset[str]:
    (count,) = struct.unpack(">H", reader.take(2))
    items = []
    for _ in range(count):
        (size,) = struct.unpack(">I", reader.take(4))
        try:
            items.append(reader.take(size).decode("utf-8"))
        except UnicodeDecodeError:
            raise InvalidCertificate() from None
    if items != sorted(set(items)):
        # Not the one encoding this authority has: refuse rather than guess.
        raise InvalidCertificate()
    return frozenset(items)


def verify_key_certificate(verifying_key: bytes, subject_id: str, public_key: bytes,
                           certificate: bytes) -> KeyAuthority:
    """The authority `certificate` gives `public_key` of `subject_id`.

    Raises :class:`InvalidCertificate` for anything else: another subject or key, another
    signer, a changed role or unit, a truncated blob, an unknown version (the first release's
    HMAC tags included).
    """
    return _verified_authority(bytes(verifying_key), subject_id, bytes(public_key),
                               bytes(certificate))


# Every page of the reporter's side checks the certificate of every handler it may route to
# (51 Ed25519 verifications per request at 50 companies, issue 15). The answer is a pure
# function of these four exact byte strings, so it is kept per process: a changed, truncated
# or re-signed certificate, another key, subject or verifying key is another entry and is
# verified afresh. Only valid certificates are kept (a refusal raises and is never cached).
# Whether a certificate still counts (the user disabled, rows claiming more, a certificate
# removed) is decided by the callers on every request, from the rows as they stand.
@functools.lru_cache(maxsize=4096)
def _verified_authority(verifying_key: bytes, subject_id: str, public_key: bytes,
                        blob: bytes) -> KeyAuthority:
    if len(blob) < 2 + 4 + _SIGNATURE_SIZE or blob[:2] != bytes([CERTIFICATE_VERSION, _ED25519]):
        raise InvalidCertificate()
    body, signature = blob[:-_SIGNATURE_SIZE], blob[-_SIGNATURE_SIZE:]
    try:
        verifier = ed25519.Ed25519PublicKey.from_public_bytes(verifying_key)
        verifier.verify(signature, _signed_message(subject_id, public_key, body))
    except (InvalidSignature, ValueError):
        raise InvalidCertificate() from None
    # Parsed only once the signature holds: nothing unauthenticated is interpreted.
    reader = Reader(body[2:])
    try:
        roles = _read_entries(reader)
        units = _read_entries(reader)
    except InvalidCiphertext:  # the Reader's short read
        raise InvalidCertificate() from None
    if reader.rest():
        raise InvalidCertificate()
    return KeyAuthority(roles, units)


def _tag(key: bytes, label: bytes, subject_id: str, public_key: bytes) -> bytes:
    if len(key) < _MIN_HMAC_KEY:
        raise ValueError(f"an HMAC key must be at least {_MIN_HMAC_KEY} bytes")
    mac = hmac.HMAC(bytes(key), hashes.SHA256())
    mac.update(length_prefixed(label, text(subject_id), bytes(public_key)))
    return mac.finalize()


def possession_tag(key: bytes, subject_id: str, public_key: bytes) -> bytes:
    """Mark `public_key` as shown by `subject_id` to be theirs (see the module docstring)."""
    return _tag(key, _POSSESSION_LABEL, subject_id, public_key)


def verify_possession_tag(key: bytes, subject_id: str, public_key: bytes, tag: bytes) -> bool:
    """True only if `tag` marks exactly this subject id and public key."""
    return std_hmac.compare_digest(possession_tag(key, subject_id, public_key), bytes(tag))


def legacy_certification_tag(key: bytes, subject_id: str, public_key: bytes) -> bytes:
    """The first release's certification tag (for the upgrade and its tests only)."""
    return _tag(key, _LEGACY_LABEL, subject_id, public_key)


def verify_legacy_certification(key: bytes, subject_id: str, public_key: bytes,
                                tag: bytes) -> bool:
    """True if `tag` is the first release's tag for this subject id and public key."""
    return std_hmac.compare_digest(legacy_certification_tag(key, subject_id, public_key),
                                   bytes(tag))
