"""Shared by the recipe tests: a test CA, and the deploy/ files rendered for this machine
(ports, certificates and paths under a temporary folder, so nginx runs without root)."""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SNIPPET_PATH = "/etc/nginx/snippets/aktsom-proxy.conf"


def in_ci() -> bool:
    """CI=true, as .ci/run (and most CI services) set it."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def skip_unless_ci(reason: str) -> NoReturn:
    """Skip on a developer's machine; under CI a recipe test that cannot run fails, so a run
    that silently skipped the real nginx, tor or systemd cannot pass as a green one."""
    if in_ci():
        pytest.fail(f"{reason}; under CI=true the recipe tests must run, not skip",
                    pytrace=False)
    pytest.skip(reason)


def need(program: str) -> str:
    path = shutil.which(program) or (f"/usr/sbin/{program}"
                                     if Path(f"/usr/sbin/{program}").exists() else None)
    if path is None:
        skip_unless_ci(f"{program} is not installed (.ci/run installs it with apt-get)")
    return path


def unit_values(unit_text: str, key: str) -> list[str]:
    """The values of every `key=` line of a systemd unit, in order."""
    return re.findall(rf"^{re.escape(key)}=(.*)$", unit_text, re.MULTILINE)


def read_environment_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (and `set -a; . FILE` does):
    blank lines and lines starting with # or ; are skipped, quotes are removed."""
    environ = {}
    for line in path.read_text("utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        key, separator, value = stripped.partition("=")
        assert separator, f"{path.name}: not KEY=VALUE: {line!r}"
        words = shlex.split(value)
        environ[key.strip()] = words[0] if words else ""
    return environ


def systemd_environment(unit_text: str, installed: Mapping[str, Path]) -> dict[str, str]:
    """The environment systemd gives a unit's processes (systemd.exec(5)): first every
    `Environment=` assignment in order, then every `EnvironmentFile=` in order, each file
    overriding what came before it, `Environment=` included. `installed` maps the paths the
    unit names to the recipe files the guide installs there; a path without the `-` prefix
    that nothing installs is a unit that would not start."""
    environ: dict[str, str] = {}
    for value in unit_values(unit_text, "Environment"):
        if not value.strip():
            environ.clear()
            continue
        for assignment in shlex.split(value):
            key, _, setting = assignment.partition("=")
            environ[key] = setting
    for value in unit_values(unit_text, "EnvironmentFile"):
        optional = value.startswith("-")
        path = value.removeprefix("-").strip()
        if path not in installed:
            assert optional, f"{path} is read by the unit but nothing installs it"
            continue
        environ.update(read_environment_file(installed[path]))
    return environ


@dataclass(frozen=True)
class LocalCA:
    ca_file: Path
    cert_file: Path
    key_file: Path


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_test_ca(folder: Path, host: str = "localhost") -> LocalCA:
    """A CA and a server certificate it signed for `host` and 127.0.0.1."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Aktsom test CA"))
          .issuer_name(_name("Aktsom test CA")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(host)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName(host), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    made = LocalCA(folder / "ca.pem", folder / f"{host}.pem", folder / f"{host}.key")
    made.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    made.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    made.key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return made


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the process ended with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {seconds} s")


def render(text: str, replacements: dict[str, str]) -> str:
    """Replace each exact string; one that is missing means the recipe changed under the
    test, which must then be updated rather than pass on a stale copy."""
    for old, new in replacements.items():
        assert old in text, f"{old!r} no longer in the recipe"
        text = text.replace(old, new)
    return text


def nginx_main_conf(folder: Path, site: Path) -> Path:
    """What Debian's /etc/nginx/nginx.conf does around a site, with every path under
    `folder`; including Debian's http-level access log, which the site must switch off."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/main-error.log;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    access_log {folder}/access.log;
    include {site};
}}
""", encoding="utf-8")
    return conf


def render_site(recipe: Path, folder: Path, tls: LocalCA, *, http_port: int, https_port: int,
                app_port: int, certificate_paths: tuple[str, str]) -> Path:
    """The nginx site of `recipe` for this machine."""
    text = recipe.read_text("utf-8")
    replacements = {
        certificate_paths[0]: str(tls.cert_file),
        certificate_paths[1]: str(tls.key_file),
        "/var/log/nginx/aktsom-error.log": str(folder / "aktsom-error.log"),
        SNIPPET_PATH: str(DEPLOY / "nginx" / "aktsom-proxy.conf"),
        "proxy_pass http://127.0.0.1:8000;": f"proxy_pass http://127.0.0.1:{app_port};",
    }
    if "listen 80;" in text:
        replacements["listen 80;"] = f"listen 127.0.0.1:{http_port};"
        replacements["listen [::]:80;"] = ""
    if "listen [::]:443 ssl http2;" in text:
        replacements["listen [::]:443 ssl http2;"] = ""
    replacements["listen 443 ssl http2;"] = f"listen 127.0.0.1:{https_port} ssl http2;"
    site = folder / recipe.name
    site.write_text(render(text, replacements), encoding="utf-8")
    return site


def nginx_check(conf: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NGINX, "-t", "-p", str(folder), "-e", str(folder / "startup.log"),
                           "-c", str(conf)], capture_output=True, text=True, check=False)


GUIDE = ROOT / "docs" / "deployment.md"
SPLIT_README = DEPLOY / "split-host" / "README.md"
_SEPARATORS = {"&&", "||", ";", "|"}
# install(1)'s options that take a value.
_INSTALL_VALUE_OPTIONS = {"-m", "-g", "-o", "--mode", "--group", "--owner"}


def shell_commands(markdown: str) -> list[list[str]]:
    """Each simple command of the document's ```sh blocks, as its words: continuation lines
    joined, comments dropped, `&&`, `||`, `;` and `|` separating commands."""
    commands: list[list[str]] = []
    for block in re.findall(r"^```sh\n(.*?)^```", markdown, re.MULTILINE | re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            if line.lstrip().startswith("aktsom()"):
                continue  # the shell function of §2, not a command
            current: list[str] = []
            for word in shlex.split(line, comments=True):
                if word in _SEPARATORS:
                    commands.append(current)
                    current = []
                else:
                    current.append(word)
            commands.append(current)
    return [command for command in commands if command]


def copied_files(commands: list[list[str]]) -> dict[str, str]:
    """Installed path -> deploy/ recipe, for every `cp` and `install` (not `install -d`) of a
    deploy/ file in `commands`; a target ending in / is a folder."""
    installed: dict[str, str] = {}
    for command in commands:
        if command[0] not in ("cp", "install") or "-d" in command:
            continue
        operands: list[str] = []
        words = iter(command[1:])
        for word in words:
            if command[0] == "install" and word in _INSTALL_VALUE_OPTIONS:
                next(words)
            elif not word.startswith("-"):
                operands.append(word)
        *sources, target = operands
        for source in sources:
            if source.startswith("deploy/"):
                name = source.rsplit("/", 1)[1]
                installed[target + name if target.endswith("/") else target] = source
    return installed


def _expand_braces(text: str) -> list[str]:
    found = re.search(r"\{([^{}]*)\}", text)
    if found is None:
        return [text]
    return [expanded for choice in found.group(1).split(",")
            for expanded in _expand_braces(text[:found.start()] + choice + text[found.end():])]


def split_host_table() -> list[tuple[str, str, str]]:
    """(recipe relative to deploy/split-host, host, installed path) for each row of the
    split-host README's table, braces expanded; host is "public" or "internal"."""
    rows = []
    for source, host, target in re.findall(r"^\| `([^`]+)` \| (\w+)[^|]*\| `([^`]+)` \|$",
                                           SPLIT_README.read_text("utf-8"), re.MULTILINE):
        for path in _expand_braces(source):
            name = path.rsplit("/", 1)[-1]
            rows.append((path, host, target + name if target.endswith("/") else target))
    return rows


def split_host_installs(host: str) -> dict[str, Path]:
    """Installed path -> recipe file on `host` ("public" or "internal")."""
    return {target: (DEPLOY / "split-host" / source).resolve()
            for source, where, target in split_host_table() if where == host}


def guide_installs() -> dict[str, Path]:
    """Installed path -> recipe file, as docs/deployment.md installs them on one host."""
    return {target: ROOT / source
            for target, source in copied_files(shell_commands(GUIDE.read_text("utf-8"))).items()}
