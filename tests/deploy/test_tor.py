"""deploy/tor (issue 17 §3, issue 14 §6): an onion service for the reporter portal only, the
app on loopback, with Tor's proof-of-work defence. Checked by `tor --verify-config` and by
starting tor offline (DisableNetwork), which makes the onion address from the recipe."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from config import Settings, load_settings
from tests.deploy.helpers import (
    DEPLOY,
    guide_installs,
    need,
    render,
    skip_unless_ci,
    split_host_installs,
    systemd_environment,
    unit_values,
)

TORRC = DEPLOY / "tor" / "aktsom-onion.torrc"
ONION_UNIT = DEPLOY / "systemd" / "aktsom-onion.service"
SPLIT = DEPLOY / "split-host"
SECRET = "k7QmXpD9rTfH4bN8wJcLs2Vg6Yz3Ea5Uq1Ro0Ki_-AbCdEfGh"
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
        skip_unless_ci("tor < 0.4.8 has no onion-service proof-of-work defence")
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


def onion_settings(unit: Path, installed: dict[str, Path]) -> Settings:
    environ = systemd_environment(unit.read_text("utf-8"), installed)
    return load_settings(environ={**environ, "AKTSOM_SECRET_KEY": SECRET})


def test_systemd_lets_an_environment_file_override_environment(tmp_path: Path) -> None:
    """The rule the first onion unit missed (issue 17 audit, bug 1): its
    `Environment=AKTSOM_TRUSTED_PROXIES=0` lost to aktsom.env's 1."""
    (tmp_path / "a.env").write_text("X=1\nY=a\n", encoding="utf-8")
    (tmp_path / "b.env").write_text("Y=b\n", encoding="utf-8")
    unit = ("[Service]\nEnvironment=X=0\nEnvironmentFile=/etc/a.env\n"
            "EnvironmentFile=/etc/b.env\nEnvironmentFile=-/etc/missing.env\n")
    assert systemd_environment(unit, {"/etc/a.env": tmp_path / "a.env",
                                      "/etc/b.env": tmp_path / "b.env"}) == {"X": "1", "Y": "b"}


def test_the_onion_app_trusts_no_proxy_header_as_systemd_starts_it() -> None:
    """Bug 1 of the issue 17 audit: tor connects to the onion app directly, so a Tor client's
    own X-Forwarded-For must not be trusted (a fresh rate-limit bucket per request). The
    environment is worked out as systemd does, from the files the guide installs."""
    installed = guide_installs()
    onion = onion_settings(ONION_UNIT, installed)
    assert onion.is_production
    assert onion.trusted_proxies == 0
    # The nginx-facing app on the same host still trusts nginx.
    assert onion_settings(DEPLOY / "systemd" / "aktsom.service", installed).trusted_proxies == 1


def test_the_split_host_onion_app_trusts_no_proxy_header_either() -> None:
    """The same on the public host of deploy/split-host, from its README's install table; the
    onion app there sits beside aktsom-portal.service (which trusts nginx) and needs the
    shared file store writable."""
    installed = split_host_installs("public")
    unit = SPLIT / "aktsom-onion.service"
    assert "/etc/systemd/system/aktsom-onion.service" in installed
    assert installed["/etc/systemd/system/aktsom-onion.service"] == unit.resolve()
    assert installed["/etc/tor/torrc.d/aktsom.conf"] == TORRC.resolve()
    onion = onion_settings(unit, installed)
    assert onion.trusted_proxies == 0
    assert onion_settings(SPLIT / "aktsom-portal.service", installed).trusted_proxies == 1
    text = unit.read_text("utf-8")
    assert "serve --host 127.0.0.1 --port 8001 --app portal" in text
    assert str(onion.storage_dir) in unit_values(text, "ReadWritePaths")
