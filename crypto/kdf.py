"""Argon2id key derivation with parameters that travel with every record.

Each blob that depends on a password or a case code stores the exact
:class:`Argon2Params` it was made with, so the costs can be raised later and
old records still open with the costs they were sealed under.

Two implementations of the same function (RFC 9106 Argon2id v1.3) sit behind
:func:`derive_key`: libsodium's (PyNaCl), which computes one lane at about half
the CPU time of argon2-cffi's portable build on the CPUs we measured (issue 15
§2, ``benchmarks/crypto_bench.py``), and argon2-cffi's, which also handles
what libsodium does not: several lanes (``parallelism`` > 1, the default of
records sealed before issue 15), salts other than 16 bytes and outputs shorter
than 16 bytes. Both give the same bytes for the same inputs (a known-answer
test checks it), so which one runs changes nothing a record depends on.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw
from nacl.bindings import (
    crypto_pwhash_alg,
    crypto_pwhash_ALG_ARGON2ID13,
    crypto_pwhash_argon2id_MEMLIMIT_MIN,
    crypto_pwhash_argon2id_OPSLIMIT_MIN,
    crypto_pwhash_BYTES_MIN,
    crypto_pwhash_SALTBYTES,
)

from ._encoding import Rng, random_bytes

__all__ = [
    "PARAMS_SIZE",
    "PRODUCTION_ARGON2",
    "SALT_SIZE",
    "TEST_ARGON2",
    "Argon2Params",
    "derive_key",
    "libsodium_applies",
    "new_salt",
]

SALT_SIZE = 16
_FORMAT = ">BIIB"  # version, time cost, memory KiB, parallelism
PARAMS_SIZE = struct.calcsize(_FORMAT)

# Upper bounds applied when reading parameters back from a blob: a database
# writer must not be able to make a login allocate 100 GiB or spin for hours.
_MAX_TIME_COST = 64
_MAX_MEMORY_KIB = 1024 * 1024  # 1 GiB
_MAX_PARALLELISM = 64


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id costs. ``version`` 1 means Argon2id v1.3 with this byte layout."""

    time_cost: int
    memory_cost_kib: int
    parallelism: int
    version: int = 1

    def __post_init__(self) -> None:
        if self.version != 1:
            raise ValueError("unknown Argon2 parameter version")
        if not 1 <= self.parallelism <= _MAX_PARALLELISM:
            raise ValueError("parallelism out of range")
        if not 1 <= self.time_cost <= _MAX_TIME_COST:
            raise ValueError("time_cost out of range")
        # Argon2 itself needs at least 8 KiB per lane.
        if not 8 * self.parallelism <= self.memory_cost_kib <= _MAX_MEMORY_KIB:
            raise ValueError("memory_cost_kib out of range")

    def to_bytes(self) -> bytes:
        """Serialise to the fixed 10-byte form stored inside blobs."""
        return struct.pack(
            _FORMAT, self.version, self.time_cost, self.memory_cost_kib, self.parallelism
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Argon2Params:
        """Parse :meth:`to_bytes` output; raises ``ValueError`` if malformed or out of range."""
        if len(data) != PARAMS_SIZE:
            raise ValueError("Argon2 parameters must be 10 bytes")
        version, time_cost, memory, parallelism = struct.unpack(_FORMAT, data)
        return cls(time_cost, memory, parallelism, version)


#: RFC 9106 §4 second recommendation: t=3, m=64 MiB. One lane (p=1): the memory and passes,
#: which set an attacker's cost per guess, are those of p=4, and libsodium derives it at about
#: half the CPU of argon2-cffi; a server under load is bound by CPU, not by one request's wall
#: time (issue 15 §2). Records made at p=4 keep their parameters and still open.
PRODUCTION_ARGON2 = Argon2Params(time_cost=3, memory_cost_kib=65536, parallelism=1)
#: The cheapest setting Argon2 accepts; for tests only, never for real data.
TEST_ARGON2 = Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1)


def derive_key(secret: bytes, salt: bytes, params: Argon2Params, length: int = 32) -> bytes:
    """Derive ``length`` bytes from a low-entropy secret with Argon2id (libsodium's where it
    applies, argon2-cffi's otherwise: the same bytes either way)."""
    if len(salt) < 8:
        raise ValueError("salt must be at least 8 bytes")
    if libsodium_applies(salt, params, length):
        return _derive_libsodium(secret, salt, params, length)
    return _derive_argon2_cffi(secret, salt, params, length)


def libsodium_applies(salt: bytes, params: Argon2Params, length: int) -> bool:
    """True if libsodium's Argon2id computes this derivation: one lane, a 16-byte salt and at
    least 16 bytes of output (what its API takes)."""
    return (params.parallelism == 1 and len(salt) == crypto_pwhash_SALTBYTES
            and length >= crypto_pwhash_BYTES_MIN
            and params.time_cost >= crypto_pwhash_argon2id_OPSLIMIT_MIN
            and params.memory_cost_kib * 1024 >= crypto_pwhash_argon2id_MEMLIMIT_MIN)


def _derive_libsodium(secret: bytes, salt: bytes, params: Argon2Params, length: int) -> bytes:
    # libsodium takes the memory in bytes and uses it in whole KiB: exact for our KiB costs.
    return crypto_pwhash_alg(length, bytes(secret), bytes(salt), params.time_cost,
                             params.memory_cost_kib * 1024, crypto_pwhash_ALG_ARGON2ID13)


def _derive_argon2_cffi(secret: bytes, salt: bytes, params: Argon2Params,
                        length: int) -> bytes:
    return hash_secret_raw(
        secret=bytes(secret),
        salt=bytes(salt),
        time_cost=params.time_cost,
        memory_cost=params.memory_cost_kib,
        parallelism=params.parallelism,
        hash_len=length,
        type=Type.ID,
        version=ARGON2_VERSION,
    )


def new_salt(rng: Rng | None = None) -> bytes:
    """Return a fresh 16-byte salt (one per case, one per password seal)."""
    return random_bytes(rng, SALT_SIZE)
