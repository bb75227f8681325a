"""Small shared helpers: unambiguous message encoding, Crockford base32, RNG type.

Private to the package; nothing here is a cryptographic primitive.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable

from .errors import InvalidCiphertext

#: A source of random bytes, ``rng(n) -> n bytes``. Injectable so known-answer
#: tests can pin nonces and salts; production always uses the OS CSPRNG.
Rng = Callable[[int], bytes]

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_INDEX = {c: i for i, c in enumerate(CROCKFORD)}
# Characters people type for the ones Crockford leaves out on purpose.
_CROCKFORD_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})

AES_256_GCM = 0x01  # algorithm id shared by all our AEAD formats
NONCE_SIZE = 12
TAG_SIZE = 16
KEY_SIZE = 32


def random_bytes(rng: Rng | None, n: int) -> bytes:
    """Return ``n`` bytes from ``rng`` (default: the OS CSPRNG), checking the length."""
    data = (rng or os.urandom)(n)
    if len(data) != n:
        raise ValueError("rng returned the wrong number of bytes")
    return data


def length_prefixed(*parts: bytes) -> bytes:
    """Join parts so that no two different tuples encode to the same bytes.

    Every part gets a 4-byte big-endian length, so ("ab", "c") and ("a", "bc")
    differ; this is what keeps associated data and HKDF info unambiguous.
    """
    return b"".join(struct.pack(">I", len(p)) + p for p in parts)


def text(value: str) -> bytes:
    """UTF-8 bytes of an identifier used in associated data."""
    return value.encode("utf-8")


def require_key(key: bytes, name: str = "key") -> None:
    """Refuse keys that are not 32 bytes: a programming error, not an attack."""
    if not isinstance(key, bytes | bytearray | memoryview) or len(key) != KEY_SIZE:
        raise ValueError(f"{name} must be {KEY_SIZE} bytes")


def crockford_encode(value: int, length: int) -> str:
    """Encode a non-negative integer as exactly ``length`` Crockford symbols."""
    if value < 0 or value >> (5 * length):
        raise ValueError("value does not fit")
    return "".join(CROCKFORD[(value >> (5 * (length - 1 - i))) & 31] for i in range(length))


def crockford_clean(raw: str) -> str | None:
    """Upper-case, map O/I/L, and drop spaces and dashes; ``None`` if anything else remains.

    Only ASCII is accepted: ``str.upper`` maps some non-ASCII letters (dotless
    i, long s) onto ASCII ones, which would let look-alike input through.
    """
    if not raw.isascii():
        return None
    cleaned = "".join(raw.split()).replace("-", "").upper().translate(_CROCKFORD_ALIASES)
    if any(c not in _CROCKFORD_INDEX for c in cleaned):
        return None
    return cleaned


def crockford_decode(symbols: str) -> int:
    """Decode already-cleaned Crockford symbols to an integer."""
    value = 0
    for c in symbols:
        value = (value << 5) | _CROCKFORD_INDEX[c]
    return value


class Reader:
    """Cursor over a blob; any short read raises :class:`InvalidCiphertext`."""

    def __init__(self, blob: bytes) -> None:
        self._blob = bytes(blob)
        self._pos = 0

    def take(self, n: int) -> bytes:
        """Return the next ``n`` bytes."""
        end = self._pos + n
        if end > len(self._blob):
            raise InvalidCiphertext()
        chunk = self._blob[self._pos : end]
        self._pos = end
        return chunk

    def byte(self) -> int:
        """Return the next byte as an integer."""
        return self.take(1)[0]

    def consumed(self) -> bytes:
        """Everything read so far (the header, to bind as associated data)."""
        return self._blob[: self._pos]

    def rest(self) -> bytes:
        """Everything not read yet (the ciphertext and tag)."""
        chunk = self._blob[self._pos :]
        self._pos = len(self._blob)
        return chunk
