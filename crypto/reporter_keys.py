"""The reporter's key pair of a case, re-created from the case code alone.

When a handler is left out of a case, the case key is replaced (design §3), and the reporter
must receive the new one although nobody but the reporter knows the code. So at submission a
hybrid key pair is derived from the code; its public half is kept with the case and new case
keys are wrapped to it like to any recipient (:func:`crypto.wrap_case_key`). On a return visit
the code re-creates the private half, with the one Argon2id derivation a visit has always
cost.

Record layout (``REPORTER_KEY_VERSION``), 1244 bytes::

    version (1) | suite id (1) | Argon2 params (10) | salt (16) | public key (1216)

private key (96) = HKDF-SHA256(IKM = Argon2id(normalised code, salt, params), salt = none,
info = record bytes 0-27 | LP("aktsom/reporter-key-pair/v1", case id), L = 96), read as a
:class:`UserKeyPair` (ML-KEM-768 seed, then X25519 private key). The case id in ``info`` keeps
two cases with one code (never made, but cheap to rule out) from sharing a key pair.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from ._encoding import Reader, Rng, length_prefixed, random_bytes, text
from ._secret_seal import derive_from_secret
from .casecode import normalise_case_code
from .envelopes import HPKE_MLKEM768_X25519_SHA256_AES256GCM
from .errors import InvalidCiphertext
from .kdf import PARAMS_SIZE, SALT_SIZE, Argon2Params
from .keys import PRIVATE_KEY_SIZE, PUBLIC_KEY_SIZE, UserKeyPair

__all__ = [
    "REPORTER_KEY_SIZE",
    "REPORTER_KEY_VERSION",
    "make_reporter_key",
    "open_reporter_key",
    "reporter_public_key",
]

REPORTER_KEY_VERSION = 0x01
_HEADER_SIZE = 2 + PARAMS_SIZE + SALT_SIZE
REPORTER_KEY_SIZE = _HEADER_SIZE + PUBLIC_KEY_SIZE
_LABEL = b"aktsom/reporter-key-pair/v1"


@dataclass(frozen=True)
class _Record:
    header: bytes
    params: Argon2Params
    salt: bytes
    public_key: bytes


def _parse(record: bytes) -> _Record:
    reader = Reader(record)
    if reader.byte() != REPORTER_KEY_VERSION:
        raise InvalidCiphertext()
    if reader.byte() != HPKE_MLKEM768_X25519_SHA256_AES256GCM:
        raise InvalidCiphertext()
    try:
        params = Argon2Params.from_bytes(reader.take(PARAMS_SIZE))
    except ValueError:
        raise InvalidCiphertext() from None
    salt = reader.take(SALT_SIZE)
    header = reader.consumed()
    public_key = reader.rest()
    if len(public_key) != PUBLIC_KEY_SIZE:
        raise InvalidCiphertext()
    return _Record(header, params, salt, public_key)


def _derive(code: str, header: bytes, salt: bytes, params: Argon2Params,
            case_id: str) -> UserKeyPair:
    secret = normalise_case_code(code).encode("ascii")
    private = derive_from_secret(secret, salt, params,
                                 info=header + length_prefixed(_LABEL, text(case_id)),
                                 length=PRIVATE_KEY_SIZE)
    return UserKeyPair.from_private_bytes(private)


def make_reporter_key(code: str, params: Argon2Params, *, case_id: str,
                      rng: Rng | None = None) -> tuple[bytes, UserKeyPair]:
    """Derive the reporter's key pair of a new case from its code, with a fresh salt.

    Returns the record to store with the case (costs, salt, public key) and the pair, so the
    caller can wrap the first case key without a second derivation. A malformed code raises
    :class:`~crypto.errors.InvalidCaseCode` before any work is done.
    """
    normalise_case_code(code)
    salt = random_bytes(rng, SALT_SIZE)
    header = bytes([REPORTER_KEY_VERSION, HPKE_MLKEM768_X25519_SHA256_AES256GCM])
    header += params.to_bytes() + salt
    pair = _derive(code, header, salt, params, case_id)
    return header + pair.public_bytes, pair


def open_reporter_key(record: bytes, code: str, *, case_id: str) -> UserKeyPair:
    """Re-create the reporter's key pair from the code: one Argon2id derivation.

    The costs and the salt are read from the record, so raising the costs later does not lock
    out earlier reporters. A malformed code raises :class:`~crypto.errors.InvalidCaseCode`
    before any work; a wrong code, a damaged record or another case's record raises
    :class:`InvalidCiphertext` (the derived public key does not match the stored one).
    """
    normalise_case_code(code)
    parsed = _parse(record)
    pair = _derive(code, parsed.header, parsed.salt, parsed.params, case_id)
    if not hmac.compare_digest(pair.public_bytes, parsed.public_key):
        raise InvalidCiphertext()
    return pair


def reporter_public_key(record: bytes) -> bytes:
    """The public key of a record, for wrapping a new case key to the reporter.

    Raises :class:`InvalidCiphertext` for a malformed record. Whether the key is the one made
    at submission is the caller's to check (the portal certifies it, as it does staff keys).
    """
    return _parse(record).public_key
