"""A write-once, random-access spool that never puts plaintext on disk.

Uploads arrive before the case they belong to is known, so they cannot yet be sealed under
a case key; a web framework would keep them in a temporary file in clear meanwhile. This
spool encrypts instead, under a random key that lives only in this object's memory: a copy
of the disk, taken during or after the request, shows only ciphertext under a key that is
gone once the object is.

Layout of the temporary file: block ``i`` (``BLOCK_SIZE`` bytes of plaintext) is
``AES-256-GCM(key, nonce = i as 96-bit big-endian, block)`` at offset
``i * (BLOCK_SIZE + 16)``. Each index is encrypted exactly once under a key used for
nothing else, so the counter nonces never repeat. The tail (less than one block) stays in
memory and never reaches the disk, and the number of blocks on disk is kept in memory, so
a block that was altered, moved or cut off fails to open.

The spool is written once, front to back, then read with any number of seeks (image and
PDF parsers jump around); the first seek or read ends the writing. Memory stays at one
block being filled or one block read back, whatever the size.
"""

from __future__ import annotations

import io
import tempfile
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ._encoding import KEY_SIZE, NONCE_SIZE, TAG_SIZE, Rng, random_bytes
from .errors import InvalidCiphertext
from .stream import SEGMENT_SIZE

__all__ = ["BLOCK_SIZE", "EphemeralSpool"]

BLOCK_SIZE = SEGMENT_SIZE
_SEALED_BLOCK = BLOCK_SIZE + TAG_SIZE


class EphemeralSpool(io.RawIOBase):
    """A temporary file holding only ciphertext under a key that exists only in memory.

    A file of one block or less never touches the disk. ``fileno()`` is not offered, so no
    reader can bypass the decryption (pikepdf, for one, would map the file instead).
    Reading a block that fails authentication raises :class:`InvalidCiphertext`.
    """

    # Whether a full block waits in memory until more bytes follow: the stored layout of
    # crypto.StreamSpool flags its last segment, which is known only then.
    _HOLD_FULL_BLOCK = False

    def __init__(self, directory: str | None = None, rng: Rng | None = None) -> None:
        super().__init__()
        self._cipher: AESGCM | None = AESGCM(random_bytes(rng, KEY_SIZE))
        self._directory = directory
        self._disk: IO[bytes] | None = None
        self._blocks_on_disk = 0
        self._tail = bytearray()
        self._size = 0
        self._writing = True
        self._position = 0
        self._cached: tuple[int, bytes] | None = None

    # --- writing -------------------------------------------------------------------------

    def writable(self) -> bool:
        return self._writing and not self.closed

    def write(self, data: Any) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed spool")
        if not self._writing:
            raise io.UnsupportedOperation("the spool is read-only once reading began")
        view = memoryview(data).cast("B")
        written = len(view)
        while view:
            if len(self._tail) == BLOCK_SIZE:
                # More follows, so the full block in memory is not the last one.
                self._write_block(bytes(self._tail))
                self._tail.clear()
            room = BLOCK_SIZE - len(self._tail)
            self._tail += view[:room]
            view = view[room:]
        if len(self._tail) == BLOCK_SIZE and not self._HOLD_FULL_BLOCK:
            self._write_block(bytes(self._tail))
            self._tail.clear()
        self._size += written
        return written

    def _write_block(self, block: bytes, last: bool = False) -> None:
        if self._disk is None:
            # Made only when a block must leave memory: small files never touch the disk.
            self._disk = self._new_file()
        sealed = self._seal(self._blocks_on_disk, block, last)
        self._disk.seek(self._offset(self._blocks_on_disk))
        self._disk.write(sealed)
        self._blocks_on_disk += 1

    # The layout, which crypto.StreamSpool changes: where a block lies and how it is sealed.

    def _new_file(self) -> IO[bytes]:
        return tempfile.TemporaryFile(dir=self._directory)  # noqa: SIM115 (closed by the spool)

    def _offset(self, index: int) -> int:
        return index * _SEALED_BLOCK

    def _seal(self, index: int, block: bytes, last: bool) -> bytes:
        return self._key().encrypt(self._nonce(index), block, None)

    def _open(self, index: int, sealed: bytes) -> bytes:
        return self._key().decrypt(self._nonce(index), sealed, None)

    # --- reading -------------------------------------------------------------------------

    def readable(self) -> bool:
        return not self.closed

    def seekable(self) -> bool:
        return not self.closed

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._end_writing()
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._position + offset
        elif whence == io.SEEK_END:
            position = self._size + offset
        else:
            raise ValueError("invalid whence")
        if position < 0:
            raise ValueError("negative seek position")
        self._position = position
        return position

    def tell(self) -> int:
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        self._end_writing()
        available = max(self._size - self._position, 0)
        out = bytearray(available if size is None or size < 0 else min(size, available))
        self.readinto(out)
        return bytes(out)

    def readall(self) -> bytes:
        return self.read()

    def readinto(self, buffer: Any) -> int:
        """Fill `buffer`, short only at the end: parsers count on that (pikepdf takes a short
        read for the end of the stream it asked for)."""
        self._end_writing()
        target = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(target) and self._position < self._size:
            index, offset = divmod(self._position, BLOCK_SIZE)
            block = self._block(index)
            count = min(len(target) - filled, len(block) - offset)
            target[filled:filled + count] = block[offset:offset + count]
            filled += count
            self._position += count
        return filled

    def _block(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        if index == self._blocks_on_disk:
            block = bytes(self._tail)
        else:
            assert self._disk is not None  # noqa: S101 (index < blocks on disk)
            self._disk.seek(self._offset(index))
            sealed = self._disk.read(_SEALED_BLOCK)
            try:
                block = self._open(index, sealed)
            except InvalidTag:
                raise InvalidCiphertext() from None
            if len(block) != BLOCK_SIZE:
                raise InvalidCiphertext()
        self._cached = (index, block)
        return block

    def _end_writing(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed spool")
        self._writing = False

    # --- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        if not self.closed:
            # Without the key the ciphertext is noise, wherever a copy of it may have gone.
            self._cipher = None
            self._cached = None
            self._tail = bytearray()
            if self._disk is not None:
                self._disk.close()
        super().close()

    def _key(self) -> AESGCM:
        if self._cipher is None:
            raise ValueError("I/O operation on closed spool")
        return self._cipher

    @staticmethod
    def _nonce(index: int) -> bytes:
        return index.to_bytes(NONCE_SIZE, "big")

