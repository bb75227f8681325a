"""Sealed items of version 2: a caller's context (e.g. a message's author and position) is
bound into the associated data, so relabelling any part of it makes the item fail to open."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import InvalidCiphertext, new_case_key, open_item, seal_item

IDS: dict[str, str] = {"case_id": "case-1", "item_id": "item-1", "kind": "message"}
CONTEXT = ("aktsom/message/v1", "handler", "user-3", "message", "case", "4", "2")


def _lp(*parts: bytes) -> bytes:
    return b"".join(struct.pack(">I", len(part)) + part for part in parts)


@settings(deadline=None, max_examples=100, database=None)
@given(plaintext=st.binary(max_size=1024), context=st.lists(st.text(), max_size=8))
def test_bound_item_round_trip(plaintext: bytes, context: list[str]) -> None:
    key = new_case_key()
    blob = seal_item(key, plaintext=plaintext, context=context, **IDS)
    assert blob[:2] == b"\x02\x01"
    assert len(blob) == 2 + 12 + len(plaintext) + 16
    assert open_item(key, blob=blob, context=context, **IDS) == plaintext


@pytest.mark.parametrize("position", range(len(CONTEXT)))
def test_every_context_part_is_bound(case_key: bytes, position: int) -> None:
    blob = seal_item(case_key, plaintext=b"secret", context=CONTEXT, **IDS)
    changed = list(CONTEXT)
    changed[position] += "x"
    with pytest.raises(InvalidCiphertext):
        open_item(case_key, blob=blob, context=changed, **IDS)


@pytest.mark.parametrize("context", [
    CONTEXT[:-1],                                      # a part dropped
    (*CONTEXT, ""),                                    # a part added, even an empty one
    (CONTEXT[0], CONTEXT[2], CONTEXT[1], *CONTEXT[3:]),  # two parts swapped
    (CONTEXT[0] + CONTEXT[1], "", *CONTEXT[2:]),        # a boundary moved
])
def test_context_shape_is_bound(case_key: bytes, context: tuple[str, ...]) -> None:
    blob = seal_item(case_key, plaintext=b"secret", context=CONTEXT, **IDS)
    with pytest.raises(InvalidCiphertext):
        open_item(case_key, blob=blob, context=context, **IDS)


def test_versions_do_not_stand_in_for_each_other(case_key: bytes) -> None:
    plain = seal_item(case_key, plaintext=b"secret", **IDS)
    bound = seal_item(case_key, plaintext=b"secret", context=(), **IDS)
    with pytest.raises(InvalidCiphertext):
        open_item(case_key, blob=plain, context=(), **IDS)  # no downgrade to unbound
    with pytest.raises(InvalidCiphertext):
        open_item(case_key, blob=bound, **IDS)
    # Changing only the version byte does not help either.
    with pytest.raises(InvalidCiphertext):
        open_item(case_key, blob=b"\x02" + plain[1:], context=(), **IDS)


def test_bound_item_tamper_every_byte(
    case_key: bytes, flip_byte: Callable[[bytes, int, int], bytes]
) -> None:
    blob = seal_item(case_key, plaintext=b"0123456789", context=CONTEXT, **IDS)
    for position in range(len(blob)):
        with pytest.raises(InvalidCiphertext):
            open_item(case_key, blob=flip_byte(blob, position, 0x01), context=CONTEXT, **IDS)


def test_bound_item_vector_matches_the_documented_layout(
        load_vectors: Callable[[str], Any]) -> None:
    """Rebuild the stored vector from docs/crypto.md §3.2 with pyca directly."""
    v = load_vectors("items.json")["bound_item"]
    subkey = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                  info=_lp(b"aktsom/item-key/v1", v["kind"].encode(), v["item_id"].encode()),
                  ).derive(bytes.fromhex(v["case_key"]))
    header = b"\x02\x01"
    aad = header + _lp(b"aktsom/item/v2", v["case_id"].encode(), v["item_id"].encode(),
                       v["kind"].encode(), *(part.encode() for part in v["context"]))
    nonce = bytes.fromhex(v["nonce"])
    sealed = AESGCM(subkey).encrypt(nonce, bytes.fromhex(v["plaintext"]), aad)
    assert (header + nonce + sealed).hex() == v["blob"]
