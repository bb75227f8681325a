"""User key pairs, password seal, fingerprint and the first release's certification tag."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import hpke

from crypto import (
    TEST_ARGON2,
    Argon2Params,
    InvalidCiphertext,
    UserKeyPair,
    hpke_public_key,
    legacy_certification_tag,
    open_private_key,
    private_key_needs_reseal,
    public_key_fingerprint,
    rewrap_private_key,
    seal_private_key,
    verify_legacy_certification,
)
from crypto._encoding import length_prefixed
from crypto._secret_seal import seal_under_secret
from crypto.keys import PRIVATE_KEY_VERSION

PARAMS_B = Argon2Params(time_cost=2, memory_cost_kib=16, parallelism=2)
# The server secret mixed into the key that seals a private key (from the server-keys file).
PEPPER = bytes(range(32))
SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
# Byte ranges of the sealed private key layout.
FIELDS = {
    "version": range(0, 1),
    "algorithm": range(1, 2),
    "params": range(2, 12),
    "salt": range(12, 28),
    "nonce": range(28, 40),
    "ciphertext": range(40, 136),
    "tag": range(136, 152),
}


def test_key_pair_sizes_and_round_trip(keypair: UserKeyPair) -> None:
    assert len(keypair.private_bytes) == 96
    assert len(keypair.public_bytes) == 1184 + 32
    assert UserKeyPair.from_private_bytes(keypair.private_bytes) == keypair
    assert UserKeyPair.generate() != keypair


def test_hpke_objects_work(keypair: UserKeyPair) -> None:
    ciphertext = SUITE.encrypt(b"hello", hpke_public_key(keypair.public_bytes), info=b"i")
    assert SUITE.decrypt(ciphertext, keypair.hpke_private_key(), info=b"i") == b"hello"


def test_mismatched_halves_refused(keypair: UserKeyPair, other_keypair: UserKeyPair) -> None:
    with pytest.raises(ValueError, match="does not match"):
        UserKeyPair(keypair.private_bytes, other_keypair.public_bytes)
    with pytest.raises(ValueError, match="96 bytes"):
        UserKeyPair.from_private_bytes(keypair.private_bytes[:-1])


def test_repr_hides_the_private_key(keypair: UserKeyPair) -> None:
    shown = repr(keypair)
    assert keypair.private_bytes.hex()[:16] not in shown
    assert keypair.fingerprint() in shown


def test_fingerprint_is_stable_and_grouped(
    keypair: UserKeyPair, other_keypair: UserKeyPair
) -> None:
    fingerprint = public_key_fingerprint(keypair.public_bytes)
    groups = fingerprint.split(" ")
    assert len(groups) == 8
    assert all(len(g) == 4 for g in groups)
    assert fingerprint == keypair.fingerprint()
    assert fingerprint != other_keypair.fingerprint()


def test_seal_and_open_private_key(keypair: UserKeyPair) -> None:
    blob = seal_private_key(keypair.private_bytes, "hunter2 hunter2", TEST_ARGON2, pepper=PEPPER)
    assert len(blob) == 152
    assert open_private_key(blob, "hunter2 hunter2", pepper=PEPPER) == keypair.private_bytes
    with pytest.raises(InvalidCiphertext):
        open_private_key(blob, "hunter2 hunter3", pepper=PEPPER)


def test_password_is_unicode_normalised(keypair: UserKeyPair) -> None:
    composed, decomposed = "bl\u00e5b\u00e6r", "bla\u030ab\u00e6r"
    blob = seal_private_key(keypair.private_bytes, composed, TEST_ARGON2, pepper=PEPPER)
    assert open_private_key(blob, decomposed, pepper=PEPPER) == keypair.private_bytes


def test_rewrap_changes_password_and_params(keypair: UserKeyPair) -> None:
    blob = seal_private_key(keypair.private_bytes, "old password", TEST_ARGON2, pepper=PEPPER)
    new_blob = rewrap_private_key(blob, "old password", "new password", PARAMS_B, pepper=PEPPER)
    assert new_blob[2:12] == PARAMS_B.to_bytes()
    assert open_private_key(new_blob, "new password", pepper=PEPPER) == keypair.private_bytes
    with pytest.raises(InvalidCiphertext):
        open_private_key(new_blob, "old password", pepper=PEPPER)
    with pytest.raises(InvalidCiphertext):
        rewrap_private_key(blob, "wrong password", "new password", PARAMS_B, pepper=PEPPER)


def test_old_params_still_open_after_costs_are_raised(keypair: UserKeyPair) -> None:
    # Sealed under A, opened without telling open_private_key anything: params come from the blob.
    old = seal_private_key(keypair.private_bytes, "pw", TEST_ARGON2, pepper=PEPPER)
    new = seal_private_key(keypair.private_bytes, "pw", PARAMS_B, pepper=PEPPER)
    assert open_private_key(old, "pw", pepper=PEPPER) == keypair.private_bytes
    assert open_private_key(new, "pw", pepper=PEPPER) == keypair.private_bytes


@pytest.mark.parametrize("field", FIELDS)
def test_private_key_tamper_every_field(
    keypair: UserKeyPair, field: str, flip_byte: Callable[[bytes, int, int], bytes]
) -> None:
    blob = seal_private_key(keypair.private_bytes, "pw", TEST_ARGON2, pepper=PEPPER)
    for position in FIELDS[field]:
        # 0x01 keeps flipped Argon2 costs small (or out of range): the test stays fast.
        with pytest.raises(InvalidCiphertext):
            open_private_key(flip_byte(blob, position, 0x01), "pw", pepper=PEPPER)


def test_private_key_truncation(keypair: UserKeyPair) -> None:
    blob = seal_private_key(keypair.private_bytes, "pw", TEST_ARGON2, pepper=PEPPER)
    for cut in range(len(blob)):
        with pytest.raises(InvalidCiphertext):
            open_private_key(blob[:cut], "pw", pepper=PEPPER)
    with pytest.raises(InvalidCiphertext):
        open_private_key(blob + b"\x00", "pw", pepper=PEPPER)


def test_the_pepper_is_needed_to_open(keypair: UserKeyPair) -> None:
    """Finding 7: the right password without the server secret opens nothing."""
    blob = seal_private_key(keypair.private_bytes, "pw", TEST_ARGON2, pepper=PEPPER)
    assert blob[0] == PRIVATE_KEY_VERSION == 2
    assert not private_key_needs_reseal(blob)
    with pytest.raises(InvalidCiphertext):
        open_private_key(blob, "pw", pepper=bytes(32))
    # Nor does the password-only derivation of version 1 (what a DB copy alone would allow).
    legacy_view = bytes([1]) + blob[1:]
    with pytest.raises(InvalidCiphertext):
        open_private_key(legacy_view, "pw", pepper=PEPPER)


def test_a_version_1_key_opens_without_the_pepper_and_asks_for_a_reseal(
    keypair: UserKeyPair,
) -> None:
    v1 = seal_under_secret(b"pw", keypair.private_bytes, version=1,
                           aad_suffix=length_prefixed(b"aktsom/private-key/v1"),
                           params=TEST_ARGON2, salt=bytes(16), nonce=bytes(12))
    assert private_key_needs_reseal(v1)
    assert open_private_key(v1, "pw", pepper=PEPPER) == keypair.private_bytes
    resealed = rewrap_private_key(v1, "pw", "pw", TEST_ARGON2, pepper=PEPPER)
    assert not private_key_needs_reseal(resealed)
    assert open_private_key(resealed, "pw", pepper=PEPPER) == keypair.private_bytes


def test_a_short_pepper_is_a_programming_error(keypair: UserKeyPair) -> None:
    with pytest.raises(ValueError, match="pepper"):
        seal_private_key(keypair.private_bytes, "pw", TEST_ARGON2, pepper=b"short")


def test_private_key_seal_refuses_wrong_size() -> None:
    with pytest.raises(ValueError, match="96 bytes"):
        seal_private_key(b"x" * 95, "pw", TEST_ARGON2, pepper=PEPPER)


# The HMAC tag of the first release is no certificate any more (crypto.certificates); it is
# still computed exactly as before, because the one-off upgrade must recognise it.
def test_certification(keypair: UserKeyPair, other_keypair: UserKeyPair) -> None:
    cert_key = b"c" * 32
    tag = legacy_certification_tag(cert_key, "user-1", keypair.public_bytes)
    assert len(tag) == 32
    assert verify_legacy_certification(cert_key, "user-1", keypair.public_bytes, tag)
    assert not verify_legacy_certification(cert_key, "user-2", keypair.public_bytes, tag)
    assert not verify_legacy_certification(cert_key, "user-1", other_keypair.public_bytes, tag)
    assert not verify_legacy_certification(b"d" * 32, "user-1", keypair.public_bytes, tag)
    assert not verify_legacy_certification(cert_key, "user-1", keypair.public_bytes, tag[:-1])
    assert not verify_legacy_certification(cert_key, "user-1", keypair.public_bytes, b"")


def test_certification_is_unambiguous(keypair: UserKeyPair) -> None:
    cert_key = b"c" * 32
    public = keypair.public_bytes
    # Moving a byte between user id and key must not keep the tag valid.
    tag = legacy_certification_tag(cert_key, "user-1", public)
    assert not verify_legacy_certification(cert_key, "user-1" + chr(public[0]), public[1:], tag)
    with pytest.raises(ValueError, match="HMAC key"):
        legacy_certification_tag(b"short", "user-1", public)
