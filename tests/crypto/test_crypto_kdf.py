"""Argon2id parameters and key derivation."""

from __future__ import annotations

import time

import pytest

from crypto import (
    PRODUCTION_ARGON2,
    TEST_ARGON2,
    Argon2Params,
    derive_key,
    new_salt,
    open_case_key_for_reporter,
)
from crypto.kdf import _derive_argon2_cffi, _derive_libsodium, libsodium_applies

# RFC 9106 §4, second recommended option: Argon2id, t=3, m=2^16 KiB (64 MiB).
RFC9106_T = 3
RFC9106_M_KIB = 65536


def test_production_params_not_below_rfc9106() -> None:
    assert PRODUCTION_ARGON2.time_cost >= RFC9106_T
    assert PRODUCTION_ARGON2.memory_cost_kib >= RFC9106_M_KIB
    assert PRODUCTION_ARGON2.parallelism >= 1
    assert PRODUCTION_ARGON2 != TEST_ARGON2


def test_one_production_derivation_runs() -> None:
    started = time.perf_counter()
    key = derive_key(b"K7QM2XPD9RTFH4BN8WJC", bytes(16), PRODUCTION_ARGON2)
    assert len(key) == 32
    # Not a timing assertion that could flake; only a guard against a runaway setting.
    assert time.perf_counter() - started < 30


def test_params_round_trip() -> None:
    for params in (PRODUCTION_ARGON2, TEST_ARGON2, Argon2Params(7, 1024, 3)):
        data = params.to_bytes()
        assert len(data) == 10
        assert Argon2Params.from_bytes(data) == params


@pytest.mark.parametrize(
    ("time_cost", "memory", "parallelism", "version"),
    [
        (0, 8, 1, 1),
        (1, 7, 1, 1),
        (1, 8, 0, 1),
        (1, 8, 2, 1),  # below 8 KiB per lane
        (1, 8, 1, 2),  # unknown version
        (65, 8, 1, 1),
        (1, 2 * 1024 * 1024, 1, 1),  # a blob must not make us allocate 2 GiB
    ],
)
def test_params_out_of_range_are_refused(
    time_cost: int, memory: int, parallelism: int, version: int
) -> None:
    with pytest.raises(ValueError, match="range|version"):
        Argon2Params(time_cost, memory, parallelism, version)


def test_from_bytes_refuses_wrong_length() -> None:
    with pytest.raises(ValueError, match="10 bytes"):
        Argon2Params.from_bytes(TEST_ARGON2.to_bytes()[:-1])


def test_derive_key_depends_on_every_input() -> None:
    salt = bytes(16)
    base = derive_key(b"secret", salt, TEST_ARGON2)
    assert derive_key(b"secret", salt, TEST_ARGON2) == base
    assert derive_key(b"secreT", salt, TEST_ARGON2) != base
    assert derive_key(b"secret", b"\x01" + salt[1:], TEST_ARGON2) != base
    assert derive_key(b"secret", salt, Argon2Params(2, 8, 1)) != base
    assert len(derive_key(b"secret", salt, TEST_ARGON2, length=64)) == 64


def test_short_salt_refused() -> None:
    with pytest.raises(ValueError, match="salt"):
        derive_key(b"secret", b"1234567", TEST_ARGON2)


def test_new_salt_is_16_random_bytes() -> None:
    salts = {new_salt() for _ in range(20)}
    assert len(salts) == 20
    assert all(len(s) == 16 for s in salts)


# --- issue 15 §2: libsodium's Argon2id where it applies, argon2-cffi's elsewhere -----------

# Known answers made with argon2-cffi before issue 15 (the only implementation then):
# Argon2id v1.3, t=3, m=64 MiB, p=1 over the case code's symbols and a 16-byte salt.
KAT_SECRET = b"K7QM2XPD9RTFH4BN8WJC"
KAT_SALT = bytes(range(16, 32))
KAT_PRODUCTION_P1 = "62a348779252b1fa695bacccf3b61bba9712aeff583fa0a841bf8bd542b71fd3"
# A reporter's case-key envelope sealed before issue 15 at the then production default
# (t=3, m=64 MiB, p=4): its stored parameters must still open it.
OLD_CODE = "K7QM2-XPD9R-TFH4B-N8WJC"
OLD_ENVELOPE_P4 = (
    "010101000000030001000004101112131415161718191a1b1c1d1e1f1f92bc1a223d85ff2d54a5fa4d86"
    "47267442309b1eee6e71d621b77c3705f4dd22d6bed5a94b2238d627a48b5929aa4f57ac6442d22a1678"
    "912ee9d3"
)


def test_issue15_production_params_are_one_lane_for_libsodium() -> None:
    """One lane at the same memory and passes: libsodium computes the production derivation."""
    assert PRODUCTION_ARGON2.parallelism == 1
    assert libsodium_applies(new_salt(), PRODUCTION_ARGON2, 32)


def test_issue15_known_answer_from_both_implementations() -> None:
    """Byte-identical output: the production costs through each implementation and through
    derive_key (which takes libsodium's) give the answer argon2-cffi gave before."""
    expected = bytes.fromhex(KAT_PRODUCTION_P1)
    assert _derive_argon2_cffi(KAT_SECRET, KAT_SALT, PRODUCTION_ARGON2, 32) == expected
    assert _derive_libsodium(KAT_SECRET, KAT_SALT, PRODUCTION_ARGON2, 32) == expected
    assert derive_key(KAT_SECRET, KAT_SALT, PRODUCTION_ARGON2) == expected


@pytest.mark.parametrize("params", [TEST_ARGON2, Argon2Params(2, 16, 1), Argon2Params(1, 100, 1)])
@pytest.mark.parametrize("length", [16, 32, 96])
def test_issue15_implementations_agree(params: Argon2Params, length: int) -> None:
    for secret in (b"", b"\x00", KAT_SECRET, bytes(range(256))):
        salt = new_salt()
        assert _derive_libsodium(secret, salt, params, length) == \
            _derive_argon2_cffi(secret, salt, params, length)


@pytest.mark.parametrize(("salt", "params", "length"), [
    (bytes(16), Argon2Params(1, 32, 4), 32),  # several lanes: only argon2-cffi
    (bytes(8), TEST_ARGON2, 32),  # libsodium takes 16-byte salts only
    (bytes(16), TEST_ARGON2, 8),  # libsodium's output is at least 16 bytes
])
def test_issue15_what_libsodium_cannot_do_goes_to_argon2_cffi(
        salt: bytes, params: Argon2Params, length: int) -> None:
    assert not libsodium_applies(salt, params, length)
    assert derive_key(b"secret", salt, params, length) == \
        _derive_argon2_cffi(b"secret", salt, params, length)


def test_issue15_an_old_p4_record_still_opens() -> None:
    """A record keeps its parameters: one sealed at p=4 before issue 15 opens today."""
    blob = bytes.fromhex(OLD_ENVELOPE_P4)
    assert Argon2Params.from_bytes(blob[2:12]) == Argon2Params(3, 65536, 4)
    assert open_case_key_for_reporter(blob, OLD_CODE, case_id="case-2025") == bytes(range(32))
