"""Package-level promises: the public API and small modules.

What crypto may import is checked with every other layer in tests/foundation/test_layers.py.
"""

from __future__ import annotations

from pathlib import Path

import crypto

PACKAGE = Path(crypto.__file__).parent

PUBLIC_API = {
    "CryptoError", "InvalidCiphertext", "InvalidCaseCode", "InvalidRecoverySheet",
    "Argon2Params", "PRODUCTION_ARGON2", "TEST_ARGON2", "derive_key", "new_salt",
    "generate_case_code", "normalise_case_code", "format_case_code", "case_lookup_id",
    "new_case_key", "seal_item", "open_item", "item_subkey", "seal_with_key", "open_with_key",
    "UserKeyPair", "seal_private_key", "open_private_key", "rewrap_private_key",
    "private_key_needs_reseal",
    "public_key_fingerprint", "legacy_certification_tag", "verify_legacy_certification",
    "InvalidCertificate", "KeyAuthority", "CERTIFICATE_VERSION", "new_certificate_signing_key",
    "certificate_verifying_key", "sign_key_certificate", "verify_key_certificate",
    "possession_tag", "verify_possession_tag",
    "wrap_case_key", "unwrap_case_key", "seal_case_key_for_reporter",
    "open_case_key_for_reporter", "generate_recovery_key", "format_recovery_sheet",
    "parse_recovery_sheet", "SEGMENT_SIZE", "encrypt_stream", "decrypt_stream",
    "make_reporter_key", "open_reporter_key", "reporter_public_key",
}  # fmt: skip


def test_public_api_is_exported() -> None:
    missing = PUBLIC_API - set(crypto.__all__)
    assert not missing
    for name in crypto.__all__:
        assert hasattr(crypto, name)


def test_exception_hierarchy() -> None:
    assert issubclass(crypto.InvalidCiphertext, crypto.CryptoError)
    assert issubclass(crypto.InvalidCaseCode, crypto.CryptoError)
    assert issubclass(crypto.InvalidCaseCode, ValueError)
    assert issubclass(crypto.InvalidRecoverySheet, crypto.CryptoError)
    assert issubclass(crypto.InvalidRecoverySheet, ValueError)
    assert issubclass(crypto.InvalidCertificate, crypto.CryptoError)
    assert str(crypto.InvalidCertificate()) == "The key certificate is not valid."
    assert not issubclass(crypto.InvalidCiphertext, ValueError)
    assert str(crypto.InvalidCiphertext()) == "The data could not be decrypted."


def test_modules_stay_small() -> None:
    for module in PACKAGE.glob("*.py"):
        assert len(module.read_text(encoding="utf-8").splitlines()) < 300, module.name
