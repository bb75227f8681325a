"""Sealed items: every answer, message and attachment record of a case.

Blob layout (``ITEM_VERSION``)::

    version (1) | algorithm id (1) | nonce (12) | ciphertext + GCM tag (n + 16)

The key is a per-item subkey ``HKDF-SHA256(case key, info = kind, item id)``,
and the associated data is the header plus the length-prefixed case id, item
id and kind, so a ciphertext copied to another row, case or kind fails to open.

Version 2 (``BOUND_ITEM_VERSION``) has the same layout and key and also binds
a caller's ``context``: further length-prefixed strings such as the author and
position of a message, which then cannot be relabelled without the blob
failing to open. A version-1 blob never opens where a context is expected, and
the reverse, so neither can stand in for the other.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

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
    "BOUND_ITEM_VERSION",
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
BOUND_ITEM_VERSION = 0x02
SEALED_VERSION = 0x01
# Domain labels keep the same key from ever producing interchangeable
# ciphertexts in two different roles.
_ITEM_KEY_LABEL = b"aktsom/item-key/v1"
_ITEM_AAD_LABEL = b"aktsom/item/v1"
_BOUND_ITEM_AAD_LABEL = b"aktsom/item/v2"
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


def _item_aad(header: bytes, case_id: str, item_id: str, kind: str,
              context: Sequence[str] | None) -> bytes:
    ids = (text(case_id), text(item_id), text(kind))
    if context is None:
        return header + length_prefixed(_ITEM_AAD_LABEL, *ids)
    return header + length_prefixed(_BOUND_ITEM_AAD_LABEL, *ids, *(text(c) for c in context))


def _version(context: Sequence[str] | None) -> int:
    return ITEM_VERSION if context is None else BOUND_ITEM_VERSION


def seal_item(
    case_key: bytes,
    *,
    case_id: str,
    item_id: str,
    kind: str,
    plaintext: bytes,
    context: Sequence[str] | None = None,
    rng: Rng | None = None,
) -> bytes:
    """Encrypt one item of a case, bound to its case id, item id and kind.

    With ``context`` (version 2) those strings are bound as well, in order.
    """
    key = item_subkey(case_key, kind=kind, item_id=item_id)
    header = bytes([_version(context), AES_256_GCM])
    nonce = random_bytes(rng, NONCE_SIZE)
    aad = _item_aad(header, case_id, item_id, kind, context)
    return header + nonce + aead_seal(key, nonce, plaintext, aad)


def open_item(
    case_key: bytes,
    *,
    case_id: str,
    item_id: str,
    kind: str,
    blob: bytes,
    context: Sequence[str] | None = None,
) -> bytes:
    """Authenticate and decrypt an item; any failure raises :class:`InvalidCiphertext`.

    ``context`` must be the one given to :func:`seal_item` (None for version 1).
    """
    key = item_subkey(case_key, kind=kind, item_id=item_id)
    reader = Reader(blob)
    if reader.byte() != _version(context) or reader.byte() != AES_256_GCM:
        raise InvalidCiphertext()
    header = reader.consumed()
    nonce = reader.take(NONCE_SIZE)
    aad = _item_aad(header, case_id, item_id, kind, context)
    return aead_open(key, nonce, reader.rest(), aad)


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
