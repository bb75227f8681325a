"""Server keys kept outside the database (design §3): the case-code look-up pepper, the Ed25519
key that signs staff key certificates (and its public half, which verifies them), the key that
marks a key its holder has shown to be theirs, the audit-chain key, the key that seals TOTP
secrets, the key that signs the first-administrator link and the two peppers that keep staff
passwords and sealed private keys from being guessed offline.

They are made once by `aktsom init` into a file readable by the service user only. A copy of
the database alone therefore cannot certify a rogue handler key, rewrite the audit chain, forge
a set-up link or test password guesses.

A host that only serves reporters may keep a copy of the file without `certificate_signing`:
it then verifies certificates (`certificate_verifying`) but can never issue one, and the
signing key is not added back on load.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from config import Settings
from crypto import certificate_verifying_key, new_certificate_signing_key

# The keys of the first release: a file without one of them is damaged, not old.
_ORIGINAL = ("pepper", "certification", "audit", "totp")
# Keys added since: a file made before them gets them on its next load or `aktsom init`.
_ADDED = ("setup_link", "key_sealing", "password_pepper", "key_possession")
_NAMES = _ORIGINAL + _ADDED
# The certificate key pair: the signing half may be left out on purpose (see above).
_SIGNING = "certificate_signing"
_VERIFYING = "certificate_verifying"


class ServerKeysMissing(RuntimeError):
    """The key file has not been made yet: run `aktsom init`."""


@dataclass(frozen=True)
class ServerKeys:
    pepper: bytes
    # The first release's HMAC certification key: read once by the certificate upgrade
    # (portal.key_directory), never used to vouch for a key again.
    certification: bytes
    audit: bytes
    totp: bytes
    # HMAC key of the one-time first-administrator link.
    setup_link: bytes
    # Mixed into the key that seals each staff private key (crypto.seal_private_key).
    key_sealing: bytes
    # Mixed into the password before it is hashed with Argon2id for sign-in.
    password_pepper: bytes
    # HMAC key of the possession tags: "this key's holder showed they hold it".
    key_possession: bytes
    # Ed25519 public key that verifies key certificates (crypto.verify_key_certificate).
    certificate_verifying: bytes
    # Its private half, which issues them; None on a host that may only verify.
    certificate_signing: bytes | None = field(default=None, repr=False)

    @classmethod
    def generate(cls) -> ServerKeys:
        signing = new_certificate_signing_key()
        return cls(**{name: secrets.token_bytes(32) for name in _NAMES},
                   certificate_verifying=certificate_verifying_key(signing),
                   certificate_signing=signing)

    def to_raw(self) -> dict[str, str]:
        """The file's content: every key in hex."""
        raw = {name: getattr(self, name).hex() for name in _NAMES}
        raw[_VERIFYING] = self.certificate_verifying.hex()
        if self.certificate_signing is not None:
            raw[_SIGNING] = self.certificate_signing.hex()
        return raw


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ServerKeysMissing(f"{path} does not exist; run `aktsom init` first") from None
    if not isinstance(raw, dict) or any(name not in raw for name in _ORIGINAL):
        # Never make a new pepper or certification key here: every case and key would break.
        raise ServerKeysMissing(f"{path} is damaged; restore it from its backup")
    return raw


def _from_raw(raw: dict[str, Any], path: Path) -> ServerKeys:
    signing = bytes.fromhex(raw[_SIGNING]) if _SIGNING in raw else None
    verifying = bytes.fromhex(raw[_VERIFYING])
    if signing is not None and certificate_verifying_key(signing) != verifying:
        raise ServerKeysMissing(f"{path} is damaged (the certificate keys do not belong "
                                "together); restore it from its backup")
    return ServerKeys(**{name: bytes.fromhex(raw[name]) for name in _NAMES},
                      certificate_verifying=verifying, certificate_signing=signing)


def _incomplete(raw: dict[str, Any]) -> bool:
    # Only a verifying key is a verify-only host's copy, complete as it is.
    return any(name not in raw for name in _ADDED) or _VERIFYING not in raw


def load_server_keys(path: Path) -> ServerKeys:
    """Read the keys; keys added since the file was made are added to it first."""
    raw = _read(path)
    if _incomplete(raw):
        raw = _add_missing_keys(path)
    return _from_raw(raw, path)


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    # Several workers may load an old file at once: without the lock each would add its own
    # random keys and all but the last would seal private keys under a key that is lost.
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _write_new_file(path: Path, raw: dict[str, Any]) -> None:
    """Replace `path` atomically by a file of mode 0600 holding `raw`."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(raw, indent=2))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _add_missing_keys(path: Path) -> dict[str, Any]:
    try:
        with _exclusive(path):
            raw = _read(path)  # again under the lock: another process may have added them
            if _incomplete(raw):
                raw.update({name: secrets.token_bytes(32).hex() for name in _ADDED
                            if name not in raw})
                if _VERIFYING not in raw:
                    signing = (bytes.fromhex(raw[_SIGNING]) if _SIGNING in raw
                               else new_certificate_signing_key())
                    raw[_SIGNING] = signing.hex()
                    raw[_VERIFYING] = certificate_verifying_key(signing).hex()
                _write_new_file(path, raw)
            return raw
    except PermissionError:
        raise ServerKeysMissing(
            f"{path} lacks keys added in this version and cannot be changed by this user; "
            "run `aktsom init` as the file's owner"
        ) from None


def create_server_keys(path: Path) -> tuple[ServerKeys, bool]:
    """Load the keys, making them first if the file does not exist. Returns (keys, created)."""
    if path.exists():
        return load_server_keys(path), False
    keys = ServerKeys.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(keys.to_raw(), indent=2)
    # O_EXCL: two processes racing at first start must not overwrite each other's keys.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(payload)
    return keys, True


def keys_file_exposure(settings: Settings) -> str | None:
    """A warning when the keys file lies in the folder that holds the SQLite database or the
    file store: a naive backup of that folder carries the data together with its keys."""
    keys_file = settings.server_keys_file.resolve()
    holders = [("the file store", settings.storage_dir.resolve().parent)]
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        holders.insert(0, ("the database", Path(str(url.database)).resolve().parent))
    for what, folder in holders:
        # A data folder at the file-system root would make every path "inside" it.
        if folder.parent != folder and keys_file.is_relative_to(folder):
            return (
                f"Warning: the server-keys file {keys_file} lies in {folder}, which holds "
                f"{what}. A backup of that folder takes the data together with the keys that "
                "protect it. Move the keys file and the files beside it (audit-anchors, "
                "setup-done) to a folder of their own, e.g. /etc/aktsom/, set "
                "AKTSOM_SERVER_KEYS_FILE, and back it up separately."
            )
    return None
