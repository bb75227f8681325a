"""The organisation's offline recovery key and its printable sheet.

The 96 private bytes are printed as 16 numbered groups. Each group holds 6
key bytes as 10 Crockford symbols (48 bits plus 2 zero bits) followed by 2
check symbols: the first 10 bits of SHA-256(label | group number | bytes).
A typing error therefore shows up in the group where it was made (a random
error slips through with probability 1/1024 per group, and the public-key
fingerprint printed on the sheet catches it then), and two lines typed in the
wrong order are caught too, because the group number is part of the check.
"""

from __future__ import annotations

import re

from cryptography.hazmat.primitives import hashes

from ._encoding import crockford_clean, crockford_decode, crockford_encode
from .errors import InvalidRecoverySheet
from .keys import PRIVATE_KEY_SIZE, UserKeyPair, public_key_fingerprint

__all__ = [
    "SHEET_HEADER",
    "format_recovery_sheet",
    "generate_recovery_key",
    "parse_recovery_sheet",
]

SHEET_HEADER = "AKTSOM RECOVERY KEY - FORMAT 1"
_BYTES_PER_GROUP = 6
_GROUPS = PRIVATE_KEY_SIZE // _BYTES_PER_GROUP  # 16
_KEY_SYMBOLS = 10  # ceil(48 / 5)
_CHECK_SYMBOLS = 2
_CHECK_LABEL = b"aktsom/recovery-sheet/v1"
_GROUP_LINE = re.compile(r"^\s*(\d{1,3})(?:\s*[:.)]\s*|\s+)(\S.*)$")
_FINGERPRINT_LINE = re.compile(r"fingerprint\s*:\s*(.+)$", re.IGNORECASE)


def generate_recovery_key() -> UserKeyPair:
    """Make the organisation's recovery key pair (at ``aktsom init``)."""
    return UserKeyPair.generate()


def _check(number: int, chunk: bytes) -> str:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(_CHECK_LABEL + bytes([number]) + chunk)
    bits = int.from_bytes(digest.finalize()[:2], "big") >> 6  # top 10 bits
    return crockford_encode(bits, _CHECK_SYMBOLS)


def _one_line(value: str) -> str:
    # A newline in a name must not be able to forge a key line on the sheet.
    return " ".join(value.split())


def format_recovery_sheet(keypair: UserKeyPair, organisation: str, created: str) -> str:
    """Return the printable recovery sheet (plain text, one key group per line)."""
    lines = [
        SHEET_HEADER,
        f"Organisation: {_one_line(organisation)}",
        f"Created: {_one_line(created)}",
        f"Public key fingerprint: {public_key_fingerprint(keypair.public_bytes)}",
        "",
        "Keep this sheet offline and locked away: whoever holds it can read every case.",
        f"To recover, type the {_GROUPS} numbered lines; each ends in 2 check characters.",
        "",
    ]
    for index in range(_GROUPS):
        number = index + 1
        chunk = keypair.private_bytes[index * _BYTES_PER_GROUP : number * _BYTES_PER_GROUP]
        symbols = crockford_encode(int.from_bytes(chunk, "big") << 2, _KEY_SYMBOLS)
        lines.append(f"{number:02d}  {symbols[:5]} {symbols[5:]}  {_check(number, chunk)}")
    return "\n".join(lines) + "\n"


def _decode_group(number: int, body: str) -> bytes:
    symbols = crockford_clean(body)
    if symbols is None or len(symbols) != _KEY_SYMBOLS + _CHECK_SYMBOLS:
        raise InvalidRecoverySheet(
            f"Group {number}: expected {_KEY_SYMBOLS + _CHECK_SYMBOLS} letters and digits."
        )
    value = crockford_decode(symbols[:_KEY_SYMBOLS])
    chunk = (value >> 2).to_bytes(_BYTES_PER_GROUP, "big")
    if value & 0b11 or _check(number, chunk) != symbols[_KEY_SYMBOLS:]:
        raise InvalidRecoverySheet(f"Group {number}: typing error, please check this line.")
    return chunk


def parse_recovery_sheet(text: str) -> UserKeyPair:
    """Rebuild the recovery key pair from a typed or scanned sheet.

    Lines that start with a group number are key lines; case, spaces and
    dashes do not matter and O/I/L are read as 0/1/1. If the sheet carries a
    fingerprint line, the rebuilt public key must match it.
    """
    groups: dict[int, bytes] = {}
    fingerprint: str | None = None
    for line in text.splitlines():
        match = _GROUP_LINE.match(line)
        if match is None:
            found = _FINGERPRINT_LINE.search(line)
            if found is not None:
                fingerprint = "".join(found.group(1).split()).upper()
            continue
        number = int(match.group(1))
        if not 1 <= number <= _GROUPS:
            raise InvalidRecoverySheet(
                f"Group {number} does not exist; a recovery key has {_GROUPS} groups."
            )
        if number in groups:
            raise InvalidRecoverySheet(f"Group {number} appears twice.")
        groups[number] = _decode_group(number, match.group(2))
    for number in range(1, _GROUPS + 1):
        if number not in groups:
            raise InvalidRecoverySheet(f"Group {number} is missing.")
    keypair = UserKeyPair.from_private_bytes(b"".join(groups[n] for n in range(1, _GROUPS + 1)))
    if fingerprint is not None:
        expected = "".join(public_key_fingerprint(keypair.public_bytes).split())
        if crockford_clean(fingerprint) != expected:
            raise InvalidRecoverySheet(
                "The key does not match the fingerprint on the sheet; check every group."
            )
    return keypair
