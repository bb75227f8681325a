"""Password rules and Argon2id hashing for staff accounts, shared by accounts and sign-in.

The stored hash is Argon2id over HMAC-SHA256(password pepper, password), the pepper living in
the server-keys file: a copy of the database alone admits no password guessing (finding 7). A
hash from before the pepper still verifies and is replaced at the next sign-in.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from argon2.exceptions import InvalidHashError, VerificationError

from config import Argon2Costs
from portal.argon2_costs import password_hasher
from portal.models import User
from portal.refusals import N_, Refusal

MIN_PASSWORD_LENGTH = 12
# Argon2 copes with long input, but a megabyte "password" is a denial-of-service, not a secret.
MAX_PASSWORD_LENGTH = 1024
# zxcvbn's score 3: "safely unguessable" (about 10^8 guesses or more), the least it suggests
# for a password that guards a key. Common passwords, names, dates and repetitions score less.
MIN_STRENGTH_SCORE = 3
# zxcvbn's own bound on input (its matching grows fast with length): the first 72
# characters must be strong on their own.
_STRENGTH_INPUT = 72
# zxcvbn's patterns that only repeat or run through characters ('aaaa', 'abcabc', 'qwerty').
_MONOTONOUS = {"repeat", "sequence", "spatial"}
# A peppered hash is stored as this prefix and argon2's encoded hash; older ones have none.
_PEPPERED = "$aktsom-hmac$"


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively: store and look up the lower-case form."""
    return email.strip().lower()


def check_new_password(password: str, *, user_inputs: Iterable[str] = ()) -> None:
    """Refuse passwords that are too short, absurdly long, trivially repetitive or common.

    `user_inputs` (the email, the name) make a password built from them count as weak.
    """
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
    from zxcvbn import zxcvbn  # ~12 MiB of word lists, loaded on the first check

    strength = zxcvbn(password[:_STRENGTH_INPUT], user_inputs=[item for item in user_inputs
                                                               if item])
    if strength["score"] >= MIN_STRENGTH_SCORE:
        return
    if all(match["pattern"] in _MONOTONOUS for match in strength["sequence"]):
        raise Refusal(N_("The password only repeats or runs through characters. Choose "
                              "a few unrelated words instead."))
    raise Refusal(N_("The password is too common or too easy to guess. Choose a few "
                          "unrelated words instead."))


def _peppered(pepper: bytes, password: str) -> str:
    normal = unicodedata.normalize("NFC", password).encode("utf-8")
    return base64.b64encode(hmac.new(pepper, normal, hashlib.sha256).digest()).decode("ascii")


def hash_password(costs: Argon2Costs, pepper: bytes, password: str) -> str:
    """The value to store for `password`: Argon2id over the peppered password."""
    return _PEPPERED + password_hasher(costs).hash(_peppered(pepper, password))


def password_needs_rehash(costs: Argon2Costs, stored: str) -> bool:
    """True when the stored hash lacks the pepper or was made at other costs."""
    if not stored.startswith(_PEPPERED):
        return True
    return bool(password_hasher(costs).check_needs_rehash(stored.removeprefix(_PEPPERED)))


def verify_password(costs: Argon2Costs, user: User, password: str, *, pepper: bytes) -> bool:
    """True if `password` is the user's password (Argon2id, constant time)."""
    stored = user.password_hash
    if stored.startswith(_PEPPERED):
        stored, password = stored.removeprefix(_PEPPERED), _peppered(pepper, password)
    try:
        return bool(password_hasher(costs).verify(stored, password))
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
