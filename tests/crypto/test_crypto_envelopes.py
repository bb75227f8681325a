"""Recipient (HPKE) and reporter (case code) envelopes of the case key."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crypto import (
    TEST_ARGON2,
    Argon2Params,
    InvalidCaseCode,
    InvalidCiphertext,
    UserKeyPair,
    generate_case_code,
    new_salt,
    open_case_key_for_reporter,
    seal_case_key_for_reporter,
    unwrap_case_key,
    wrap_case_key,
)

IDS = {"case_id": "case-1", "recipient_id": "user-1"}
ENVELOPE_FIELDS = {
    "version": [0],
    "suite": [1],
    # The 1120-byte hybrid KEM encapsulation (ML-KEM-768 ciphertext and X25519 share).
    "enc": [2, 3, 500, 1089, 1090, 1105, 1120, 1121],
    "ciphertext": [1122, 1140, 1153],
    "tag": [1154, 1160, 1169],
}
REPORTER_FIELDS = {
    "version": range(0, 1),
    "algorithm": range(1, 2),
    "params": range(2, 12),
    "salt": range(12, 28),
    "nonce": range(28, 40),
    "ciphertext": range(40, 72),
    "tag": range(72, 88),
}


def test_wrap_round_trip(keypair: UserKeyPair, case_key: bytes) -> None:
    blob = wrap_case_key(case_key, keypair.public_bytes, **IDS)
    assert len(blob) == 2 + 1120 + 32 + 16
    assert blob[:2] == b"\x01\x01"
    assert unwrap_case_key(blob, keypair.private_bytes, **IDS) == case_key
    # HPKE is randomised: a second wrap differs but opens to the same key.
    again = wrap_case_key(case_key, keypair.public_bytes, **IDS)
    assert again != blob
    assert unwrap_case_key(again, keypair.private_bytes, **IDS) == case_key


def test_wrong_recipient_key_fails(
    keypair: UserKeyPair, other_keypair: UserKeyPair, case_key: bytes
) -> None:
    blob = wrap_case_key(case_key, keypair.public_bytes, **IDS)
    with pytest.raises(InvalidCiphertext):
        unwrap_case_key(blob, other_keypair.private_bytes, **IDS)


@pytest.mark.parametrize(
    "changed",
    [
        {"case_id": "case-2"},
        {"recipient_id": "user-2"},
        {"case_id": "user-1", "recipient_id": "case-1"},
    ],
)
def test_envelope_bound_to_case_and_recipient(
    keypair: UserKeyPair, case_key: bytes, changed: dict[str, str]
) -> None:
    blob = wrap_case_key(case_key, keypair.public_bytes, **IDS)
    with pytest.raises(InvalidCiphertext):
        unwrap_case_key(blob, keypair.private_bytes, **{**IDS, **changed})


@pytest.mark.parametrize("field", ENVELOPE_FIELDS)
def test_envelope_tamper_every_field(
    keypair: UserKeyPair,
    case_key: bytes,
    field: str,
    flip_byte: Callable[[bytes, int, int], bytes],
) -> None:
    blob = wrap_case_key(case_key, keypair.public_bytes, **IDS)
    for position in ENVELOPE_FIELDS[field]:
        for mask in (0x01, 0x80):
            with pytest.raises(InvalidCiphertext):
                unwrap_case_key(flip_byte(blob, position, mask), keypair.private_bytes, **IDS)


def test_envelope_truncation(keypair: UserKeyPair, case_key: bytes) -> None:
    blob = wrap_case_key(case_key, keypair.public_bytes, **IDS)
    for cut in (0, 1, 2, 100, 1121, 1122, 1153, len(blob) - 1):
        with pytest.raises(InvalidCiphertext):
            unwrap_case_key(blob[:cut], keypair.private_bytes, **IDS)
    with pytest.raises(InvalidCiphertext):
        unwrap_case_key(blob + b"\x00", keypair.private_bytes, **IDS)


def test_wrap_refuses_bad_inputs(keypair: UserKeyPair, case_key: bytes) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        wrap_case_key(case_key[:16], keypair.public_bytes, **IDS)
    with pytest.raises(ValueError, match="public key"):
        wrap_case_key(case_key, keypair.public_bytes[:-1], **IDS)


def test_reporter_round_trip(case_key: bytes) -> None:
    code = generate_case_code()
    salt = new_salt()
    blob = seal_case_key_for_reporter(case_key, code, salt, TEST_ARGON2, case_id="case-1")
    assert len(blob) == 88
    assert blob[12:28] == salt
    assert open_case_key_for_reporter(blob, code, case_id="case-1") == case_key
    typed = code.lower().replace("-", " ")
    assert open_case_key_for_reporter(blob, typed, case_id="case-1") == case_key


def test_reporter_wrong_code_or_case_fails(case_key: bytes) -> None:
    code = "K7QM2-XPD9R-TFH4B-N8WJC"
    blob = seal_case_key_for_reporter(case_key, code, new_salt(), TEST_ARGON2, case_id="case-1")
    with pytest.raises(InvalidCiphertext):
        open_case_key_for_reporter(blob, "K7QM2-XPD9R-TFH4B-N8WJD", case_id="case-1")
    with pytest.raises(InvalidCiphertext):
        open_case_key_for_reporter(blob, code, case_id="case-2")
    with pytest.raises(InvalidCaseCode):
        open_case_key_for_reporter(blob, "not a code", case_id="case-1")


def test_reporter_old_params_still_open(case_key: bytes) -> None:
    code = generate_case_code()
    raised = Argon2Params(time_cost=2, memory_cost_kib=32, parallelism=2)
    old = seal_case_key_for_reporter(case_key, code, new_salt(), TEST_ARGON2, case_id="c")
    new = seal_case_key_for_reporter(case_key, code, new_salt(), raised, case_id="c")
    assert old[2:12] == TEST_ARGON2.to_bytes()
    assert new[2:12] == raised.to_bytes()
    assert open_case_key_for_reporter(old, code, case_id="c") == case_key
    assert open_case_key_for_reporter(new, code, case_id="c") == case_key


@pytest.mark.parametrize("field", REPORTER_FIELDS)
def test_reporter_tamper_every_field(
    case_key: bytes, field: str, flip_byte: Callable[[bytes, int, int], bytes]
) -> None:
    code = generate_case_code()
    blob = seal_case_key_for_reporter(case_key, code, new_salt(), TEST_ARGON2, case_id="c")
    for position in REPORTER_FIELDS[field]:
        with pytest.raises(InvalidCiphertext):
            open_case_key_for_reporter(flip_byte(blob, position, 0x01), code, case_id="c")


def test_reporter_truncation(case_key: bytes) -> None:
    code = generate_case_code()
    blob = seal_case_key_for_reporter(case_key, code, new_salt(), TEST_ARGON2, case_id="c")
    for cut in range(len(blob)):
        with pytest.raises(InvalidCiphertext):
            open_case_key_for_reporter(blob[:cut], code, case_id="c")


def test_reporter_seal_refuses_bad_inputs(case_key: bytes) -> None:
    code = generate_case_code()
    with pytest.raises(ValueError, match="salt"):
        seal_case_key_for_reporter(case_key, code, b"short", TEST_ARGON2, case_id="c")
    with pytest.raises(InvalidCaseCode):
        seal_case_key_for_reporter(case_key, "bad", new_salt(), TEST_ARGON2, case_id="c")
    with pytest.raises(ValueError, match="32 bytes"):
        seal_case_key_for_reporter(b"k", code, new_salt(), TEST_ARGON2, case_id="c")
