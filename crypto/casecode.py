"""Case codes: the reporter's only credential.

100 bits from the CSPRNG (SecureDrop's seven words give about 90, GlobaLeaks'
16 digits about 53), written as 20 Crockford base32 symbols in four groups of
five. The code is never stored: the server keeps an HMAC of it for look-up
and an Argon2id-wrapped case key (see :mod:`crypto.envelopes`).
"""

from __future__ import annotations

import secrets

from cryptography.hazmat.primitives import hashes, hmac

from ._encoding import Rng, crockford_clean, crockford_encode, random_bytes
from .errors import InvalidCaseCode

__all__ = [
    "CASE_CODE_BITS",
    "CASE_CODE_LENGTH",
    "case_lookup_id",
    "format_case_code",
    "generate_case_code",
    "normalise_case_code",
]

CASE_CODE_BITS = 100
CASE_CODE_LENGTH = 20  # 100 bits / 5 bits per symbol
_GROUP = 5
# Nobody types a code this long; refusing early keeps the work per request bounded.
_MAX_INPUT = 200


def generate_case_code(rng: Rng | None = None) -> str:
    """Return a fresh formatted code such as ``K7QM2-XPD9R-TFH4B-N8WJC``."""
    raw = random_bytes(rng or secrets.token_bytes, 13)  # 104 bits, keep the top 100
    value = int.from_bytes(raw, "big") >> (8 * 13 - CASE_CODE_BITS)
    return format_case_code(crockford_encode(value, CASE_CODE_LENGTH))


def normalise_case_code(text: str) -> str:
    """Return the canonical 20 upper-case symbols, or raise :class:`InvalidCaseCode`.

    Accepts any case, spaces and dashes anywhere, O for 0 and I or L for 1.
    Anything else (including U, which Crockford leaves out) is refused with
    one message that does not echo the input.
    """
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        raise InvalidCaseCode()
    cleaned = crockford_clean(text)
    if cleaned is None or len(cleaned) != CASE_CODE_LENGTH:
        raise InvalidCaseCode()
    return cleaned


def format_case_code(normalised: str) -> str:
    """Group a code for display: ``XXXXX-XXXXX-XXXXX-XXXXX``."""
    code = normalise_case_code(normalised)
    return "-".join(code[i : i + _GROUP] for i in range(0, CASE_CODE_LENGTH, _GROUP))


def case_lookup_id(pepper: bytes, code: str) -> bytes:
    """HMAC-SHA256(pepper, normalised code): the 32-byte id to find a case by.

    A keyed hash, not a plain one, so a stolen database alone does not let an
    attacker test guesses offline; the pepper lives in the settings, not the
    database.
    """
    if len(pepper) < 16:
        raise ValueError("pepper must be at least 16 bytes")
    mac = hmac.HMAC(bytes(pepper), hashes.SHA256())
    mac.update(normalise_case_code(code).encode("ascii"))
    return mac.finalize()
