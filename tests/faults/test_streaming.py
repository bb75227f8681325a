"""Issue 15 §6: a large file is streamed, never held whole in memory on its way in.

`loadtest/large_file.py` measures the server's peak memory with a 1 GiB file; this checks the
cause it found: the metadata step read every upload whole to look at its first bytes (a
256 MiB archive made the worker's peak RSS 642 MiB).
"""

from __future__ import annotations

import io
from typing import Any

from portal.metadata import strip_metadata


class CountingStream(io.BytesIO):
    """A file that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_a_file_of_another_type_is_sniffed_not_read_whole() -> None:
    archive = CountingStream(b"PK\x03\x04" + bytes(8 * 1024 * 1024))
    result = strip_metadata(archive, "application/zip")
    assert result.handled is False
    assert archive.bytes_read <= 64
    assert archive.tell() == 0  # left at the start for sealing


def test_heic_is_still_refused_from_its_first_bytes() -> None:
    heic = CountingStream(b"\x00\x00\x00\x18ftypheic" + bytes(1024 * 1024))
    result: Any = strip_metadata(heic, "image/heic")
    assert result.refused is not None
    assert heic.bytes_read <= 64
