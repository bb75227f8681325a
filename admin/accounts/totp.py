"""TOTP (RFC 6238) for staff sign-in: secrets, codes, the otpauth URI and its QR code.

The secret is part of an account's credentials, like the password hash beside it
(`passwords.py`): accounts make and reset it, sign-in (`admin.auth`) checks codes against it.

SHA-1, 6 digits and 30-second steps are what every authenticator app understands. The secret
is sealed under a server key outside the database and bound to the user id, so a database
writer can neither read it nor copy one user's secret onto another account.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from datetime import datetime

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from crypto import open_with_key, seal_with_key
from portal.serverkeys import ServerKeys

SECRET_BYTES = 20
DIGITS = 6
STEP_SECONDS = 30
# Clocks drift and people type slowly: one step either side of now is accepted.
ALLOWED_DRIFT_STEPS = 1


def new_totp_secret() -> bytes:
    """20 random bytes (160 bits, as RFC 4226 recommends)."""
    return secrets.token_bytes(SECRET_BYTES)


def _aad(user_id: str) -> bytes:
    return b"aktsom/totp-secret\0" + user_id.encode()


def seal_totp_secret(keys: ServerKeys, user_id: str, secret: bytes) -> bytes:
    """Seal `secret` under the server's TOTP key, bound to `user_id`."""
    return seal_with_key(keys.totp, secret, aad=_aad(user_id))


def open_totp_secret(keys: ServerKeys, user_id: str, sealed: bytes) -> bytes:
    """Reverse `seal_totp_secret`; raises crypto.InvalidCiphertext if moved or tampered with."""
    return open_with_key(keys.totp, sealed, aad=_aad(user_id))


def _totp(secret: bytes) -> TOTP:
    # Hashing with SHA-1 is what authenticator apps implement; RFC 6238 HMAC-SHA1 is not
    # affected by SHA-1 collisions.
    return TOTP(secret, DIGITS, SHA1(), STEP_SECONDS)  # noqa: S303


def time_step(now: datetime) -> int:
    """The RFC 6238 time step of `now`."""
    return int(now.timestamp()) // STEP_SECONDS


def code_for_step(secret: bytes, step: int) -> str:
    """The code an authenticator shows during `step` (tests and the enrolment check use it)."""
    return _totp(secret).generate(step * STEP_SECONDS).decode("ascii")


def matching_step(secret: bytes, code: str, now: datetime, last_used_step: int) -> int | None:
    """The time step `code` belongs to, or None.

    Steps at or before `last_used_step` are refused, so each code works once; the caller must
    store the returned step atomically (see admin.auth.services).
    """
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    current = time_step(now)
    for step in range(current - ALLOWED_DRIFT_STEPS, current + ALLOWED_DRIFT_STEPS + 1):
        if step <= last_used_step:
            continue
        if hmac.compare_digest(code_for_step(secret, step), code):
            return step
    return None


def provisioning_uri(secret: bytes, account: str, issuer: str) -> str:
    """The `otpauth://totp/...` URI an authenticator app reads."""
    return _totp(secret).get_provisioning_uri(account, issuer)


def qr_data_uri(uri: str) -> str:
    """The QR code of `uri` as an SVG data URI for an <img>: no inline style, no script, and
    CSP's `img-src 'self' data:` allows it."""
    import segno  # ~9 MiB, only where a QR code is shown

    return str(
        segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")
    )


def display_secret(secret: bytes) -> str:
    """Base32 in groups of four, for typing into an app that cannot scan."""
    text = base64.b32encode(secret).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def enrolment(secret: bytes, account: str, issuer: str) -> dict[str, str]:
    """What an enrolment page shows (`accounts/_enrolment.html`): the otpauth URI, its QR
    code and the secret for typing in."""
    uri = provisioning_uri(secret, account, issuer)
    return {"uri": uri, "qr": qr_data_uri(uri), "secret": display_secret(secret)}
