"""One format for a small secret sealed under a key derived from something a person knows (a
password or a case code): version ‖ algorithm ‖ Argon2 parameters ‖ salt ‖ nonce ‖ ciphertext.
The header and a per-format label are bound as associated data, and the parameters travel in
the blob, so records sealed under older, cheaper costs keep opening.

With a `pepper` (a server secret kept outside the database) the key is
HKDF-SHA256(Argon2id(secret, salt) ‖ pepper): a copy of the blob alone then admits no guessing
of the secret, however weak, because every guess also needs the pepper.

`derive_from_secret` stretches a secret the same way for key material that is not a seal (the
reporter's key pair, crypto.reporter_keys), so every Argon2id of the package runs here."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ._aead import aead_open, aead_seal
from ._encoding import AES_256_GCM, KEY_SIZE, NONCE_SIZE, Reader, length_prefixed
from .errors import InvalidCiphertext
from .kdf import PARAMS_SIZE, SALT_SIZE, Argon2Params, derive_key

_PEPPERED_LABEL = b"aktsom/peppered-kek/v1"
MIN_PEPPER_SIZE = 16


def _key(secret: bytes, salt: bytes, params: Argon2Params, pepper: bytes | None,
         aad_suffix: bytes) -> bytes:
    stretched = derive_key(secret, salt, params)
    if pepper is None:
        return stretched
    # The format's own label is in `info`, so one pepper never gives two formats one key.
    return HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None,
                info=length_prefixed(_PEPPERED_LABEL) + aad_suffix,
                ).derive(stretched + bytes(pepper))


def derive_from_secret(secret: bytes, salt: bytes, params: Argon2Params, *, info: bytes,
                       length: int) -> bytes:
    """`length` bytes of key material: HKDF-SHA256(Argon2id(`secret`, `salt`), info=`info`).

    For keys that are not a seal of this format (the reporter's key pair): `info` carries
    their own label, so the same secret and salt never give two uses one key.
    """
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=bytes(info),
                ).derive(derive_key(secret, salt, params))


def check_pepper(pepper: bytes) -> None:
    """Refuse a pepper too short to matter: a programming error, not an attack."""
    if not isinstance(pepper, bytes | bytearray) or len(pepper) < MIN_PEPPER_SIZE:
        raise ValueError(f"a pepper is at least {MIN_PEPPER_SIZE} bytes")


def seal_under_secret(secret: bytes, plaintext: bytes, *, version: int, aad_suffix: bytes,
                      params: Argon2Params, salt: bytes, nonce: bytes,
                      pepper: bytes | None = None) -> bytes:
    """Seal `plaintext` under Argon2id(`secret`, `salt`) (and the pepper) with AES-256-GCM."""
    header = bytes([version, AES_256_GCM]) + params.to_bytes() + bytes(salt)
    key = _key(secret, salt, params, pepper, aad_suffix)
    return header + nonce + aead_seal(key, nonce, bytes(plaintext), header + aad_suffix)


def open_under_secret(blob: bytes, secret: bytes, *, version: int, aad_suffix: bytes,
                      size: int, pepper: bytes | None = None) -> bytes:
    """Open a blob of `seal_under_secret`; any failure, a wrong secret or pepper included, or
    a plaintext of another size than `size`, raises InvalidCiphertext."""
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
    key = _key(secret, salt, params, pepper, aad_suffix)
    plaintext = aead_open(key, nonce, reader.rest(), aad)
    if len(plaintext) != size:
        raise InvalidCiphertext()
    return plaintext
