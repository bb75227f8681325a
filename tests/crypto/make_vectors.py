"""Regenerate the known-answer vectors in ``tests/crypto/vectors/``.

Run from the project root: ``.venv/bin/python -m tests.crypto.make_vectors [FILE ...]``
(no FILE: every file). Only needed when a format changes on purpose (which needs a new
version byte) or a new format comes, whose file alone is then written.
The HPKE envelope vector differs on every run, because HPKE draws its own
randomness; the tests only check that the stored one still opens.
"""

from __future__ import annotations

import hashlib
import io
import json
import unicodedata
from pathlib import Path
from typing import Any

import crypto
from crypto import Argon2Params
from crypto._encoding import length_prefixed
from crypto._secret_seal import seal_under_secret

VECTORS = Path(__file__).parent / "vectors"
PARAMS_A = crypto.TEST_ARGON2
PARAMS_B = Argon2Params(time_cost=2, memory_cost_kib=16, parallelism=2)


class Tape:
    """An rng that replays fixed byte strings in order (and checks the lengths)."""

    def __init__(self, *chunks: bytes) -> None:
        self._chunks = list(chunks)

    def __call__(self, n: int) -> bytes:
        chunk = self._chunks.pop(0)
        assert len(chunk) == n, (len(chunk), n)
        return chunk


def pattern(start: int, n: int) -> bytes:
    """Recognisable fixed bytes: start, start+1, ... (mod 256)."""
    return bytes((start + i) % 256 for i in range(n))


def params_json(params: Argon2Params) -> dict[str, int]:
    return {
        "time_cost": params.time_cost,
        "memory_cost_kib": params.memory_cost_kib,
        "parallelism": params.parallelism,
        "version": params.version,
    }


def kdf_vectors() -> list[dict[str, Any]]:
    out = []
    for secret, salt, params, length in [
        (b"password", pattern(0x10, 16), PARAMS_A, 32),
        (b"K7QM2XPD9RTFH4BN8WJC", pattern(0x20, 16), PARAMS_B, 32),
        (b"", pattern(0x30, 8), PARAMS_A, 64),
    ]:
        out.append(
            {
                "secret": secret.hex(),
                "salt": salt.hex(),
                "params": params_json(params),
                "params_bytes": params.to_bytes().hex(),
                "length": length,
                "output": crypto.derive_key(secret, salt, params, length).hex(),
            }
        )
    return out


def casecode_vectors() -> dict[str, Any]:
    codes = []
    for raw in [bytes(13), b"\xff" * 13, pattern(0x40, 13)]:
        codes.append({"rng": raw.hex(), "code": crypto.generate_case_code(Tape(raw))})
    pepper = pattern(0x50, 32)
    code = "K7QM2-XPD9R-TFH4B-N8WJC"
    return {
        "generate": codes,
        "lookup": {
            "pepper": pepper.hex(),
            "code": code,
            "lookup_id": crypto.case_lookup_id(pepper, code).hex(),
        },
    }


def item_vectors() -> dict[str, Any]:
    case_key = pattern(0x60, 32)
    nonce = pattern(0x80, 12)
    fields = {"case_id": "case-1", "item_id": "msg-7", "kind": "message"}
    plaintext = b"The invoices were backdated."
    blob = crypto.seal_item(case_key, plaintext=plaintext, rng=Tape(nonce), **fields)
    bound_nonce = pattern(0x84, 12)
    context = ["aktsom/message/v1", "handler", "user-3", "message", "case", "4", "2"]
    bound = crypto.seal_item(case_key, plaintext=plaintext, context=context,
                             rng=Tape(bound_nonce), **fields)
    sealed_key = pattern(0x90, 32)
    sealed_nonce = pattern(0xA0, 12)
    aad = b"session:42"
    sealed_plain = b"unwrapped case key or private key"
    return {
        "item": {
            "case_key": case_key.hex(),
            **fields,
            "subkey": crypto.item_subkey(case_key, kind="message", item_id="msg-7").hex(),
            "plaintext": plaintext.hex(),
            "nonce": nonce.hex(),
            "blob": blob.hex(),
        },
        "bound_item": {
            "case_key": case_key.hex(),
            **fields,
            "context": context,
            "plaintext": plaintext.hex(),
            "nonce": bound_nonce.hex(),
            "blob": bound.hex(),
        },
        "sealed": {
            "key": sealed_key.hex(),
            "aad": aad.hex(),
            "plaintext": sealed_plain.hex(),
            "nonce": sealed_nonce.hex(),
            "blob": crypto.seal_with_key(
                sealed_key, sealed_plain, aad, rng=Tape(sealed_nonce)
            ).hex(),
        },
    }


