"""Streaming encryption of attachments (STREAM construction)."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import SEGMENT_SIZE, InvalidCiphertext, decrypt_stream, encrypt_stream, new_case_key

HEADER = 9
SEALED = SEGMENT_SIZE + 16
BOUNDARIES = [0, 1, 65535, 65536, 65537, 131071, 131072, 131073]


def data(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


def encrypt(plaintext: bytes, key: bytes, aad: bytes = b"") -> bytes:
    dst = io.BytesIO()
    assert encrypt_stream(io.BytesIO(plaintext), dst, key, aad) == len(plaintext)
    return dst.getvalue()


def decrypt(ciphertext: bytes, key: bytes, aad: bytes = b"") -> bytes:
    dst = io.BytesIO()
    written = decrypt_stream(io.BytesIO(ciphertext), dst, key, aad)
    assert written == len(dst.getvalue())
    return dst.getvalue()


def segments(ciphertext: bytes) -> tuple[bytes, list[bytes]]:
    body = ciphertext[HEADER:]
    return ciphertext[:HEADER], [body[i : i + SEALED] for i in range(0, len(body), SEALED)]


def expected_size(size: int) -> int:
    count = max(1, -(-size // SEGMENT_SIZE))
    return HEADER + size + 16 * count


@pytest.mark.parametrize("size", BOUNDARIES)
def test_round_trip_at_segment_boundaries(size: int) -> None:
    key = new_case_key()
    plaintext = data(size, size)
    ciphertext = encrypt(plaintext, key, b"attachment-1")
    assert len(ciphertext) == expected_size(size)
    assert decrypt(ciphertext, key, b"attachment-1") == plaintext


@settings(deadline=None, max_examples=100, database=None)
@given(
    size=st.one_of(st.sampled_from(BOUNDARIES), st.integers(0, 3 * SEGMENT_SIZE + 100)),
    seed=st.integers(0, 2**32),
    aad=st.binary(max_size=32),
)
def test_round_trip_property(size: int, seed: int, aad: bytes) -> None:
    key = new_case_key()
    plaintext = data(size, seed)
    assert decrypt(encrypt(plaintext, key, aad), key, aad) == plaintext


@settings(deadline=None, max_examples=100, database=None)
@given(
    size=st.sampled_from([1, 1000, 65536, 65537, 131073]),
    where=st.floats(0, 1, exclude_max=True),
    bit=st.integers(0, 7),
)
def test_any_flipped_bit_is_detected(size: int, where: float, bit: int) -> None:
    key = new_case_key()
    ciphertext = bytearray(encrypt(data(size), key))
    ciphertext[int(where * len(ciphertext))] ^= 1 << bit
    with pytest.raises(InvalidCiphertext):
        decrypt(bytes(ciphertext), key)


def test_header_fields_are_authenticated(flip_byte: Callable[[bytes, int, int], bytes]) -> None:
    key = new_case_key()
    ciphertext = encrypt(data(100), key)
    for position in range(HEADER):  # version, algorithm id, nonce prefix
        with pytest.raises(InvalidCiphertext):
            decrypt(flip_byte(ciphertext, position, 0x01), key)


def test_wrong_key_or_aad_fails() -> None:
    key = new_case_key()
    ciphertext = encrypt(data(70000), key, b"a")
    with pytest.raises(InvalidCiphertext):
        decrypt(ciphertext, new_case_key(), b"a")
    with pytest.raises(InvalidCiphertext):
        decrypt(ciphertext, key, b"b")


def test_empty_input_is_one_empty_last_segment() -> None:
    key = new_case_key()
    ciphertext = encrypt(b"", key)
    assert len(ciphertext) == HEADER + 16
    assert decrypt(ciphertext, key) == b""
    with pytest.raises(InvalidCiphertext):
        decrypt(ciphertext[:HEADER], key)


@pytest.mark.parametrize("size", [65536, 131072, 131073, 200000])
def test_truncation_is_detected(size: int) -> None:
    key = new_case_key()
    ciphertext = encrypt(data(size), key)
    header, parts = segments(ciphertext)
    cuts = [
        header + b"".join(parts[:-1]),  # drop the last segment
        ciphertext[: HEADER + SEALED // 2],  # cut mid-segment
        ciphertext[:-1],
        ciphertext[:-16],
        ciphertext[:HEADER],
        ciphertext[: HEADER - 1],
        b"",
    ]
    for cut in cuts:
        with pytest.raises(InvalidCiphertext):
            decrypt(cut, key)


def test_dropping_the_last_segment_does_not_verify_as_shorter_file() -> None:
    # 2 full segments: without the last flag, dropping one would look like 1 full segment.
    key = new_case_key()
    header, parts = segments(encrypt(data(2 * SEGMENT_SIZE), key))
    assert len(parts) == 2
    with pytest.raises(InvalidCiphertext):
        decrypt(header + parts[0], key)


def test_extension_reordering_and_duplication_are_detected() -> None:
    key = new_case_key()
    header, parts = segments(encrypt(data(3 * SEGMENT_SIZE + 10), key))
    assert len(parts) == 4
    _, other_parts = segments(encrypt(data(SEGMENT_SIZE + 10, 1), key))
    attacks = {
        "append a segment": header + b"".join(parts) + other_parts[0],
        "append the last segment again": header + b"".join(parts) + parts[-1],
        "swap two segments": header + parts[1] + parts[0] + parts[2] + parts[3],
        "duplicate a segment": header + parts[0] + parts[0] + parts[1] + parts[2] + parts[3],
        "drop a middle segment": header + parts[0] + parts[2] + parts[3],
        "splice another stream": header + parts[0] + other_parts[1],
        "trailing byte": header + b"".join(parts) + b"\x00",
    }
    for name, forged in attacks.items():
        with pytest.raises(InvalidCiphertext):
            decrypt(forged, key)
        assert name


def test_nothing_of_a_bad_segment_is_written() -> None:
    key = new_case_key()
    plaintext = data(2 * SEGMENT_SIZE + 5)
    ciphertext = bytearray(encrypt(plaintext, key))
    ciphertext[HEADER + SEALED + 10] ^= 1  # damage segment 2 of 3
    dst = io.BytesIO()
    with pytest.raises(InvalidCiphertext):
        decrypt_stream(io.BytesIO(bytes(ciphertext)), dst, key)
    # Only the verified first segment was written; the caller discards it on error.
    assert dst.getvalue() == plaintext[:SEGMENT_SIZE]


class Trickle(io.RawIOBase):
    """A raw stream that returns at most 1000 bytes per read, like a pipe."""

    def __init__(self, payload: bytes) -> None:
        self._buffer = io.BytesIO(payload)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._buffer.read(min(len(buffer), 1000))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_short_reads_are_handled() -> None:
    key = new_case_key()
    plaintext = data(SEGMENT_SIZE * 2 + 7)
    dst = io.BytesIO()
    encrypt_stream(Trickle(plaintext), dst, key)  # type: ignore[arg-type]
    out = io.BytesIO()
    decrypt_stream(Trickle(dst.getvalue()), out, key)  # type: ignore[arg-type]
    assert out.getvalue() == plaintext


def test_files_on_disk(tmp_path: Path) -> None:
    key = new_case_key()
    plaintext = data(150000)
    source = tmp_path / "plain"
    source.write_bytes(plaintext)
    with source.open("rb") as src, (tmp_path / "sealed").open("wb") as dst:
        assert encrypt_stream(src, dst, key) == 150000
    with (tmp_path / "sealed").open("rb") as src, (tmp_path / "out").open("wb") as dst:
        assert decrypt_stream(src, dst, key) == 150000
    assert (tmp_path / "out").read_bytes() == plaintext


def test_bad_key_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        encrypt_stream(io.BytesIO(b""), io.BytesIO(), b"short")
    with pytest.raises(ValueError, match="32 bytes"):
        decrypt_stream(io.BytesIO(b""), io.BytesIO(), b"short")
