"""The upload spool in the stored layout (issue 15 §6): a file stored as it came is sealed once.

`crypto.StreamSpool` writes the upload as a STREAM (crypto.stream) under a fresh key, so the
spool file itself becomes the stored file: the 256 MiB upload of the bench was spooled under
one key, decrypted and sealed again under another (0.20x of a bare AES-GCM loop).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto import (
    SPOOL_PREFIX,
    SPOOLED_AAD,
    InvalidCiphertext,
    StreamSpool,
    decrypt_stream,
    iter_decrypt_stream,
)
from crypto.spool import BLOCK_SIZE
from tests.crypto import test_crypto_spool as spool_tests

MARKER = b"STREAM-SPOOL-PLAINTEXT-MARKER"
HEADER = 9
SEALED = BLOCK_SIZE + 16


def marked(size: int, seed: int = 0) -> bytes:
    return spool_tests.marked(size, seed, MARKER)


def spooled(directory: Path, data: bytes, piece: int = 7000) -> StreamSpool:
    spool = StreamSpool(str(directory))
    for start in range(0, len(data), piece):
        spool.write(data[start:start + piece])
    return spool


def spool_files(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"{SPOOL_PREFIX}*"))


@pytest.mark.parametrize(("size", "padding"), [
    (0, 0), (0, BLOCK_SIZE), (1, 0), (BLOCK_SIZE, 0), (BLOCK_SIZE, BLOCK_SIZE),
    (BLOCK_SIZE + 1, BLOCK_SIZE - 1), (3 * BLOCK_SIZE, 0), (200_000, 62_144),
])
def test_the_finished_spool_is_a_stream_of_the_bytes_and_the_padding(
        tmp_path: Path, size: int, padding: int) -> None:
    data = marked(size)
    spool = spooled(tmp_path, data)
    spool.seek(0)
    assert spool.read() == data  # readable as a file before it is finished (cleaning)
    key = spool.finish(padding)
    assert spool.size == size
    with spool.open_finished() as finished:
        assert b"".join(iter_decrypt_stream(finished, key, SPOOLED_AAD)) == data + bytes(padding)
    spool.close()


def test_only_ciphertext_reaches_the_disk_and_the_tail_stays_in_memory(tmp_path: Path) -> None:
    data = marked(5 * BLOCK_SIZE + 123)
    spool = spooled(tmp_path, data)
    [path] = spool_files(tmp_path)
    on_disk = path.read_bytes()
    assert MARKER not in on_disk
    # Sealed only once the next byte arrived: four full segments, the fifth and the tail
    # (not yet known to be or not to be the last) in memory.
    assert len(on_disk) == HEADER + 5 * SEALED
    spool.finish(0)
    assert MARKER not in path.read_bytes()
    spool.close()


def test_renamed_into_place_it_opens_with_its_key_only(tmp_path: Path) -> None:
    data = marked(2 * BLOCK_SIZE + 5)
    spool = spooled(tmp_path, data)
    key = spool.finish(0)
    target = tmp_path / "stored.bin"
    assert spool.link_into(str(target))
    spool.sync()
    spool.close()
    assert spool_files(tmp_path) == []  # the spool file is the stored file now
    with target.open("rb") as stored:
        assert b"".join(iter_decrypt_stream(stored, key, SPOOLED_AAD)) == data
    with target.open("rb") as stored, pytest.raises(InvalidCiphertext):
        decrypt_stream(stored, io.BytesIO(), AESGCM.generate_key(256), SPOOLED_AAD)
    with target.open("rb") as stored, pytest.raises(InvalidCiphertext):
        decrypt_stream(stored, io.BytesIO(), key, b"another context")


def test_a_truncated_finished_file_does_not_open(tmp_path: Path) -> None:
    spool = spooled(tmp_path, marked(3 * BLOCK_SIZE + 9))
    key = spool.finish(0)
    target = tmp_path / "stored.bin"
    assert spool.link_into(str(target))
    spool.close()
    whole = target.read_bytes()
    target.write_bytes(whole[:HEADER + 2 * SEALED])  # cut at a segment boundary
    with target.open("rb") as stored, pytest.raises(InvalidCiphertext):
        list(iter_decrypt_stream(stored, key, SPOOLED_AAD))


def test_a_block_altered_on_disk_fails_to_read_back(tmp_path: Path) -> None:
    spool = spooled(tmp_path, marked(3 * BLOCK_SIZE))
    [path] = spool_files(tmp_path)
    with path.open("r+b") as raw:
        raw.seek(HEADER + SEALED + 100)
        byte = raw.read(1)
        raw.seek(HEADER + SEALED + 100)
        raw.write(bytes([byte[0] ^ 1]))
    spool.seek(0)
    spool.read(BLOCK_SIZE)  # the first block is intact
    with pytest.raises(InvalidCiphertext):
        spool.read(BLOCK_SIZE)
    spool.close()


def test_closing_an_unfinished_spool_removes_its_file(tmp_path: Path) -> None:
    spool = spooled(tmp_path, marked(4 * BLOCK_SIZE))
    assert len(spool_files(tmp_path)) == 1
    spool.close()
    assert spool_files(tmp_path) == []


def test_finishing_twice_or_reading_after_finishing_is_refused(tmp_path: Path) -> None:
    spool = spooled(tmp_path, marked(BLOCK_SIZE + 1))
    spool.finish(0)
    with pytest.raises(ValueError, match="finished"):
        spool.finish(0)
    spool.seek(0)
    with pytest.raises(ValueError, match="finished"):
        spool.read(10)
    spool.close()