def _seal_private_key_v1(private: bytes, password: str, params: Argon2Params, salt: bytes,
                         nonce: bytes) -> bytes:
    """Format version 1 (KEK = Argon2id(password) alone), as the first release sealed keys.

    Only opened now, never made; kept here so its vectors can still be regenerated."""
    return seal_under_secret(unicodedata.normalize("NFC", password).encode(), private,
                             version=1, aad_suffix=length_prefixed(b"aktsom/private-key/v1"),
                             params=params, salt=salt, nonce=nonce)


def key_vectors() -> dict[str, Any]:
    keypair = crypto.UserKeyPair.from_private_bytes(pattern(0xB0, 96))
    sealed = []
    for params, password, salt, nonce in [
        (PARAMS_A, "correct horse battery staple", pattern(0x11, 16), pattern(0x21, 12)),
        (PARAMS_B, "blåbærsyltetøy", pattern(0x31, 16), pattern(0x41, 12)),
    ]:
        blob = _seal_private_key_v1(keypair.private_bytes, password, params, salt, nonce)
        sealed.append(
            {
                "password": password,
                "params": params_json(params),
                "salt": salt.hex(),
                "nonce": nonce.hex(),
                "blob": blob.hex(),
            }
        )
    sealed_v2 = []
    for params, password, salt, nonce, pepper in [
        (PARAMS_A, "correct horse battery staple", pattern(0x13, 16), pattern(0x23, 12),
         pattern(0x33, 32)),
        (PARAMS_B, "blåbærsyltetøy", pattern(0x43, 16), pattern(0x53, 12), pattern(0x63, 32)),
    ]:
        blob = crypto.seal_private_key(keypair.private_bytes, password, params,
                                       Tape(salt, nonce), pepper=pepper)
        sealed_v2.append(
            {
                "password": password,
                "pepper": pepper.hex(),
                "params": params_json(params),
                "salt": salt.hex(),
                "nonce": nonce.hex(),
                "blob": blob.hex(),
            }
        )
    cert_key = pattern(0xC0, 32)
    return {
        "private_bytes": keypair.private_bytes.hex(),
        "public_bytes": keypair.public_bytes.hex(),
        "fingerprint": keypair.fingerprint(),
        # Version 1 (password only): still opened, resealed as version 2 at sign-in.
        "sealed_private_keys": sealed,
        # Version 2: KEK = HKDF-SHA256(Argon2id(password, salt) ‖ pepper).
        "sealed_private_keys_v2": sealed_v2,
        "certification": {
            "key": cert_key.hex(),
            "user_id": "user-3",
            # The first release's HMAC tag: read once at the upgrade, never accepted since.
            "tag": crypto.legacy_certification_tag(cert_key, "user-3",
                                                   keypair.public_bytes).hex(),
        },
    }


def certificate_vectors() -> dict[str, Any]:
    keypair = crypto.UserKeyPair.from_private_bytes(pattern(0xB0, 96))
    signing = pattern(0xA0, 32)
    possession = pattern(0xC8, 32)
    authorities = [(["handler", "manager"], ["unit-1", "unit-2"]), (["manager"], []),
                   (["recovery"], [])]
    return {
        "signing_key": signing.hex(),
        "verifying_key": crypto.certificate_verifying_key(signing).hex(),
        "public_bytes": keypair.public_bytes.hex(),
        "subject_id": "user-3",
        "certificates": [
            {
                "roles": roles,
                "units": units,
                # Ed25519 is deterministic: these bytes are reproduced exactly.
                "certificate": crypto.sign_key_certificate(
                    signing, "user-3", keypair.public_bytes,
                    crypto.KeyAuthority.of(roles, units)).hex(),
            }
            for roles, units in authorities
        ],
        "possession": {
            "key": possession.hex(),
            "tag": crypto.possession_tag(possession, "user-3", keypair.public_bytes).hex(),
        },
    }


