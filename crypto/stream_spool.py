"""An upload spool written in the stored layout, so that it can become the stored file.

See `StreamSpool`. Issue 15 §6: a file stored as it came is sealed once, not spooled under one
key, then decrypted and sealed again under another.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from typing import IO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ._encoding import AES_256_GCM, KEY_SIZE, Rng, random_bytes
from .spool import _SEALED_BLOCK, BLOCK_SIZE, EphemeralSpool
from .stream import _HEADER_SIZE, _PREFIX_SIZE, STREAM_VERSION, stream_aad, stream_nonce

__all__ = ["SPOOLED_AAD", "SPOOL_PREFIX", "StreamSpool"]

# The associated data of every stream a `StreamSpool` writes: it cannot name the case or the
# item, which do not exist yet when the upload arrives; the random file key, sealed with them,
# binds the file to its row instead.
SPOOLED_AAD = b"aktsom/spooled-attachment/v1"
# The names of a `StreamSpool`'s temporary files, for a sweep after a crash.
SPOOL_PREFIX = ".spool-"


class StreamSpool(EphemeralSpool):
    """An `EphemeralSpool` written in the stored layout (`crypto.stream`) under a fresh file
    key, so that it can become the stored file itself instead of being sealed a second time.

    Blocks go to the temporary file as segments of a STREAM (`crypto.stream`) under a random
    key made here, with associated data `SPOOLED_AAD`: a segment is sealed only once the
    next byte has arrived (it is then known not to be the last), so the tail (up to one full
    segment) stays in memory, as in the parent. Reads decrypt and verify as the parent's do.

    `finish` seals the tail and `padding` zeros after it, the last segment flagged as such,
    and returns the file key; the file then holds a complete stream that
    `crypto.iter_decrypt_stream(file, key, SPOOLED_AAD)` opens. The caller must seal that key
    where only the item's readers can open it (its binding to a case and an item comes from
    there: the stream's own associated data cannot name them, they do not exist yet), and
    keep the file with `link_into` (or copy its ciphertext from `open_finished`).

    With a `directory` (which should be on the file system of the store), the temporary file
    has a name (`SPOOL_PREFIX`...) so that the finished file can be renamed into the store
    without a copy; it is removed on `close` unless it was. (Linux can name a nameless
    O_TMPFILE through /proc, but not on every kernel: this one answers EXDEV.) A crash can
    leave one behind: ciphertext under a key that died with the process, which the store's
    sweep removes.
    """

    _HOLD_FULL_BLOCK = True

    def __init__(self, directory: str | None = None, rng: Rng | None = None) -> None:
        super().__init__(directory, rng)
        self._file_key = random_bytes(rng, KEY_SIZE)
        self._cipher = AESGCM(self._file_key)
        self._header = bytes([STREAM_VERSION, AES_256_GCM]) + random_bytes(rng, _PREFIX_SIZE)
        self._aad = stream_aad(self._header, SPOOLED_AAD)
        self._finished = False
        self._path: str | None = None  # the temporary file's name while it is ours

    def _new_file(self) -> IO[bytes]:
        disk = self._named_file()
        disk.write(self._header)
        return disk

    def _named_file(self) -> IO[bytes]:
        if self._directory is None:
            return tempfile.TemporaryFile()  # noqa: SIM115 (closed by the spool)
        try:
            fd, self._path = tempfile.mkstemp(dir=self._directory, prefix=SPOOL_PREFIX)
        except OSError:
            # The directory cannot take it now (read-only, gone): spool to the system's temp
            # directory; storing will be refused, with its own clear error, or copied.
            return tempfile.TemporaryFile()  # noqa: SIM115 (closed by the spool)
        return open(fd, "w+b")  # noqa: SIM115 (closed by the spool)

    def _offset(self, index: int) -> int:
        return _HEADER_SIZE + index * _SEALED_BLOCK

    def _seal(self, index: int, block: bytes, last: bool) -> bytes:
        return self._key().encrypt(stream_nonce(self._header[2:], index, last), block,
                                   self._aad)

    def _open(self, index: int, sealed: bytes) -> bytes:
        return self._key().decrypt(stream_nonce(self._header[2:], index, False), sealed,
                                   self._aad)

    def _block(self, index: int) -> bytes:
        if self._finished:
            raise ValueError("the spool was finished")
        return super()._block(index)

    @property
    def size(self) -> int:
        """The bytes written (the file's own size, without padding)."""
        return self._size

    def finish(self, padding: int = 0) -> bytes:
        """Seal the tail, then `padding` zero bytes, the last segment flagged, and return the
        file key. The spool can no longer be read as a file afterwards; `sync` makes it
        durable."""
        if self._finished:
            raise ValueError("the spool was finished already")
        if padding < 0:
            raise ValueError("negative padding")
        self._end_writing()
        self._cached = None
        pending = bytearray(self._tail)
        self._tail = bytearray()
        left = padding
        while True:
            take = min(BLOCK_SIZE - len(pending), left)
            pending += bytes(take)
            left -= take
            if left == 0:
                self._write_block(bytes(pending), last=True)
                break
            self._write_block(bytes(pending))
            pending.clear()
        self._finished = True
        disk = self._disk
        assert disk is not None  # noqa: S101 (the last block was just written)
        disk.flush()
        return self._file_key

    def sync(self) -> None:
        """fsync the finished file (after `link_into`, so that it is synced under its name)."""
        os.fsync(self._finished_disk().fileno())

    def link_into(self, path: str) -> bool:
        """Give the finished file the name `path` (rename, no copy); False when that cannot
        be done (no directory was given, or `path` is on another file system): then copy the
        ciphertext from `open_finished`."""
        self._finished_disk()
        if self._path is None:
            return False
        try:
            os.rename(self._path, path)
        except OSError as error:
            if error.errno == errno.EXDEV:
                return False
            raise
        self._path = None  # no longer ours to remove
        return True

    def open_finished(self) -> IO[bytes]:
        """The finished file's ciphertext, from its start."""
        disk = self._finished_disk()
        disk.seek(0)
        return disk

    def _finished_disk(self) -> IO[bytes]:
        if not self._finished or self._disk is None or self.closed:
            raise ValueError("the spool is not finished")
        return self._disk

    def close(self) -> None:
        self._file_key = b""
        if self._path is not None:
            # Ciphertext under a key that is gone; removed all the same.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path)
            self._path = None
        super().close()
