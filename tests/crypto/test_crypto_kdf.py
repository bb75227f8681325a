"""Argon2id parameters and key derivation."""

from __future__ import annotations

import time

import pytest

from crypto import PRODUCTION_ARGON2, TEST_ARGON2, Argon2Params, derive_key, new_salt

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
