"""Key certificates (Ed25519 over subject, public key and authority) and possession tags."""

from __future__ import annotations

import struct
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import (
    CERTIFICATE_VERSION,
    InvalidCertificate,
    KeyAuthority,
    UserKeyPair,
    certificate_verifying_key,
    legacy_certification_tag,
    new_certificate_signing_key,
    possession_tag,
    sign_key_certificate,
    verify_key_certificate,
    verify_possession_tag,
)
from crypto._encoding import length_prefixed

SIGNING = bytes(range(32))
VERIFYING = certificate_verifying_key(SIGNING)
AUTHORITY = KeyAuthority.of(["handler", "manager"], ["unit-a", "unit-b"])


def test_round_trip(keypair: UserKeyPair) -> None:
    certificate = sign_key_certificate(SIGNING, "user-1", keypair.public_bytes, AUTHORITY)
    assert certificate[:2] == bytes([CERTIFICATE_VERSION, 0x02])
    assert verify_key_certificate(VERIFYING, "user-1", keypair.public_bytes,
                                  certificate) == AUTHORITY
    # Deterministic: the same inputs give the same bytes (known answers are possible).
    assert certificate == sign_key_certificate(SIGNING, "user-1", keypair.public_bytes,
                                               KeyAuthority.of(["manager", "handler"],
                                                               ["unit-b", "unit-a"]))


def test_an_empty_authority_round_trips(keypair: UserKeyPair) -> None:
    empty = KeyAuthority.of([], [])
    assert empty.empty
    certificate = sign_key_certificate(SIGNING, "user-1", keypair.public_bytes, empty)
    assert verify_key_certificate(VERIFYING, "user-1", keypair.public_bytes, certificate) == empty


def test_covers() -> None:
    assert AUTHORITY.covers(KeyAuthority.of(["handler"], ["unit-a"]))
    assert AUTHORITY.covers(KeyAuthority.of([], []))
    assert not AUTHORITY.covers(KeyAuthority.of(["handler"], ["unit-c"]))
    assert not AUTHORITY.covers(KeyAuthority.of(["admin"], []))


def _refused(verifying: bytes, subject: str, public: bytes, certificate: bytes) -> None:
    with pytest.raises(InvalidCertificate):
        verify_key_certificate(verifying, subject, public, certificate)


def test_anything_else_is_refused(keypair: UserKeyPair, other_keypair: UserKeyPair,
                                  flip_byte: Callable[[bytes, int, int], bytes]) -> None:
    public = keypair.public_bytes
    certificate = sign_key_certificate(SIGNING, "user-1", public, AUTHORITY)
    _refused(VERIFYING, "user-2", public, certificate)
    _refused(VERIFYING, "user-1", other_keypair.public_bytes, certificate)
    _refused(certificate_verifying_key(new_certificate_signing_key()), "user-1", public,
             certificate)
    for position in (0, 1, 3, 10, len(certificate) - 70, len(certificate) - 1):
        _refused(VERIFYING, "user-1", public, flip_byte(certificate, position, 0x01))
    _refused(VERIFYING, "user-1", public, certificate[:-1])
    _refused(VERIFYING, "user-1", public, certificate + b"\0")
    _refused(VERIFYING, "user-1", public, b"")
    # Moving a byte between the subject and the key breaks it too (length-prefixed).
    _refused(VERIFYING, "user-1" + chr(public[0]), public[1:], certificate)
    # The first release's HMAC tag is no certificate, whatever key made it.
    _refused(VERIFYING, "user-1", public, legacy_certification_tag(SIGNING, "user-1", public))


def test_a_role_or_unit_cannot_be_added(keypair: UserKeyPair) -> None:
    """A certificate for one unit, edited to name another, no longer verifies."""
    public = keypair.public_bytes
    certificate = sign_key_certificate(SIGNING, "user-1", public,
                                       KeyAuthority.of(["handler"], ["unit-a"]))
    edited = certificate.replace(b"unit-a", b"unit-b")
    assert edited != certificate
    _refused(VERIFYING, "user-1", public, edited)


