"""Fixtures for the crypto tests: fixed randomness, stored vectors, shared key pairs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import crypto

VECTORS = Path(__file__).parent / "vectors"


class Tape:
    """An rng that replays fixed byte strings in order and checks each length."""

    def __init__(self, *chunks: bytes) -> None:
        self._chunks = list(chunks)

    def __call__(self, n: int) -> bytes:
        chunk = self._chunks.pop(0)
        assert len(chunk) == n, (len(chunk), n)
        return chunk

    def exhausted(self) -> bool:
        return not self._chunks


@pytest.fixture
def tape() -> type[Tape]:
    """Factory for a deterministic rng: ``tape(salt, nonce)``."""
    return Tape


@pytest.fixture(scope="session")
def load_vectors() -> Callable[[str], Any]:
    """Read one JSON file of known-answer vectors."""

    def load(name: str) -> Any:
        return json.loads((VECTORS / name).read_text(encoding="utf-8"))

    return load


@pytest.fixture(scope="session")
def keypair() -> crypto.UserKeyPair:
    """A handler key pair, shared across tests (key generation is the slow part)."""
    return crypto.UserKeyPair.generate()


@pytest.fixture(scope="session")
def other_keypair() -> crypto.UserKeyPair:
    """A second, unrelated key pair."""
    return crypto.UserKeyPair.generate()


@pytest.fixture
def case_key() -> bytes:
    """A fresh case key."""
    return crypto.new_case_key()


def flip(blob: bytes, position: int, mask: int = 0x01) -> bytes:
    """Return ``blob`` with the bits of ``mask`` flipped at ``position``."""
    changed = bytearray(blob)
    changed[position] ^= mask
    return bytes(changed)


@pytest.fixture(scope="session")
def flip_byte() -> Callable[[bytes, int, int], bytes]:
    """The :func:`flip` helper as a fixture, so tests need no sys.path tricks."""
    return flip
