"""User key pairs (hybrid ML-KEM-768 + X25519) and their password seal.

What the server vouches for about a public key (certificates) is in :mod:`crypto.certificates`.

Private key (96 bytes) = ML-KEM-768 seed (64) | X25519 private key (32).
Public key (1216 bytes) = ML-KEM-768 public key (1184) | X25519 public key (32).

Sealed private key layout (``PRIVATE_KEY_VERSION``)::

    version (1) | algorithm id (1) | Argon2 params (10) | salt (16) | nonce (12)
    | ciphertext + tag (96 + 16)

KEK = Argon2id(password, salt, params); the header (everything before the
nonce) is the associated data, so the parameters cannot be swapped either.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.hpke import (
    MLKEM768X25519PrivateKey,
    MLKEM768X25519PublicKey,
)

from ._encoding import (
    NONCE_SIZE,
    Rng,
    crockford_encode,
    length_prefixed,
    random_bytes,
)
from ._secret_seal import check_pepper, open_under_secret, seal_under_secret
from .kdf import SALT_SIZE, Argon2Params

__all__ = [
    "PRIVATE_KEY_SIZE",
    "PRIVATE_KEY_VERSION",
    "PUBLIC_KEY_SIZE",
    "UserKeyPair",
    "hpke_private_key",
    "hpke_public_key",
    "open_private_key",
    "private_key_needs_reseal",
    "public_key_fingerprint",
    "rewrap_private_key",
    "seal_private_key",
]

_MLKEM_SEED = 64
_MLKEM_PUBLIC = 1184
_X25519 = 32
PRIVATE_KEY_SIZE = _MLKEM_SEED + _X25519
PUBLIC_KEY_SIZE = _MLKEM_PUBLIC + _X25519
PRIVATE_KEY_VERSION = 0x02
# Version 1 sealed under the password alone; kept so old keys open once more and get resealed.
_PASSWORD_ONLY_VERSION = 0x01
_PRIVATE_KEY_LABELS = {
    _PASSWORD_ONLY_VERSION: length_prefixed(b"aktsom/private-key/v1"),
    PRIVATE_KEY_VERSION: length_prefixed(b"aktsom/private-key/v2"),
}


def _public_from_private(private_bytes: bytes) -> bytes:
    if len(private_bytes) != PRIVATE_KEY_SIZE:
        raise ValueError(f"a private key is {PRIVATE_KEY_SIZE} bytes")
    kem = mlkem.MLKEM768PrivateKey.from_seed_bytes(private_bytes[:_MLKEM_SEED])
    dh = x25519.X25519PrivateKey.from_private_bytes(private_bytes[_MLKEM_SEED:])
    return kem.public_key().public_bytes_raw() + dh.public_key().public_bytes_raw()


@dataclass(frozen=True)
class UserKeyPair:
    """A hybrid HPKE key pair in its raw serialised form.

    Build it with :meth:`generate` or :meth:`from_private_bytes`; the
    constructor refuses a public half that does not belong to the private one.
    """

    private_bytes: bytes = field(repr=False)
    public_bytes: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if _public_from_private(self.private_bytes) != self.public_bytes:
            raise ValueError("public key does not match private key")

    def __repr__(self) -> str:
        return f"UserKeyPair(fingerprint={public_key_fingerprint(self.public_bytes)!r})"

    @classmethod
    def generate(cls) -> UserKeyPair:
        """Make a new key pair from the OS CSPRNG."""
        kem_seed = mlkem.MLKEM768PrivateKey.generate().private_bytes_raw()
        dh = x25519.X25519PrivateKey.generate().private_bytes_raw()
        return cls.from_private_bytes(kem_seed + dh)

    @classmethod
    def from_private_bytes(cls, private_bytes: bytes) -> UserKeyPair:
        """Rebuild a key pair from its 96 private bytes."""
        private = bytes(private_bytes)
        return cls(private, _public_from_private(private))

    def hpke_private_key(self) -> MLKEM768X25519PrivateKey:
        """The key as an object for ``hpke.Suite.decrypt``."""
        return hpke_private_key(self.private_bytes)

    def fingerprint(self) -> str:
        """Short printable digest of the public key."""
        return public_key_fingerprint(self.public_bytes)


def hpke_private_key(private_bytes: bytes) -> MLKEM768X25519PrivateKey:
    """Parse 96 private bytes into an object for ``hpke.Suite.decrypt``.

    Cheaper than :meth:`UserKeyPair.from_private_bytes`, which also derives
    the public half; used on every unwrap.
    """
    if len(private_bytes) != PRIVATE_KEY_SIZE:
        raise ValueError(f"a private key is {PRIVATE_KEY_SIZE} bytes")
    return MLKEM768X25519PrivateKey(
        mlkem.MLKEM768PrivateKey.from_seed_bytes(bytes(private_bytes[:_MLKEM_SEED])),
        x25519.X25519PrivateKey.from_private_bytes(bytes(private_bytes[_MLKEM_SEED:])),
    )


def hpke_public_key(public_bytes: bytes) -> MLKEM768X25519PublicKey:
    """Parse 1216 public bytes into an object for ``hpke.Suite.encrypt``."""
    if len(public_bytes) != PUBLIC_KEY_SIZE:
        raise ValueError(f"a public key is {PUBLIC_KEY_SIZE} bytes")
    return MLKEM768X25519PublicKey(
        mlkem.MLKEM768PublicKey.from_public_bytes(bytes(public_bytes[:_MLKEM_PUBLIC])),
        x25519.X25519PublicKey.from_public_bytes(bytes(public_bytes[_MLKEM_PUBLIC:])),
    )


def _password_secret(password: str) -> bytes:
    # NFC so that the same password typed on two keyboards gives the same key.
    return unicodedata.normalize("NFC", password).encode("utf-8")


def seal_private_key(
    private_bytes: bytes, password: str, params: Argon2Params, rng: Rng | None = None, *,
    pepper: bytes,
) -> bytes:
    """Encrypt a 96-byte private key under HKDF(Argon2id(password, fresh salt) ‖ pepper)."""
    if len(private_bytes) != PRIVATE_KEY_SIZE:
        raise ValueError(f"a private key is {PRIVATE_KEY_SIZE} bytes")
    check_pepper(pepper)
    salt = random_bytes(rng, SALT_SIZE)
    nonce = random_bytes(rng, NONCE_SIZE)
    return seal_under_secret(_password_secret(password), private_bytes,
                             version=PRIVATE_KEY_VERSION,
                             aad_suffix=_PRIVATE_KEY_LABELS[PRIVATE_KEY_VERSION], params=params,
                             salt=salt, nonce=nonce, pepper=pepper)


def open_private_key(blob: bytes, password: str, *, pepper: bytes) -> bytes:
    """Decrypt a sealed private key; a wrong password or pepper raises
    :class:`InvalidCiphertext`.

    The Argon2 parameters come from the blob, so keys sealed under older,
    cheaper parameters keep opening after the defaults are raised. A version 1
    blob opens with the password alone (the pepper is not used for it).
    """
    check_pepper(pepper)
    if blob[:1] == bytes([_PASSWORD_ONLY_VERSION]):
        return open_under_secret(blob, _password_secret(password),
                                 version=_PASSWORD_ONLY_VERSION,
                                 aad_suffix=_PRIVATE_KEY_LABELS[_PASSWORD_ONLY_VERSION],
                                 size=PRIVATE_KEY_SIZE)
    return open_under_secret(blob, _password_secret(password), version=PRIVATE_KEY_VERSION,
                             aad_suffix=_PRIVATE_KEY_LABELS[PRIVATE_KEY_VERSION],
                             size=PRIVATE_KEY_SIZE, pepper=pepper)


def private_key_needs_reseal(blob: bytes) -> bool:
    """True for a blob of an older version: reseal it (:func:`seal_private_key`) the next
    time the password is at hand, so it gains the pepper."""
    return blob[:1] != bytes([PRIVATE_KEY_VERSION])


def rewrap_private_key(
    blob: bytes, old_password: str, new_password: str, params: Argon2Params, *, pepper: bytes
) -> bytes:
    """Re-seal a private key under a new password (fresh salt, nonce, current params and
    version)."""
    return seal_private_key(open_private_key(blob, old_password, pepper=pepper), new_password,
                            params, pepper=pepper)


def public_key_fingerprint(public_bytes: bytes) -> str:
    """First 160 bits of SHA-256(public key) as 8 groups of 4 Crockford symbols.

    160 bits leave no room for a second key with the same fingerprint, and
    32 symbols are still comparable by eye or over the phone.
    """
    digest = hashes.Hash(hashes.SHA256())
    digest.update(bytes(public_bytes))
    value = int.from_bytes(digest.finalize()[:20], "big")
    symbols = crockford_encode(value, 32)
    return " ".join(symbols[i : i + 4] for i in range(0, 32, 4))
