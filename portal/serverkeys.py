"""Server keys kept outside the database (design §3): the case-code look-up pepper, the key that
certifies staff public keys, the audit-chain key and the key that seals TOTP secrets.

They are made once by `aktsom init` into a file readable by the service user only. A copy of
the database alone therefore cannot certify a rogue handler key or rewrite the audit chain.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

_NAMES = ("pepper", "certification", "audit", "totp")


class ServerKeysMissing(RuntimeError):
    """The key file has not been made yet: run `aktsom init`."""


@dataclass(frozen=True)
class ServerKeys:
    pepper: bytes
    certification: bytes
    audit: bytes
    totp: bytes

    @classmethod
    def generate(cls) -> ServerKeys:
        return cls(**{name: secrets.token_bytes(32) for name in _NAMES})


def load_server_keys(path: Path) -> ServerKeys:
    try:
        raw = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ServerKeysMissing(f"{path} does not exist; run `aktsom init` first") from None
    return ServerKeys(**{name: bytes.fromhex(raw[name]) for name in _NAMES})


def create_server_keys(path: Path) -> tuple[ServerKeys, bool]:
    """Load the keys, making them first if the file does not exist. Returns (keys, created)."""
    if path.exists():
        return load_server_keys(path), False
    keys = ServerKeys.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({name: getattr(keys, name).hex() for name in _NAMES}, indent=2)
    # O_EXCL: two processes racing at first start must not overwrite each other's keys.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(payload)
    return keys, True
