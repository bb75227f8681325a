"""Known-answer tests: fixed inputs reproduce the stored bytes, stored bytes open.

The vectors were written by ``make_vectors.py``; a difference here means a
format changed, which must come with a new version byte, not new vectors.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

import pytest

import crypto
from crypto import Argon2Params

Load = Callable[[str], Any]
TapeFactory = Callable[..., Callable[[int], bytes]]


def h(value: str) -> bytes:
    return bytes.fromhex(value)


def params(entry: dict[str, int]) -> Argon2Params:
    return Argon2Params(**entry)


def pattern(start: int, n: int) -> bytes:
    return bytes((start + i) % 256 for i in range(n))


def test_kdf_vectors(load_vectors: Load) -> None:
    for v in load_vectors("kdf.json"):
        p = params(v["params"])
        assert p.to_bytes().hex() == v["params_bytes"]
        assert Argon2Params.from_bytes(h(v["params_bytes"])) == p
        assert crypto.derive_key(h(v["secret"]), h(v["salt"]), p, v["length"]).hex() == v["output"]


def test_casecode_vectors(load_vectors: Load, tape: TapeFactory) -> None:
    v = load_vectors("casecode.json")
    for entry in v["generate"]:
        assert crypto.generate_case_code(tape(h(entry["rng"]))) == entry["code"]
    lookup = v["lookup"]
    assert crypto.case_lookup_id(h(lookup["pepper"]), lookup["code"]).hex() == lookup["lookup_id"]


def test_item_vectors(load_vectors: Load, tape: TapeFactory) -> None:
    v = load_vectors("items.json")["item"]
    ids = {"case_id": v["case_id"], "item_id": v["item_id"], "kind": v["kind"]}
    key = h(v["case_key"])
    assert crypto.item_subkey(key, kind=v["kind"], item_id=v["item_id"]).hex() == v["subkey"]
    blob = crypto.seal_item(key, plaintext=h(v["plaintext"]), rng=tape(h(v["nonce"])), **ids)
    assert blob.hex() == v["blob"]
    assert crypto.open_item(key, blob=h(v["blob"]), **ids) == h(v["plaintext"])


def test_bound_item_vectors(load_vectors: Load, tape: TapeFactory) -> None:
    v = load_vectors("items.json")["bound_item"]
    ids = {"case_id": v["case_id"], "item_id": v["item_id"], "kind": v["kind"]}
    key = h(v["case_key"])
    blob = crypto.seal_item(key, plaintext=h(v["plaintext"]), context=v["context"],
                            rng=tape(h(v["nonce"])), **ids)
    assert blob.hex() == v["blob"]
    assert crypto.open_item(key, blob=h(v["blob"]), context=v["context"], **ids) == h(
        v["plaintext"])


def test_sealed_vectors(load_vectors: Load, tape: TapeFactory) -> None:
    v = load_vectors("items.json")["sealed"]
    blob = crypto.seal_with_key(h(v["key"]), h(v["plaintext"]), h(v["aad"]), tape(h(v["nonce"])))
    assert blob.hex() == v["blob"]
    assert crypto.open_with_key(h(v["key"]), h(v["blob"]), h(v["aad"])) == h(v["plaintext"])


def test_key_vectors(load_vectors: Load, tape: TapeFactory) -> None:
    v = load_vectors("keys.json")
    keypair = crypto.UserKeyPair.from_private_bytes(h(v["private_bytes"]))
    assert keypair.public_bytes.hex() == v["public_bytes"]
    assert keypair.fingerprint() == v["fingerprint"]
    # Version 1 (password only) is no longer made, but every stored one must still open.
    for s in v["sealed_private_keys"]:
        blob = h(s["blob"])
        assert blob[0] == 1
        assert crypto.private_key_needs_reseal(blob)
        opened = crypto.open_private_key(blob, s["password"], pepper=bytes(32))
        assert opened == keypair.private_bytes
    for s in v["sealed_private_keys_v2"]:
        rng = tape(h(s["salt"]), h(s["nonce"]))
        p = params(s["params"])
        pepper = h(s["pepper"])
        blob = crypto.seal_private_key(keypair.private_bytes, s["password"], p, rng,
                                       pepper=pepper)
        assert blob.hex() == s["blob"]
        assert not crypto.private_key_needs_reseal(blob)
        opened = crypto.open_private_key(h(s["blob"]), s["password"], pepper=pepper)
        assert opened == keypair.private_bytes
    c = v["certification"]
    tag = crypto.legacy_certification_tag(h(c["key"]), c["user_id"], keypair.public_bytes)
    assert tag.hex() == c["tag"]
    assert crypto.verify_legacy_certification(h(c["key"]), c["user_id"], keypair.public_bytes,
                                              tag)
    # Never a certificate of the current format, whatever key checks it.
    with pytest.raises(crypto.InvalidCertificate):
        crypto.verify_key_certificate(bytes(32), c["user_id"], keypair.public_bytes, tag)


def test_certificate_vectors(load_vectors: Load) -> None:
    v = load_vectors("certificates.json")
    signing, verifying = h(v["signing_key"]), h(v["verifying_key"])
    public, subject = h(v["public_bytes"]), v["subject_id"]
    assert crypto.certificate_verifying_key(signing) == verifying
    for entry in v["certificates"]:
        authority = crypto.KeyAuthority.of(entry["roles"], entry["units"])
        certificate = crypto.sign_key_certificate(signing, subject, public, authority)
        assert certificate.hex() == entry["certificate"]
        assert crypto.verify_key_certificate(verifying, subject, public,
                                             h(entry["certificate"])) == authority
    p = v["possession"]
    assert crypto.possession_tag(h(p["key"]), subject, public).hex() == p["tag"]
    assert crypto.verify_possession_tag(h(p["key"]), subject, public, h(p["tag"]))


def test_envelope_vectors(load_vectors: Load, tape: TapeFactory) -> None:
    v = load_vectors("envelopes.json")
    case_key = h(v["case_key"])
    r = v["recipient"]
    # HPKE randomness cannot be injected: check only that the stored envelope opens.
    opened = crypto.unwrap_case_key(
        h(r["blob"]), h(r["private_bytes"]), case_id=r["case_id"], recipient_id=r["recipient_id"]
    )
    assert opened == case_key
    for s in v["reporter"]:
        p = params(s["params"])
        rng = tape(h(s["nonce"]))
        blob = crypto.seal_case_key_for_reporter(
            case_key, s["code"], h(s["salt"]), p, case_id=s["case_id"], rng=rng
        )
        assert blob.hex() == s["blob"]
        opened = crypto.open_case_key_for_reporter(h(s["blob"]), s["code"], case_id=s["case_id"])
        assert opened == case_key


@pytest.mark.parametrize("index", [0, 1, 2])
def test_stream_vectors(load_vectors: Load, tape: TapeFactory, index: int) -> None:
    v = load_vectors("stream.json")[index]
    plaintext = pattern(v["plaintext_pattern_start"], v["plaintext_size"])
    dst = io.BytesIO()
    crypto.encrypt_stream(
        io.BytesIO(plaintext), dst, h(v["key"]), h(v["aad"]), tape(h(v["nonce_prefix"]))
    )
    assert hashlib.sha256(dst.getvalue()).hexdigest() == v["ciphertext_sha256"]
    stored = h(v["ciphertext"]) if "ciphertext" in v else dst.getvalue()
    if "ciphertext" in v:
        assert dst.getvalue() == stored
    out = io.BytesIO()
    written = crypto.decrypt_stream(io.BytesIO(stored), out, h(v["key"]), h(v["aad"]))
    assert written == len(plaintext)
    assert out.getvalue() == plaintext


def test_recovery_vectors(load_vectors: Load) -> None:
    v = load_vectors("recovery.json")
    keypair = crypto.UserKeyPair.from_private_bytes(h(v["private_bytes"]))
    assert crypto.format_recovery_sheet(keypair, v["organisation"], v["created"]) == v["sheet"]
    assert crypto.parse_recovery_sheet(v["sheet"]) == keypair


def test_reporter_key_vectors(load_vectors: Load, tape: TapeFactory) -> None:
    for v in load_vectors("reporter_keys.json"):
        record = h(v["record"])
        made, pair = crypto.make_reporter_key(v["code"], params(v["params"]),
                                              case_id=v["case_id"], rng=tape(h(v["salt"])))
        assert made == record
        assert pair.private_bytes.hex() == v["private_bytes"]
        assert crypto.open_reporter_key(record, v["code"], case_id=v["case_id"]) == pair
        assert crypto.reporter_public_key(record) == pair.public_bytes
