"""deploy/split-host (issue 17 §3): the worked example of a public portal host and an
internal staff host. Both nginx sites pass `nginx -t` with Debian's nginx, and every
environment file of deploy/ loads as valid production settings with the keys file apart
from the data it protects."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from config import load_settings
from portal.serverkeys import keys_file_exposure
from tests.deploy.helpers import (
    DEPLOY,
    free_port,
    make_test_ca,
    need,
    nginx_check,
    nginx_main_conf,
    render_site,
)

SPLIT = DEPLOY / "split-host"
SITES = {
    "portal-host.nginx.conf": ("/etc/letsencrypt/live/report.example.org/fullchain.pem",
                               "/etc/letsencrypt/live/report.example.org/privkey.pem"),
    "admin-host.nginx.conf": ("/etc/ssl/aktsom/aktsom.corp.example.pem",
                              "/etc/ssl/aktsom/aktsom.corp.example.key"),
}
SECRET = "k7QmXpD9rTfH4bN8wJcLs2Vg6Yz3Ea5Uq1Ro0Ki_-AbCdEfGh"


@pytest.mark.parametrize("name", sorted(SITES))
def test_nginx_site_passes_nginx_t(name: str, tmp_path: Path) -> None:
    need("nginx")
    tls = make_test_ca(tmp_path / "tls")
    site = render_site(SPLIT / name, tmp_path, tls, http_port=free_port(),
                       https_port=free_port(), app_port=free_port(),
                       certificate_paths=SITES[name])
    done = nginx_check(nginx_main_conf(tmp_path, site), tmp_path)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_the_staff_side_is_internal_and_absent_from_the_public_host() -> None:
    public = (SPLIT / "portal-host.nginx.conf").read_text("utf-8")
    assert "location /admin {\n        return 404;" in public
    internal = (SPLIT / "admin-host.nginx.conf").read_text("utf-8")
    assert "deny all;" in internal
    assert internal.index("allow 10.0.0.0/8;") < internal.index("deny all;")
    for text in (public, internal):
        assert text.count("access_log off;") == text.count("server {")


def environment_file(path: Path) -> dict[str, str]:
    environ = {}
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            # As systemd's EnvironmentFile and `set -a; . FILE` both read it.
            key, _, value = line.partition("=")
            environ[key.strip()] = shlex.split(value)[0] if value.strip() else ""
    environ["AKTSOM_SECRET_KEY"] = SECRET
    return environ


@pytest.mark.parametrize("path", [DEPLOY / "aktsom.env", SPLIT / "portal.env",
                                  SPLIT / "admin.env"], ids=lambda path: path.name)
def test_environment_files_are_valid_production_settings(path: Path) -> None:
    assert "AKTSOM_SECRET_KEY=REPLACE-WITH-A-RANDOM-KEY" in path.read_text("utf-8")
    settings = load_settings(environ=environment_file(path))
    assert settings.is_production
    assert settings.trusted_proxies == 1
    assert keys_file_exposure(settings) is None
    assert settings.workers == 1 or settings.redis_url


def test_both_hosts_share_database_redis_and_store() -> None:
    portal = load_settings(environ=environment_file(SPLIT / "portal.env"))
    staff = load_settings(environ=environment_file(SPLIT / "admin.env"))
    assert portal.database_url.split("@")[1] == staff.database_url.split("@")[1]
    assert portal.redis_url == staff.redis_url
    assert portal.storage_dir == staff.storage_dir
