"""Sealed items: every answer, message and attachment record of a case.

Blob layout (``ITEM_VERSION``)::

    version (1) | algorithm id (1) | nonce (12) | ciphertext + GCM tag (n + 16)

The key is a per-item subkey ``HKDF-SHA256(case key, info = kind, item id)``,
and the associated data is the header plus the length-prefixed case id, item
id and kind, so a ciphertext copied to another row, case or kind fails to open.
"""

from __future__ import annotations

import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ._aead import aead_open, aead_seal
from ._encoding import (
    AES_256_GCM,
    KEY_SIZE,
    NONCE_SIZE,
    Reader,
    Rng,
    length_prefixed,
    random_bytes,
    require_key,
    text,
)
from .errors import InvalidCiphertext

__all__ = [
    "ITEM_VERSION",
    "SEALED_VERSION",
    "item_subkey",
    "new_case_key",
    "open_item",
    "open_with_key",
    "seal_item",
    "seal_with_key",
]

ITEM_VERSION = 0x01
SEALED_VERSION = 0x01
# Domain labels keep the same key from ever producing interchangeable
# ciphertexts in two different roles.
_ITEM_KEY_LABEL = b"aktsom/item-key/v1"
_ITEM_AAD_LABEL = b"aktsom/item/v1"
_SEALED_AAD_LABEL = b"aktsom/sealed/v1"


def new_case_key() -> bytes:
    """Return 32 random bytes: a case's report key (DEK) or staff key."""
    return secrets.token_bytes(KEY_SIZE)


def item_subkey(case_key: bytes, *, kind: str, item_id: str) -> bytes:
    """Derive the 32-byte key of one item (also the key of an attachment stream)."""
    require_key(case_key, "case_key")
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_SIZE,
        salt=None,
        info=length_prefixed(_ITEM_KEY_LABEL, text(kind), text(item_id)),
    )
    return hkdf.derive(bytes(case_key))


def _item_aad(header: bytes, case_id: str, item_id: str, kind: str) -> bytes:
    return header + length_prefixed(_ITEM_AAD_LABEL, text(case_id), text(item_id), text(kind))


def seal_item(
    case_key: bytes,
    *,
    case_id: str,
    item_id: str,
    kind: str,
    plaintext: bytes,
    rng: Rng | None = None,
) -> bytes:
    """Encrypt one item of a case, bound to its case id, item id and kind."""
    key = item_subkey(case_key, kind=kind, item_id=item_id)
    header = bytes([ITEM_VERSION, AES_256_GCM])
    nonce = random_bytes(rng, NONCE_SIZE)
    aad = _item_aad(header, case_id, item_id, kind)
    return header + nonce + aead_seal(key, nonce, plaintext, aad)


def open_item(case_key: bytes, *, case_id: str, item_id: str, kind: str, blob: bytes) -> bytes:
    """Authenticate and decrypt an item; any failure raises :class:`InvalidCiphertext`."""
    key = item_subkey(case_key, kind=kind, item_id=item_id)
    reader = Reader(blob)
    if reader.byte() != ITEM_VERSION or reader.byte() != AES_256_GCM:
        raise InvalidCiphertext()
    header = reader.consumed()
    nonce = reader.take(NONCE_SIZE)
    return aead_open(key, nonce, reader.rest(), _item_aad(header, case_id, item_id, kind))


def seal_with_key(key: bytes, plaintext: bytes, aad: bytes = b"", rng: Rng | None = None) -> bytes:
    """Encrypt under a raw 32-byte key (e.g. a per-session key held in a cookie).

    Same layout as an item; ``aad`` is bound but not stored.
    """
    require_key(key)
    header = bytes([SEALED_VERSION, AES_256_GCM])
    nonce = random_bytes(rng, NONCE_SIZE)
    full_aad = header + length_prefixed(_SEALED_AAD_LABEL, bytes(aad))
    return header + nonce + aead_seal(bytes(key), nonce, plaintext, full_aad)


def open_with_key(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    """Reverse :func:`seal_with_key`; any failure raises :class:`InvalidCiphertext`."""
    reader = Reader(blob)
    if reader.byte() != SEALED_VERSION or reader.byte() != AES_256_GCM:
        raise InvalidCiphertext()
    full_aad = reader.consumed() + length_prefixed(_SEALED_AAD_LABEL, bytes(aad))
    nonce = reader.take(NONCE_SIZE)
    return aead_open(bytes(key), nonce, reader.rest(), full_aad)
