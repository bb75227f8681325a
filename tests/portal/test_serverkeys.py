"""The server-keys file: keys added after a file was made are added to it on load, mode 0600."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from crypto import certificate_verifying_key
from portal.serverkeys import ServerKeysMissing, create_server_keys, load_server_keys

OLD_NAMES = ("pepper", "certification", "audit", "totp")


def old_file(path: Path) -> dict[str, str]:
    """A keys file as the first release wrote it: four keys only."""
    raw = {name: os.urandom(32).hex() for name in OLD_NAMES}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(raw, handle)
    return raw


@pytest.mark.parametrize("how", ["load", "init"])
def test_an_old_file_gets_the_new_keys_and_keeps_the_old(tmp_path: Path, how: str) -> None:
    path = tmp_path / "server-keys.json"
    before = old_file(path)
    keys = load_server_keys(path) if how == "load" else create_server_keys(path)[0]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    stored = json.loads(path.read_text())
    for name in OLD_NAMES:
        assert stored[name] == before[name]
        assert getattr(keys, name).hex() == before[name]
    for name in ("setup_link", "key_sealing", "password_pepper"):
        assert len(getattr(keys, name)) == 32
        assert stored[name] == getattr(keys, name).hex()
    # Loading again gives the same keys: they are added once, not made anew per process.
    assert load_server_keys(path) == keys
    assert [entry.name for entry in tmp_path.iterdir() if entry.name.endswith(".tmp")] == []


def test_a_damaged_file_is_never_completed(tmp_path: Path) -> None:
    path = tmp_path / "server-keys.json"
    path.write_text(json.dumps({"pepper": os.urandom(32).hex()}))
    with pytest.raises(ServerKeysMissing, match="damaged"):
        load_server_keys(path)
    assert json.loads(path.read_text()).keys() == {"pepper"}


def test_an_old_file_gets_a_certificate_key_pair_once(tmp_path: Path) -> None:
    path = tmp_path / "server-keys.json"
    old_file(path)
    keys = load_server_keys(path)
    assert keys.certificate_signing is not None
    assert certificate_verifying_key(keys.certificate_signing) == keys.certificate_verifying
    assert len(keys.key_possession) == 32
    stored = json.loads(path.read_text())
    assert stored["certificate_signing"] == keys.certificate_signing.hex()
    assert stored["certificate_verifying"] == keys.certificate_verifying.hex()
    assert load_server_keys(path) == keys


def test_a_verify_only_copy_stays_verify_only(tmp_path: Path) -> None:
    """The public portal host's copy lacks the signing key on purpose: loading it must not
    make a new one (it would sign with a key nothing else trusts)."""
    full = tmp_path / "full.json"
    keys, _ = create_server_keys(full)
    raw = json.loads(full.read_text())
    del raw["certificate_signing"]
    portal_copy = tmp_path / "portal.json"
    portal_copy.write_text(json.dumps(raw))
    loaded = load_server_keys(portal_copy)
    assert loaded.certificate_signing is None
    assert loaded.certificate_verifying == keys.certificate_verifying
    assert json.loads(portal_copy.read_text()) == raw


def test_a_signing_key_that_does_not_match_its_verifying_key_is_damage(tmp_path: Path) -> None:
    path = tmp_path / "server-keys.json"
    create_server_keys(path)
    raw = json.loads(path.read_text())
    raw["certificate_verifying"] = certificate_verifying_key(os.urandom(32)).hex()
    path.write_text(json.dumps(raw))
    with pytest.raises(ServerKeysMissing, match="damaged"):
        load_server_keys(path)
