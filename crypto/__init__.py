"""Aktsom's cryptographic protocol (design §3): pure functions over pyca and argon2-cffi.

Nothing here touches Flask, the database or the rest of the project; every
failure to decrypt is :class:`InvalidCiphertext`, whatever its cause.
"""

from __future__ import annotations

from .casecode import (
    case_lookup_id,
    format_case_code,
    generate_case_code,
    normalise_case_code,
)
from .certificates import (
    CERTIFICATE_VERSION,
    KeyAuthority,
    certificate_verifying_key,
    legacy_certification_tag,
    new_certificate_signing_key,
    possession_tag,
    sign_key_certificate,
    verify_key_certificate,
    verify_legacy_certification,
    verify_possession_tag,
)
from .envelopes import (
    open_case_key_for_reporter,
    seal_case_key_for_reporter,
    unwrap_case_key,
    wrap_case_key,
)
from .errors import (
    CryptoError,
    InvalidCaseCode,
    InvalidCertificate,
    InvalidCiphertext,
    InvalidRecoverySheet,
)
from .items import (
    item_subkey,
    new_case_key,
    open_item,
    open_with_key,
    seal_item,
    seal_with_key,
)
from .kdf import PRODUCTION_ARGON2, TEST_ARGON2, Argon2Params, derive_key, new_salt
from .keys import (
    UserKeyPair,
    hpke_private_key,
    hpke_public_key,
    open_private_key,
    private_key_needs_reseal,
    public_key_fingerprint,
    rewrap_private_key,
    seal_private_key,
)
from .recovery import format_recovery_sheet, generate_recovery_key, parse_recovery_sheet
from .reporter_keys import make_reporter_key, open_reporter_key, reporter_public_key
from .spool import EphemeralSpool
from .stream import SEGMENT_SIZE, decrypt_stream, encrypt_stream, iter_decrypt_stream
from .stream_spool import SPOOL_PREFIX, SPOOLED_AAD, StreamSpool

__all__ = [
    "Argon2Params",
    "CERTIFICATE_VERSION",
    "CryptoError",
    "InvalidCaseCode",
    "InvalidCertificate",
    "InvalidCiphertext",
    "InvalidRecoverySheet",
    "KeyAuthority",
    "PRODUCTION_ARGON2",
    "SEGMENT_SIZE",
    "TEST_ARGON2",
    "EphemeralSpool",
    "SPOOLED_AAD",
    "SPOOL_PREFIX",
    "StreamSpool",
    "UserKeyPair",
    "case_lookup_id",
    "certificate_verifying_key",
    "decrypt_stream",
    "derive_key",
    "encrypt_stream",
    "format_case_code",
    "format_recovery_sheet",
    "generate_case_code",
    "generate_recovery_key",
    "hpke_private_key",
    "hpke_public_key",
    "item_subkey",
    "iter_decrypt_stream",
    "legacy_certification_tag",
    "make_reporter_key",
    "new_case_key",
    "new_certificate_signing_key",
    "new_salt",
    "normalise_case_code",
    "open_case_key_for_reporter",
    "open_item",
    "open_private_key",
    "open_reporter_key",
    "open_with_key",
    "parse_recovery_sheet",
    "possession_tag",
    "private_key_needs_reseal",
    "public_key_fingerprint",
    "reporter_public_key",
    "rewrap_private_key",
    "seal_case_key_for_reporter",
    "seal_item",
    "seal_private_key",
    "seal_with_key",
    "sign_key_certificate",
    "unwrap_case_key",
    "verify_key_certificate",
    "verify_legacy_certification",
    "verify_possession_tag",
    "wrap_case_key",
]
