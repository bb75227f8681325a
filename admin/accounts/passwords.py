"""Password rules and Argon2id hashing for staff accounts, shared by accounts and sign-in."""

from __future__ import annotations

import contextlib
import secrets
import unicodedata
from functools import lru_cache

from argon2.exceptions import InvalidHashError, VerificationError

from config import Argon2Costs
from portal.argon2_costs import password_hasher
from portal.models import User
from portal.refusals import N_, Refusal

MIN_PASSWORD_LENGTH = 12
# Argon2 copes with long input, but a megabyte "password" is a denial-of-service, not a secret.
MAX_PASSWORD_LENGTH = 1024


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively: store and look up the lower-case form."""
    return email.strip().lower()


def check_new_password(password: str) -> None:
    """Refuse passwords that are too short or absurdly long."""
    length = len(unicodedata.normalize("NFC", password))
    if not password.strip() or length < MIN_PASSWORD_LENGTH:
        raise Refusal(
            N_("The password must have at least %(count)d characters."),
            count=MIN_PASSWORD_LENGTH,
        )
    if length > MAX_PASSWORD_LENGTH:
        raise Refusal(
            N_("The password may have at most %(count)d characters."), count=MAX_PASSWORD_LENGTH
        )


def verify_password(costs: Argon2Costs, user: User, password: str) -> bool:
    """True if `password` is the user's password (Argon2id, constant time)."""
    try:
        return bool(password_hasher(costs).verify(user.password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=4)
def _dummy_hash(costs: Argon2Costs) -> str:
    # A hash of a random password at the current costs: verifying against it takes as long as
    # a real check. Cached per cost setting only; it holds nothing secret or mutable.
    return password_hasher(costs).hash(secrets.token_urlsafe(16))


def dummy_verify(costs: Argon2Costs, password: str) -> None:
    """Spend the time of a real password check (unknown email, locked account), so the
    response time does not tell whether an account exists."""
    with contextlib.suppress(VerificationError, InvalidHashError):
        password_hasher(costs).verify(_dummy_hash(costs), password)
