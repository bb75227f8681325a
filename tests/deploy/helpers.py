"""Shared by the recipe tests: a test CA, and the deploy/ files rendered for this machine
(ports, certificates and paths under a temporary folder, so nginx runs without root)."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SNIPPET_PATH = "/etc/nginx/snippets/aktsom-proxy.conf"


def need(program: str) -> str:
    path = shutil.which(program) or (f"/usr/sbin/{program}"
                                     if Path(f"/usr/sbin/{program}").exists() else None)
    if path is None:
        pytest.skip(f"{program} is not installed (.ci/run installs it with apt-get)")
    return path


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


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
