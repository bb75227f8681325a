"""Streaming encryption of attachments in constant memory (STREAM construction).

Layout (``STREAM_VERSION``)::

    header: version (1) | algorithm id (1) | nonce prefix (7)
    then segments: ciphertext + tag, SEGMENT_SIZE + 16 bytes each, the last one
    0..SEGMENT_SIZE + 16 bytes (an empty input is one 16-byte segment)

Segment ``i`` uses nonce = prefix (7) | i as 32-bit big-endian | last flag
(1 byte, 0x01 on the final segment, else 0x00), and associated data = header
| length-prefixed caller ``aad``. The counter catches reordering,
duplication and dropped segments; the flag catches truncation at a segment
boundary and appended segments (Hoang, Reyhanitabar, Rogaway, Vizár 2015).

The 56-bit random prefix is only safe for a modest number of streams per key;
use a fresh per-item key (:func:`crypto.items.item_subkey`) for each stream.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ._encoding import AES_256_GCM, TAG_SIZE, Rng, length_prefixed, random_bytes, require_key
from .errors import InvalidCiphertext

__all__ = [
    "SEGMENT_SIZE", "STREAM_VERSION", "decrypt_stream", "encrypt_stream", "iter_decrypt_stream",
]

SEGMENT_SIZE = 65536
STREAM_VERSION = 0x01
_PREFIX_SIZE = 7
_HEADER_SIZE = 2 + _PREFIX_SIZE
_SEALED_SEGMENT = SEGMENT_SIZE + TAG_SIZE
_MAX_SEGMENTS = 2**32
_LABEL = b"aktsom/stream/v1"


def _read_exact(src: BinaryIO, n: int) -> bytes:
    """Read ``n`` bytes, or fewer only at end of file (raw files may return short reads)."""
    data = src.read(n)
    if len(data) == n or not data:
        return data
    parts = [data]
    remaining = n - len(data)
    while remaining:
        more = src.read(remaining)
        if not more:
            break
        parts.append(more)
        remaining -= len(more)
    return b"".join(parts)


def _write_all(dst: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = dst.write(view)
        view = view[written:]


def stream_nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    """The nonce of segment `counter` of a stream whose header carries `prefix`."""
    if counter >= _MAX_SEGMENTS:
        raise ValueError("stream too long")
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


_nonce = stream_nonce


def stream_aad(header: bytes, aad: bytes) -> bytes:
    """The associated data of every segment of a stream with `header` and caller `aad`."""
    return header + length_prefixed(_LABEL, bytes(aad))


def encrypt_stream(
    src: BinaryIO, dst: BinaryIO, key: bytes, aad: bytes = b"", rng: Rng | None = None
) -> int:
    """Encrypt ``src`` into ``dst`` segment by segment; returns the plaintext size.

    Memory stays at about two segments whatever the input size. ``key``
    should be used for one stream only (e.g. an :func:`~crypto.items.item_subkey`).
    """
    require_key(key)
    header = bytes([STREAM_VERSION, AES_256_GCM]) + random_bytes(rng, _PREFIX_SIZE)
    full_aad = stream_aad(header, aad)
    cipher = AESGCM(bytes(key))
    _write_all(dst, header)
    total = 0
    counter = 0
    current = _read_exact(src, SEGMENT_SIZE)
    while True:
        # Look one segment ahead: only then do we know whether this one is last.
        following = _read_exact(src, SEGMENT_SIZE) if len(current) == SEGMENT_SIZE else b""
        last = not following
        nonce = _nonce(header[2:], counter, last)
        _write_all(dst, cipher.encrypt(nonce, current, full_aad))
        total += len(current)
        if last:
            return total
        current = following
        counter += 1


def decrypt_stream(src: BinaryIO, dst: BinaryIO, key: bytes, aad: bytes = b"") -> int:
    """Decrypt and verify a stream into ``dst``; returns the plaintext size.

    Each segment's tag is checked before any of its plaintext is written.
    A damaged, truncated or extended stream raises :class:`InvalidCiphertext`,
    possibly after earlier, individually verified segments were written: the
    caller must treat ``dst`` as garbage and discard it when this raises.
    """
    total = 0
    for plaintext in iter_decrypt_stream(src, key, aad):
        _write_all(dst, plaintext)
        total += len(plaintext)
    return total


def iter_decrypt_stream(src: BinaryIO, key: bytes, aad: bytes = b"") -> Iterator[bytes]:
    """Yield the plaintext of a stream one verified segment at a time, in constant memory.

    Nothing of a segment is yielded before its tag is checked. A damaged, truncated or
    extended stream raises :class:`InvalidCiphertext` when the iteration reaches the damage,
    possibly after earlier segments were yielded: a consumer that forwards the segments (a
    download) must abort rather than finish what it forwarded.
    """
    require_key(key)
    header = _read_exact(src, _HEADER_SIZE)
    if len(header) != _HEADER_SIZE or header[0] != STREAM_VERSION or header[1] != AES_256_GCM:
        raise InvalidCiphertext()
    full_aad = header + length_prefixed(_LABEL, bytes(aad))
    cipher = AESGCM(bytes(key))
    counter = 0
    current = _read_exact(src, _SEALED_SEGMENT)
    while True:
        following = _read_exact(src, _SEALED_SEGMENT) if len(current) == _SEALED_SEGMENT else b""
        last = not following
        if len(current) < TAG_SIZE or counter >= _MAX_SEGMENTS:
            raise InvalidCiphertext()
        try:
            plaintext = cipher.decrypt(_nonce(header[2:], counter, last), current, full_aad)
        except InvalidTag:
            raise InvalidCiphertext() from None
        yield plaintext
        if last:
            return
        current = following
        counter += 1
