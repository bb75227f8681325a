"""AES-256-GCM with one failure type; the single place where an AEAD is called."""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ._encoding import KEY_SIZE, NONCE_SIZE, TAG_SIZE
from .errors import InvalidCiphertext


def aead_seal(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt and authenticate; returns ciphertext with the 16-byte tag appended."""
    return AESGCM(key).encrypt(nonce, plaintext, aad)


def aead_open(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    """Check the tag, then decrypt; every failure is :class:`InvalidCiphertext`.

    ``AESGCM.decrypt`` verifies the tag before it returns anything, so no
    unauthenticated plaintext ever reaches the caller.
    """
    if len(key) != KEY_SIZE or len(nonce) != NONCE_SIZE or len(ciphertext) < TAG_SIZE:
        raise InvalidCiphertext()
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except (InvalidTag, ValueError, OverflowError):
        raise InvalidCiphertext() from None
