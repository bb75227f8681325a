"""Exception types of the crypto package.

One type per failure family, and messages that tell an attacker nothing: a
wrong key, a wrong password, a flipped bit and a truncated blob all look the
same from the outside (the pyca ``Fernet`` habit).
"""

from __future__ import annotations

__all__ = [
    "CryptoError",
    "InvalidCaseCode",
    "InvalidCertificate",
    "InvalidCiphertext",
    "InvalidRecoverySheet",
]

CASE_CODE_MESSAGE = "A case code has 20 letters and digits, e.g. K7QM2-XPD9R-TFH4B-N8WJC."


class CryptoError(Exception):
    """Base class of every error raised on purpose by :mod:`crypto`."""


class InvalidCiphertext(CryptoError):
    """A blob could not be authenticated or parsed, or the key was wrong.

    Deliberately carries no detail: which field was bad, or whether the key
    or the data was at fault, would be an oracle.
    """

    def __init__(self) -> None:
        super().__init__("The data could not be decrypted.")


class InvalidCertificate(CryptoError):
    """A key certificate does not hold for this subject and key (or is malformed).

    Like :class:`InvalidCiphertext` it says nothing about which part was wrong.
    """

    def __init__(self) -> None:
        super().__init__("The key certificate is not valid.")


class InvalidCaseCode(CryptoError, ValueError):
    """A case code is malformed (not a wrong code: that is InvalidCiphertext).

    The message never echoes the input, so it is safe to show and to log.
    """

    def __init__(self) -> None:
        super().__init__(CASE_CODE_MESSAGE)


class InvalidRecoverySheet(CryptoError, ValueError):
    """A typed-in recovery sheet is malformed; the message names the bad group."""
