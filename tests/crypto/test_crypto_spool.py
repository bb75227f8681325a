"""The ephemeral upload spool (security finding 9): ciphertext only on disk, random access."""

from __future__ import annotations

import io
import os
import random
import tempfile
from typing import IO, Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import EphemeralSpool, InvalidCiphertext
from crypto.spool import BLOCK_SIZE

MARKER = b"SPOOL-PLAINTEXT-MARKER"
SEALED = BLOCK_SIZE + 16


def marked(size: int, seed: int = 0, marker: bytes = MARKER) -> bytes:
    """`size` bytes of random data with `marker` every 4 KB, to look for on the disk."""
    rng = random.Random(seed)
    out = bytearray()
    while len(out) < size:
        out += marker + rng.randbytes(4000)
    return bytes(out[:size])


class DiskWatch:
    """Records the temporary files the spool makes, to look at what reaches the disk."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files: list[IO[bytes]] = []
        real = tempfile.TemporaryFile

        def recording(*args: Any, **kwargs: Any) -> IO[bytes]:
            handle: IO[bytes] = real(*args, **kwargs)
            self.files.append(handle)
            return handle

        monkeypatch.setattr(tempfile, "TemporaryFile", recording)

    def contents(self) -> bytes:
        return b"".join(os.pread(handle.fileno(), 1 << 30, 0) for handle in self.files)


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> DiskWatch:
    return DiskWatch(monkeypatch)


def filled(content: bytes, piece: int = 8192, rng: Any = None) -> EphemeralSpool:
    spool = EphemeralSpool(rng=rng)
    for start in range(0, len(content), piece):
        spool.write(content[start:start + piece])
    spool.seek(0)
    return spool


@pytest.mark.parametrize("size", [0, 1, BLOCK_SIZE - 1, BLOCK_SIZE, BLOCK_SIZE + 1,
                                  3 * BLOCK_SIZE + 7, 600 * 1024])
def test_round_trip_and_only_ciphertext_on_disk(size: int, disk: DiskWatch) -> None:
    content = marked(size, size)
    spool = filled(content)
    assert spool.read() == content
    assert spool.seek(0, io.SEEK_END) == size
    assert MARKER not in disk.contents()
    # Whole blocks go to disk sealed; the tail never leaves memory.
    assert len(disk.contents()) == (size // BLOCK_SIZE) * SEALED
    spool.close()


def test_a_file_of_one_block_or_less_never_touches_the_disk(disk: DiskWatch) -> None:
    spool = filled(marked(BLOCK_SIZE - 1))
    assert spool.read(10) == marked(BLOCK_SIZE - 1)[:10]
    assert disk.files == []


@settings(deadline=None, max_examples=40, database=None)
@given(size=st.integers(0, 3 * BLOCK_SIZE), piece=st.integers(1000, 3 * BLOCK_SIZE),
       reads=st.lists(st.tuples(st.integers(0, 3 * BLOCK_SIZE + 10), st.integers(-1, 90000)),
                      max_size=8))
def test_random_access_reads_match_the_plaintext(size: int, piece: int,
                                                 reads: list[tuple[int, int]]) -> None:
    """Image and PDF parsers jump around the file: every seek and read must agree."""
    content = marked(size, piece)
    with filled(content, piece) as spool:
        for offset, count in reads:
            spool.seek(offset)
            expected = content[offset:] if count < 0 else content[offset:offset + count]
            assert spool.read(count) == expected
            assert spool.tell() == offset + len(expected)


def test_a_read_across_blocks_is_never_short_before_the_end() -> None:
    """pikepdf takes a short readinto for the end of what it asked for."""
    content = marked(5 * BLOCK_SIZE + 3)
    spool = filled(content)
    spool.seek(100)
    buffer = bytearray(3 * BLOCK_SIZE)
    assert spool.readinto(buffer) == len(buffer)
    assert bytes(buffer) == content[100:100 + len(buffer)]
    spool.seek(len(content) - 10)
    assert spool.readinto(buffer) == 10
    spool.close()


def test_known_answer_block_layout(disk: DiskWatch) -> None:
    """Block i is AES-256-GCM under the spool's key with nonce = i, at i * (64 KiB + 16)."""
    key = bytes(range(32))
    content = marked(2 * BLOCK_SIZE + 5)
    spool = filled(content, rng=lambda n: key[:n])
    cipher = AESGCM(key)
    expected = b"".join(cipher.encrypt(i.to_bytes(12, "big"),
                                       content[i * BLOCK_SIZE:(i + 1) * BLOCK_SIZE], None)
                        for i in range(2))
    assert disk.contents() == expected
    spool.close()


@pytest.mark.parametrize("damage", ["flip", "swap", "cut"])
def test_an_altered_temporary_file_does_not_open(damage: str, disk: DiskWatch) -> None:
    content = marked(3 * BLOCK_SIZE + 100)
    spool = filled(content)
    handle = disk.files[0]
    stored = bytearray(os.pread(handle.fileno(), 1 << 30, 0))
    if damage == "flip":
        stored[SEALED + 5] ^= 1
    elif damage == "swap":
        stored[:SEALED], stored[SEALED:2 * SEALED] = (stored[SEALED:2 * SEALED],
                                                      stored[:SEALED])
    else:
        del stored[2 * SEALED:]
    os.ftruncate(handle.fileno(), 0)
    os.pwrite(handle.fileno(), bytes(stored), 0)
    with pytest.raises(InvalidCiphertext):
        spool.read()
    spool.close()


def test_writing_ends_with_the_first_read_and_closing_forgets_the_key() -> None:
    spool = filled(b"abc")
    assert not spool.writable()
    with pytest.raises(io.UnsupportedOperation):
        spool.write(b"more")
    with pytest.raises(OSError, match="fileno"):
        spool.fileno()  # no reader may bypass the decryption by mapping the file
    spool.close()
    with pytest.raises(ValueError, match="closed"):
        spool.read()