def envelope_vectors() -> dict[str, Any]:
    keypair = crypto.UserKeyPair.from_private_bytes(pattern(0xD0, 96))
    case_key = pattern(0xE0, 32)
    ids = {"case_id": "case-1", "recipient_id": "user-3"}
    reporter = []
    for params, salt, nonce in [
        (PARAMS_A, pattern(0x12, 16), pattern(0x22, 12)),
        (PARAMS_B, pattern(0x32, 16), pattern(0x42, 12)),
    ]:
        code = "K7QM2-XPD9R-TFH4B-N8WJC"
        blob = crypto.seal_case_key_for_reporter(
            case_key, code, salt, params, case_id="case-1", rng=Tape(nonce)
        )
        reporter.append(
            {
                "code": code,
                "case_id": "case-1",
                "params": params_json(params),
                "salt": salt.hex(),
                "nonce": nonce.hex(),
                "blob": blob.hex(),
            }
        )
    return {
        "case_key": case_key.hex(),
        "recipient": {
            "private_bytes": keypair.private_bytes.hex(),
            **ids,
            "blob": crypto.wrap_case_key(case_key, keypair.public_bytes, **ids).hex(),
        },
        "reporter": reporter,
    }


def reporter_key_vectors() -> list[dict[str, Any]]:
    out = []
    for params, salt, code, case_id in [
        (PARAMS_A, pattern(0x14, 16), "K7QM2-XPD9R-TFH4B-N8WJC", "case-1"),
        (PARAMS_B, pattern(0x34, 16), "0123456789ABCDEFGHJK", "case-2"),
    ]:
        record, pair = crypto.make_reporter_key(code, params, case_id=case_id, rng=Tape(salt))
        out.append(
            {
                "code": code,
                "case_id": case_id,
                "params": params_json(params),
                "salt": salt.hex(),
                "private_bytes": pair.private_bytes.hex(),
                "record": record.hex(),
            }
        )
    return out


def stream_vectors() -> list[dict[str, Any]]:
    out = []
    for size, start in [(0, 0x01), (37, 0x02), (crypto.SEGMENT_SIZE + 3, 0x03)]:
        key = pattern(start, 32)
        prefix = pattern(start + 0x70, 7)
        plaintext = pattern(start, size)
        dst = io.BytesIO()
        crypto.encrypt_stream(io.BytesIO(plaintext), dst, key, b"attachment-9", Tape(prefix))
        ciphertext = dst.getvalue()
        entry: dict[str, Any] = {
            "key": key.hex(),
            "aad": b"attachment-9".hex(),
            "nonce_prefix": prefix.hex(),
            "plaintext_size": size,
            "plaintext_pattern_start": start,
            "ciphertext_sha256": hashlib.sha256(ciphertext).hexdigest(),
        }
        if size < 1024:
            entry["ciphertext"] = ciphertext.hex()
        out.append(entry)
    return out


def recovery_vectors() -> dict[str, Any]:
    keypair = crypto.UserKeyPair.from_private_bytes(pattern(0xF0, 96))
    return {
        "private_bytes": keypair.private_bytes.hex(),
        "organisation": "Eksempel Konsern AS",
        "created": "2025-01-15",
        "sheet": crypto.format_recovery_sheet(keypair, "Eksempel Konsern AS", "2025-01-15"),
    }


def main(only: list[str] | None = None) -> None:
    """Write every vector file, or only the files named in `only` (e.g. ``items.json``):
    the HPKE envelope differs on every run, so regenerating it needlessly churns it."""
    VECTORS.mkdir(exist_ok=True)
    files = {
        "kdf.json": kdf_vectors(),
        "casecode.json": casecode_vectors(),
        "items.json": item_vectors(),
        "keys.json": key_vectors(),
        "certificates.json": certificate_vectors(),
        "envelopes.json": envelope_vectors(),
        "stream.json": stream_vectors(),
        "recovery.json": recovery_vectors(),
        "reporter_keys.json": reporter_key_vectors(),
    }
    for name, content in files.items():
        if only and name not in only:
            continue
        (VECTORS / name).write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n")
        print("wrote", VECTORS / name)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:] or None)
