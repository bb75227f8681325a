"""The reporter's key pair, re-created from the case code (crypto/reporter_keys.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto import (
    TEST_ARGON2,
    Argon2Params,
    InvalidCaseCode,
    InvalidCiphertext,
    UserKeyPair,
    make_reporter_key,
    open_reporter_key,
    reporter_public_key,
    unwrap_case_key,
    wrap_case_key,
)
from crypto._encoding import length_prefixed

CODE = "K7QM2-XPD9R-TFH4B-N8WJC"
FIELDS = {
    "version": [0],
    "suite": [1],
    "params": [2, 6, 11],
    "salt": [12, 20, 27],
    "public key": [28, 1000, 1211, 1243],
}


@pytest.fixture(scope="module")
def made() -> tuple[bytes, UserKeyPair]:
    return make_reporter_key(CODE, TEST_ARGON2, case_id="case-1")


def test_the_code_recreates_the_pair_in_any_spelling(made: tuple[bytes, UserKeyPair]) -> None:
    record, pair = made
    assert len(record) == 1244
    assert record[:2] == b"\x01\x01"
    assert record[2:12] == TEST_ARGON2.to_bytes()
    assert record[28:] == pair.public_bytes == reporter_public_key(record)
    assert open_reporter_key(record, CODE, case_id="case-1") == pair
    assert open_reporter_key(record, " k7qm2 xpd9r-tfh4b n8wjc ", case_id="case-1") == pair


def test_the_private_key_is_the_documented_derivation(made: tuple[bytes, UserKeyPair]) -> None:
    """docs/crypto.md §3.10, rebuilt from the primitives."""
    record, pair = made
    stretched = hash_secret_raw(CODE.replace("-", "").encode(), record[12:28], time_cost=1,
                                memory_cost=8, parallelism=1, hash_len=32, type=Type.ID)
    info = record[:28] + length_prefixed(b"aktsom/reporter-key-pair/v1", b"case-1")
    private = HKDF(algorithm=hashes.SHA256(), length=96, salt=None, info=info).derive(stretched)
    assert private == pair.private_bytes


def test_a_wrong_code_or_case_opens_nothing(made: tuple[bytes, UserKeyPair]) -> None:
    record, _pair = made
    with pytest.raises(InvalidCiphertext):
        open_reporter_key(record, "K7QM2-XPD9R-TFH4B-N8WJD", case_id="case-1")
    with pytest.raises(InvalidCiphertext):
        open_reporter_key(record, CODE, case_id="case-2")


@pytest.mark.parametrize(("field", "positions"), list(FIELDS.items()))
def test_every_changed_byte_is_refused(made: tuple[bytes, UserKeyPair], field: str,
                                       positions: list[int],
                                       flip_byte: Callable[[bytes, int, int], bytes]) -> None:
    record, _pair = made
    for position in positions:
        with pytest.raises(InvalidCiphertext):
            open_reporter_key(flip_byte(record, position, 0x01), CODE, case_id="case-1")


def test_a_cut_or_extended_record_is_refused(made: tuple[bytes, UserKeyPair]) -> None:
    record, _pair = made
    for damaged in (record[:-1], record + b"\0", record[:28], b""):
        with pytest.raises(InvalidCiphertext):
            open_reporter_key(damaged, CODE, case_id="case-1")
        with pytest.raises(InvalidCiphertext):
            reporter_public_key(damaged)


def test_a_malformed_code_is_refused_before_any_work(made: tuple[bytes, UserKeyPair],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import crypto._secret_seal as secret_seal

    calls: list[Any] = []
    monkeypatch.setattr(secret_seal, "derive_key", lambda *args: calls.append(args))
    record, _pair = made
    with pytest.raises(InvalidCaseCode):
        open_reporter_key(record, "not a code", case_id="case-1")
    with pytest.raises(InvalidCaseCode):
        make_reporter_key("not a code", TEST_ARGON2, case_id="case-1")
    assert calls == []


def test_one_argon2_derivation_per_opening(made: tuple[bytes, UserKeyPair],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import crypto._secret_seal as secret_seal

    calls: list[str] = []
    real = secret_seal.derive_key

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append("argon2id")
        return bytes(real(*args, **kwargs))

    monkeypatch.setattr(secret_seal, "derive_key", counting)
    record, _pair = made
    open_reporter_key(record, CODE, case_id="case-1")
    assert calls == ["argon2id"]


def test_the_costs_travel_in_the_record() -> None:
    stronger = Argon2Params(time_cost=2, memory_cost_kib=16, parallelism=2)
    record, pair = make_reporter_key(CODE, stronger, case_id="case-1")
    assert record[2:12] == stronger.to_bytes()
    assert open_reporter_key(record, CODE, case_id="case-1") == pair


def test_a_fresh_salt_gives_every_case_its_own_pair(made: tuple[bytes, UserKeyPair]) -> None:
    record, pair = made
    again, other = make_reporter_key(CODE, TEST_ARGON2, case_id="case-1")
    assert again[12:28] != record[12:28]
    assert other.public_bytes != pair.public_bytes


def test_a_case_key_wrapped_to_the_public_half_opens_with_the_code(
        made: tuple[bytes, UserKeyPair], case_key: bytes) -> None:
    """What a handler does after an exclusion, and the reporter on their next visit."""
    record, _pair = made
    ids = {"case_id": "case-1:case:1", "recipient_id": "reporter"}
    blob = wrap_case_key(case_key, reporter_public_key(record), **ids)
    opened = open_reporter_key(record, CODE, case_id="case-1")
    assert unwrap_case_key(blob, opened.private_bytes, **ids) == case_key
