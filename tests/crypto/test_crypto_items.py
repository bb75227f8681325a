"""Sealed items and the generic key seal."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import (
    InvalidCiphertext,
    item_subkey,
    new_case_key,
    open_item,
    open_with_key,
    seal_item,
    seal_with_key,
)


class Ids(TypedDict, total=False):
    case_id: str
    item_id: str
    kind: str


IDS: Ids = {"case_id": "case-1", "item_id": "item-1", "kind": "message"}
# Byte ranges of every field of the item / sealed layout for a 10-byte plaintext.
FIELDS = {
    "version": range(0, 1),
    "algorithm": range(1, 2),
    "nonce": range(2, 14),
    "ciphertext": range(14, 24),
    "tag": range(24, 40),
}


def test_new_case_key_is_random_32_bytes() -> None:
    keys = {new_case_key() for _ in range(10)}
    assert len(keys) == 10
    assert all(len(k) == 32 for k in keys)


@settings(deadline=None, max_examples=100, database=None)
@given(plaintext=st.binary(max_size=2048), case_id=st.text(), item_id=st.text(), kind=st.text())
def test_item_round_trip(plaintext: bytes, case_id: str, item_id: str, kind: str) -> None:
    key = new_case_key()
    blob = seal_item(key, case_id=case_id, item_id=item_id, kind=kind, plaintext=plaintext)
    assert len(blob) == 2 + 12 + len(plaintext) + 16
    assert blob[:2] == b"\x01\x01"
    assert open_item(key, case_id=case_id, item_id=item_id, kind=kind, blob=blob) == plaintext


def test_wrong_key_fails(case_key: bytes) -> None:
    blob = seal_item(case_key, plaintext=b"secret", **IDS)
    with pytest.raises(InvalidCiphertext):
        open_item(new_case_key(), blob=blob, **IDS)


@pytest.mark.parametrize(
    "changed",
    [
        {"case_id": "case-2"},
        {"item_id": "item-2"},
        {"kind": "answers"},
        {"case_id": "item-1", "item_id": "case-1"},  # swapped fields
    ],
)
def test_moved_item_fails(case_key: bytes, changed: Ids) -> None:
    blob = seal_item(case_key, plaintext=b"secret", **IDS)
    moved: Ids = {**IDS, **changed}
    with pytest.raises(InvalidCiphertext):
        open_item(case_key, blob=blob, **moved)


def test_identifiers_are_length_prefixed(case_key: bytes) -> None:
    # Plain concatenation would make ("ab", "c") and ("a", "bc") the same.
    assert item_subkey(case_key, kind="ab", item_id="c") != item_subkey(
        case_key, kind="a", item_id="bc"
    )
    blob = seal_item(case_key, case_id="x", item_id="ab", kind="c", plaintext=b"p")
    with pytest.raises(InvalidCiphertext):
        open_item(case_key, case_id="xa", item_id="b", kind="c", blob=blob)


def test_subkeys_differ_per_kind_and_item(case_key: bytes) -> None:
    keys = {
        item_subkey(case_key, kind=k, item_id=i)
        for k in ("message", "answers", "attachment")
        for i in ("1", "2")
    }
    assert len(keys) == 6
    assert case_key not in keys


@pytest.mark.parametrize("field", FIELDS)
def test_item_tamper_every_field(
    case_key: bytes, field: str, flip_byte: Callable[[bytes, int, int], bytes]
) -> None:
    blob = seal_item(case_key, plaintext=b"0123456789", **IDS)
    assert len(blob) == 40
    for position in FIELDS[field]:
        for mask in (0x01, 0x80):
            with pytest.raises(InvalidCiphertext):
                open_item(case_key, blob=flip_byte(blob, position, mask), **IDS)


def test_item_truncation_and_extension(case_key: bytes) -> None:
    blob = seal_item(case_key, plaintext=b"0123456789", **IDS)
    for cut in range(len(blob)):
        with pytest.raises(InvalidCiphertext):
            open_item(case_key, blob=blob[:cut], **IDS)
    with pytest.raises(InvalidCiphertext):
        open_item(case_key, blob=blob + b"\x00", **IDS)


def test_item_refuses_bad_case_key() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        seal_item(b"short", plaintext=b"", **IDS)


@settings(deadline=None, max_examples=100, database=None)
@given(plaintext=st.binary(max_size=1024), aad=st.binary(max_size=64))
def test_seal_with_key_round_trip(plaintext: bytes, aad: bytes) -> None:
    key = new_case_key()
    assert open_with_key(key, seal_with_key(key, plaintext, aad), aad) == plaintext


def test_seal_with_key_binds_key_and_aad() -> None:
    key = new_case_key()
    blob = seal_with_key(key, b"session secret", b"session-1")
    for wrong_key, wrong_aad in [(new_case_key(), b"session-1"), (key, b"session-2"), (key, b"")]:
        with pytest.raises(InvalidCiphertext):
            open_with_key(wrong_key, blob, wrong_aad)
    with pytest.raises(InvalidCiphertext):
        open_with_key(b"short key", blob, b"session-1")  # e.g. a forged cookie
    with pytest.raises(ValueError, match="32 bytes"):
        seal_with_key(b"short key", b"x")


@pytest.mark.parametrize("field", FIELDS)
def test_sealed_tamper_every_field(
    field: str, flip_byte: Callable[[bytes, int, int], bytes]
) -> None:
    key = new_case_key()
    blob = seal_with_key(key, b"0123456789", b"aad")
    for position in FIELDS[field]:
        with pytest.raises(InvalidCiphertext):
            open_with_key(key, flip_byte(blob, position, 0x01), b"aad")


def test_item_and_sealed_blobs_are_not_interchangeable(case_key: bytes) -> None:
    # Same layout, different domain labels in the associated data.
    subkey = item_subkey(case_key, kind="message", item_id="item-1")
    blob = seal_with_key(subkey, b"x")
    with pytest.raises(InvalidCiphertext):
        open_item(case_key, blob=blob, **IDS)
