"""deploy/tor (issue 17 §3, issue 14 §6): an onion service for the reporter portal only, the
app on loopback, with Tor's proof-of-work defence. Checked by `tor --verify-config` and by
starting tor offline (DisableNetwork), which makes the onion address from the recipe."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.deploy.helpers import DEPLOY, need, render

TORRC = DEPLOY / "tor" / "aktsom-onion.torrc"
ONION_UNIT = DEPLOY / "systemd" / "aktsom-onion.service"
HS_DIR = "/var/lib/tor/aktsom-portal/"


def tor_version(program: str) -> tuple[int, ...]:
    output = subprocess.run([program, "--version"], capture_output=True, text=True,
                            check=True).stdout
    found = re.search(r"Tor version (\d+)\.(\d+)\.(\d+)", output)
    assert found is not None, output
    return tuple(int(part) for part in found.groups())


def offline_torrc(folder: Path) -> Path:
    """The recipe with its folders under `folder`, and tor kept off the network."""
    service = folder / "hs"
    service.mkdir(mode=0o700)
    data = folder / "data"
    data.mkdir(mode=0o700)
    folder.chmod(0o700)
    torrc = folder / "torrc"
    torrc.write_text(render(TORRC.read_text("utf-8"), {HS_DIR: f"{service}/"})
                     + f"DataDirectory {data}\nSocksPort 0\nDisableNetwork 1\n"
                     f"Log notice file {folder / 'tor.log'}\n", encoding="utf-8")
    return torrc


@pytest.fixture
def tor() -> str:
    program = need("tor")
    if tor_version(program) < (0, 4, 8):
        pytest.skip("tor < 0.4.8 has no onion-service proof-of-work defence")
    return program


def test_the_recipe_verifies(tor: str, tmp_path: Path) -> None:
    done = subprocess.run([tor, "--verify-config", "-f", str(offline_torrc(tmp_path))],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Configuration was valid" in done.stdout


def test_a_misspelt_option_fails_verification(tor: str, tmp_path: Path) -> None:
    torrc = offline_torrc(tmp_path)
    torrc.write_text(torrc.read_text("utf-8").replace("HiddenServicePoWDefensesEnabled",
                                                      "HiddenServicePowDefenceEnabled"))
    done = subprocess.run([tor, "--verify-config", "-f", str(torrc)], capture_output=True,
                          text=True, check=False)
    assert done.returncode != 0


def test_tor_starts_offline_and_makes_the_onion_address(tor: str, tmp_path: Path) -> None:
    torrc = offline_torrc(tmp_path)
    process = subprocess.Popen([tor, "-f", str(torrc)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    hostname = tmp_path / "hs" / "hostname"
    try:
        deadline = time.monotonic() + 30
        while not hostname.exists() and time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "tor.log").read_text("utf-8")
            time.sleep(0.2)
        assert re.fullmatch(r"[a-z2-7]{56}\.onion\n", hostname.read_text("utf-8"))
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_onion_reaches_the_portal_only_on_loopback() -> None:
    torrc = TORRC.read_text("utf-8")
    assert re.search(r"^HiddenServicePoWDefensesEnabled 1$", torrc, re.MULTILINE)
    ports = re.findall(r"^HiddenServicePort (\d+) (\S+)$", torrc, re.MULTILINE)
    assert ports == [("80", "127.0.0.1:8001")]
    unit = ONION_UNIT.read_text("utf-8")
    assert "serve --host 127.0.0.1 --port 8001 --app portal" in unit
    # tor connects directly: no proxy header to trust.
    assert "Environment=AKTSOM_TRUSTED_PROXIES=0" in unit