def test_a_signed_but_non_canonical_body_is_refused(keypair: UserKeyPair) -> None:
    """Entries out of order or repeated are refused even under a valid signature, so one
    authority has exactly one encoding."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    public = keypair.public_bytes
    body = (bytes([CERTIFICATE_VERSION, 0x02]) + struct.pack(">H", 2)
            + length_prefixed(b"manager", b"handler") + struct.pack(">H", 0))
    message = length_prefixed(b"aktsom/key-certificate/v2", b"user-1", public) + body
    signature = ed25519.Ed25519PrivateKey.from_private_bytes(SIGNING).sign(message)
    _refused(VERIFYING, "user-1", public, body + signature)


def test_signing_key_size() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        sign_key_certificate(b"short", "user-1", b"key", AUTHORITY)
    assert len(new_certificate_signing_key()) == 32


def test_possession_tag(keypair: UserKeyPair, other_keypair: UserKeyPair) -> None:
    key = b"p" * 32
    tag = possession_tag(key, "user-1", keypair.public_bytes)
    assert verify_possession_tag(key, "user-1", keypair.public_bytes, tag)
    assert not verify_possession_tag(key, "user-2", keypair.public_bytes, tag)
    assert not verify_possession_tag(key, "user-1", other_keypair.public_bytes, tag)
    assert not verify_possession_tag(b"q" * 32, "user-1", keypair.public_bytes, tag)
    # Domain-separated from the first release's certification tag under the same key.
    assert tag != legacy_certification_tag(key, "user-1", keypair.public_bytes)
    with pytest.raises(ValueError, match="HMAC key"):
        possession_tag(b"short", "user-1", keypair.public_bytes)


_names = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)


@settings(max_examples=40, deadline=None)
@given(roles=st.frozensets(_names, max_size=4), units=st.frozensets(_names, max_size=6),
       subject=_names)
def test_any_authority_round_trips(roles: frozenset[str], units: frozenset[str],
                                   subject: str) -> None:
    public = b"\x07" * 1216
    authority = KeyAuthority(roles, units)
    certificate = sign_key_certificate(SIGNING, subject, public, authority)
    assert verify_key_certificate(VERIFYING, subject, public, certificate) == authority


def test_issue15_a_verified_certificate_is_kept_and_nothing_else_is(
        keypair: UserKeyPair, other_keypair: UserKeyPair,
        flip_byte: Callable[[bytes, int, int], bytes]) -> None:
    """Issue 15: the reporter's pages checked every handler's certificate on every request
    (51 Ed25519 verifications at 50 companies). A valid answer is kept per process, keyed
    by the exact bytes of the verifying key, subject, public key and certificate; after a
    good certificate was kept, a tampered one, another signer, subject or key is still
    refused, and nothing refused is kept."""
    from crypto.certificates import _verified_authority

    public = keypair.public_bytes
    certificate = sign_key_certificate(SIGNING, "user-15", public, AUTHORITY)
    assert verify_key_certificate(VERIFYING, "user-15", public, certificate) == AUTHORITY
    hits = _verified_authority.cache_info().hits
    assert verify_key_certificate(VERIFYING, "user-15", memoryview(public),
                                  bytearray(certificate)) == AUTHORITY
    assert _verified_authority.cache_info().hits == hits + 1
    kept = _verified_authority.cache_info().currsize
    for position in (0, 1, 3, 10, len(certificate) - 70, len(certificate) - 1):
        _refused(VERIFYING, "user-15", public, flip_byte(certificate, position, 0x01))
    _refused(VERIFYING, "user-15", public, certificate.replace(b"unit-a", b"unit-c"))
    _refused(VERIFYING, "user-15", public, certificate[:-1])
    _refused(certificate_verifying_key(new_certificate_signing_key()), "user-15", public,
             certificate)
    _refused(VERIFYING, "user-16", public, certificate)
    _refused(VERIFYING, "user-15", other_keypair.public_bytes, certificate)
    assert _verified_authority.cache_info().currsize == kept
    # A certificate re-signed for less (a unit taken away) answers for itself.
    smaller = KeyAuthority.of(["handler"], ["unit-a"])
    reissued = sign_key_certificate(SIGNING, "user-15", public, smaller)
    assert verify_key_certificate(VERIFYING, "user-15", public, reissued) == smaller
