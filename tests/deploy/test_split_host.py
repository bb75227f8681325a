"""deploy/split-host (issue 17 §3): the worked example of a public portal host and an
internal staff host. Both nginx sites pass `nginx -t` with Debian's nginx, and every
environment file of deploy/ loads as valid production settings with the keys file apart
from the data it protects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from admin.scheduled_jobs import SCHEDULED_JOBS
from config import load_settings
from loadtest.service import free_port
from portal.serverkeys import keys_file_exposure
from tests.deploy.helpers import (
    DEPLOY,
    make_test_ca,
    need,
    nginx_check,
    nginx_main_conf,
    read_environment_file,
    render_site,
    split_host_installs,
    split_host_table,
    systemd_environment,
    unit_values,
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
    # As systemd's EnvironmentFile and `set -a; . FILE` both read it.
    return {**read_environment_file(path), "AKTSOM_SECRET_KEY": SECRET}


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


SYSTEMD = "/etc/systemd/system/"


def test_every_row_of_the_install_table_names_a_recipe_and_a_host() -> None:
    rows = split_host_table()
    assert len(rows) >= 10
    for source, host, _target in rows:
        assert host in ("public", "internal"), source
        assert (SPLIT / source).is_file(), source


def test_the_scheduled_jobs_backup_included_run_on_the_internal_host() -> None:
    """Gap 4 of the issue 17 audit: the README's table had no aktsom-backup units."""
    internal, public = split_host_installs("internal"), split_host_installs("public")
    for job in SCHEDULED_JOBS:
        for suffix in ("service", "timer"):
            target = f"{SYSTEMD}aktsom-{job.command}.{suffix}"
            assert internal.get(target) == (DEPLOY / "systemd" / target[len(SYSTEMD):]).resolve()
            assert target not in public


def test_every_timer_runs_on_the_internal_host() -> None:
    """The supplier register's year-end timer is not a scheduled job with a heartbeat; it
    runs beside them all the same."""
    internal, public = split_host_installs("internal"), split_host_installs("public")
    timers = sorted((DEPLOY / "systemd").glob("*.timer"))
    assert DEPLOY / "systemd" / "aktsom-suppliers-year-end.timer" in timers
    for timer in timers:
        for unit in (timer, timer.with_suffix(".service")):
            assert internal.get(SYSTEMD + unit.name) == unit.resolve(), unit.name
            assert SYSTEMD + unit.name not in public


def _served_ports(units: dict[str, Path]) -> set[int]:
    ports = set()
    for target, recipe in units.items():
        if target.endswith(".service"):
            for line in unit_values(recipe.read_text("utf-8"), "ExecStart"):
                found = re.search(r" serve --host 127\.0\.0\.1 --port (\d+)", line)
                if found:
                    ports.add(int(found.group(1)))
    return ports


def test_each_host_serves_the_ports_its_nginx_and_tor_point_to() -> None:
    """Gap 4: the torrc was listed for the public host, whose services did not serve its
    port 8001 (only aktsom-onion.service does)."""
    for host in ("public", "internal"):
        installed = split_host_installs(host)
        served = _served_ports(installed)
        wanted = set()
        for target, recipe in installed.items():
            text = recipe.read_text("utf-8")
            if target.startswith("/etc/nginx/sites-available/"):
                wanted |= {int(port) for port in
                           re.findall(r"proxy_pass http://127\.0\.0\.1:(\d+);", text)}
            if target.startswith("/etc/tor/"):
                wanted |= {int(port) for port in
                           re.findall(r"^HiddenServicePort \d+ 127\.0\.0\.1:(\d+)$", text,
                                      re.MULTILINE)}
        assert wanted, host
        assert wanted <= served, (host, wanted - served)


def test_every_unit_that_writes_the_shared_store_may_write_it() -> None:
    """ProtectSystem=strict makes /srv read-only: the apps (uploads) and `aktsom purge`
    (deletions) need ReadWritePaths= for the shared store, in the unit or a drop-in."""
    for host in ("public", "internal"):
        installed = split_host_installs(host)
        for target, recipe in installed.items():
            if not target.endswith(".service"):
                continue
            text = recipe.read_text("utf-8")
            if not re.search(r"^ExecStart=.*/aktsom (serve|purge)\b", text, re.MULTILINE):
                continue
            drop_ins = [path.read_text("utf-8") for name, path in installed.items()
                        if name.startswith(f"{target}.d/") and name.endswith(".conf")]
            store = load_settings(environ={**systemd_environment(text, installed),
                                           "AKTSOM_SECRET_KEY": SECRET}).storage_dir
            writable = [value for unit in (text, *drop_ins)
                        for value in unit_values(unit, "ReadWritePaths")]
            assert str(store) in writable, (host, target)
