"""Envelopes: the case key wrapped for each reader of a case.

Recipient envelope layout (``ENVELOPE_VERSION``)::

    version (1) | suite id (1) | HPKE ciphertext: enc (1120) | sealed key (32 + 16)

HPKE base mode (RFC 9180), suite ML-KEM-768+X25519 / HKDF-SHA256 /
AES-256-GCM; ``info`` binds the header, case id and recipient id, so an
envelope copied to another case or recipient row fails to open.

Reporter envelope layout (``REPORTER_VERSION``)::

    version (1) | algorithm id (1) | Argon2 params (10) | salt (16) | nonce (12)
    | ciphertext + tag (32 + 16)

The wrap key is ``Argon2id(normalised case code, salt, params)``; the header
and the case id are the associated data.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke

from ._encoding import (
    KEY_SIZE,
    NONCE_SIZE,
    Reader,
    Rng,
    length_prefixed,
    random_bytes,
    require_key,
    text,
)
from ._secret_seal import open_under_secret, seal_under_secret
from .casecode import normalise_case_code
from .errors import InvalidCiphertext
from .kdf import SALT_SIZE, Argon2Params
from .keys import hpke_private_key, hpke_public_key

__all__ = [
    "ENVELOPE_VERSION",
    "HPKE_MLKEM768_X25519_SHA256_AES256GCM",
    "REPORTER_VERSION",
    "open_case_key_for_reporter",
    "seal_case_key_for_reporter",
    "unwrap_case_key",
    "wrap_case_key",
]

ENVELOPE_VERSION = 0x01
REPORTER_VERSION = 0x01
HPKE_MLKEM768_X25519_SHA256_AES256GCM = 0x01
_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_ENVELOPE_LABEL = b"aktsom/case-key-envelope/v1"
_REPORTER_LABEL = b"aktsom/reporter-envelope/v1"


def _envelope_info(header: bytes, case_id: str, recipient_id: str) -> bytes:
    return header + length_prefixed(_ENVELOPE_LABEL, text(case_id), text(recipient_id))


def wrap_case_key(
    case_key: bytes, recipient_public: bytes, *, case_id: str, recipient_id: str
) -> bytes:
    """Wrap a 32-byte case key to one recipient's public key.

    The caller must have checked the key's certification
    (:func:`crypto.keys.verify_certification`) before calling this.
    HPKE draws its own randomness, so envelopes are not reproducible.
    """
    require_key(case_key, "case_key")
    public = hpke_public_key(recipient_public)
    header = bytes([ENVELOPE_VERSION, HPKE_MLKEM768_X25519_SHA256_AES256GCM])
    info = _envelope_info(header, case_id, recipient_id)
    return header + _SUITE.encrypt(bytes(case_key), public, info=info)


def unwrap_case_key(
    blob: bytes, recipient_private: bytes, *, case_id: str, recipient_id: str
) -> bytes:
    """Open a recipient envelope with the 96-byte private key; raises :class:`InvalidCiphertext`."""
    reader = Reader(blob)
    if reader.byte() != ENVELOPE_VERSION:
        raise InvalidCiphertext()
    if reader.byte() != HPKE_MLKEM768_X25519_SHA256_AES256GCM:
        raise InvalidCiphertext()
    info = _envelope_info(reader.consumed(), case_id, recipient_id)
    private = hpke_private_key(recipient_private)
    try:
        case_key = _SUITE.decrypt(reader.rest(), private, info=info)
    except (InvalidTag, ValueError):
        raise InvalidCiphertext() from None
    if len(case_key) != KEY_SIZE:
        raise InvalidCiphertext()
    return case_key


def seal_case_key_for_reporter(
    case_key: bytes,
    code: str,
    salt: bytes,
    params: Argon2Params,
    *,
    case_id: str,
    rng: Rng | None = None,
) -> bytes:
    """Seal the case key under ``Argon2id(code, salt)`` for the reporter's return visits.

    ``salt`` is the case's 16-byte salt; it and ``params`` are stored in the
    blob. Raises :class:`~crypto.errors.InvalidCaseCode` for a malformed code.
    """
    require_key(case_key, "case_key")
    if len(salt) != SALT_SIZE:
        raise ValueError(f"salt must be {SALT_SIZE} bytes")
    return seal_under_secret(
        normalise_case_code(code).encode("ascii"), case_key, version=REPORTER_VERSION,
        aad_suffix=length_prefixed(_REPORTER_LABEL, text(case_id)), params=params, salt=salt,
        nonce=random_bytes(rng, NONCE_SIZE),
    )


def open_case_key_for_reporter(blob: bytes, code: str, *, case_id: str) -> bytes:
    """Open the reporter's envelope; a wrong code raises :class:`InvalidCiphertext`.

    Salt and Argon2 parameters are read from the blob. A malformed code
    raises :class:`~crypto.errors.InvalidCaseCode` before any work is done.
    """
    secret = normalise_case_code(code).encode("ascii")
    return open_under_secret(blob, secret, version=REPORTER_VERSION,
                             aad_suffix=length_prefixed(_REPORTER_LABEL, text(case_id)),
                             size=KEY_SIZE)
