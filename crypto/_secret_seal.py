"""One format for a small secret sealed under a key derived from something a person knows (a
password or a case code): version ‖ algorithm ‖ Argon2 parameters ‖ salt ‖ nonce ‖ ciphertext.
The header and a per-format label are bound as associated data, and the parameters travel in
the blob, so records sealed under older, cheaper costs keep opening."""

from __future__ import annotations

from ._aead import aead_open, aead_seal
from ._encoding import AES_256_GCM, NONCE_SIZE, Reader
from .errors import InvalidCiphertext
from .kdf import PARAMS_SIZE, SALT_SIZE, Argon2Params, derive_key


def seal_under_secret(secret: bytes, plaintext: bytes, *, version: int, aad_suffix: bytes,
                      params: Argon2Params, salt: bytes, nonce: bytes) -> bytes:
    """Seal `plaintext` under Argon2id(`secret`, `salt`) with AES-256-GCM."""
    header = bytes([version, AES_256_GCM]) + params.to_bytes() + bytes(salt)
    key = derive_key(secret, salt, params)
    return header + nonce + aead_seal(key, nonce, bytes(plaintext), header + aad_suffix)


def open_under_secret(blob: bytes, secret: bytes, *, version: int, aad_suffix: bytes,
                      size: int) -> bytes:
    """Open a blob of `seal_under_secret`; any failure, a wrong secret included, or a
    plaintext of another size than `size`, raises InvalidCiphertext."""
    reader = Reader(blob)
    if reader.byte() != version or reader.byte() != AES_256_GCM:
        raise InvalidCiphertext()
    try:
        params = Argon2Params.from_bytes(reader.take(PARAMS_SIZE))
    except ValueError:
        raise InvalidCiphertext() from None
    salt = reader.take(SALT_SIZE)
    aad = reader.consumed() + aad_suffix
    nonce = reader.take(NONCE_SIZE)
    plaintext = aead_open(derive_key(secret, salt, params), nonce, reader.rest(), aad)
    if len(plaintext) != size:
        raise InvalidCiphertext()
    return plaintext
