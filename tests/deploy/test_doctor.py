"""`aktsom doctor` (issue 17 §4): a healthy production deployment passes with exit code 0, and
each seeded misconfiguration is found, printed with its fix, and fails with exit code 2 (1 for
warnings only), as monitoring expects."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select

import admin
from admin.cli import cli
from admin.doctor import Severity, check_jobs, check_proxy
from config import SettingsError, load_settings
from portal.db import engine_of, session_factory, transaction, utcnow
from portal.heartbeats import last_runs, record_heartbeat
from portal.models import JobHeartbeat, Role, UnitMembership, User
from supplier_dd.models import Supplier
from tests.conftest import AktsomRunner
from tests.factories import make_handler, make_recovery_key, make_unit

SECRET = "k7QmXpD9rTfH4bN8wJcLs2Vg6Yz3Ea5Uq1Ro0Ki_-AbCdEfGh"
JOBS = ("purge", "notify-deadlines", "notify")


@pytest.fixture
def production(make_settings: Any, database_url: str, tmp_path: Path) -> Iterator[Any]:
    """Build a staff app with production settings that doctor finds healthy, unless told."""
    made: list[Flask] = []

    def _make(**overrides: Any) -> Flask:
        values: dict[str, Any] = {
            "env": "production", "secret_key": SECRET, "database_url": database_url,
            "server_keys_file": tmp_path / "etc" / "server-keys.json",
            "smtp_url": "smtp://127.0.0.1:2525", "trusted_proxies": 1}
        values.update(overrides)
        app = admin.create_app(make_settings(**values))
        app.config.update(TESTING=True)
        made.append(app)
        return app

    yield _make
    for app in made:
        engine_of(app).dispose()


def healthy(app: Flask, *, backup: bool = True) -> None:
    """An administrator, a company with a certified handler, the recovery key, every job run
    (the backup too, unless `backup=False`)."""
    unit = make_unit(app, "NORDIC", "Nordic AS")
    make_handler(app, "Handler", [unit])
    make_handler(app, "Admin", [], roles=(Role.ADMIN,))
    make_recovery_key(app)
    beat(app, *JOBS, *(("backup",) if backup else ()))


def beat(app: Flask, *jobs: str, ago: timedelta = timedelta(0)) -> None:
    with transaction(session_factory(app)) as db:
        for job in jobs:
            record_heartbeat(db, job, utcnow() - ago)


def doctor(app: Flask, *args: str) -> Result:
    result: Result = AktsomRunner(app).invoke(args=["doctor", *args])
    return result


def test_healthy_production_deployment_exits_0(production: Any) -> None:
    app = production()
    healthy(app)
    result = doctor(app)
    assert result.exit_code == 0, result.output
    assert "OK: no problem found." in result.output
    assert "PROBLEM" not in result.output
    assert "WARNING" not in result.output
    # `aktsom backup` is in this release, so its heartbeat is checked, not skipped.
    assert "Backups not checked" not in result.output


def test_keys_file_readable_by_others_is_a_problem(production: Any, tmp_path: Path) -> None:
    app = production()
    healthy(app)
    (tmp_path / "etc" / "server-keys.json").chmod(0o644)
    result = doctor(app)
    assert result.exit_code == 2, result.output
    assert "can be read by others (mode 644)" in result.output
    assert f"chmod 600 {tmp_path / 'etc' / 'server-keys.json'}" in result.output


def test_keys_file_beside_the_database_is_a_problem(production: Any, tmp_path: Path) -> None:
    app = production(server_keys_file=tmp_path / "instance" / "server-keys.json")
    healthy(app)
    result = doctor(app)
    assert result.exit_code == 2, result.output
    assert "lies beside the data it protects" in result.output
    assert "AKTSOM_SERVER_KEYS_FILE" in result.output


def test_missing_keys_file_is_a_problem(production: Any, tmp_path: Path) -> None:
    app = production()
    healthy(app)
    (tmp_path / "etc" / "server-keys.json").rename(tmp_path / "elsewhere.json")
    result = doctor(app)
    assert result.exit_code == 2, result.output
    assert "does not exist" in result.output
    assert "aktsom init" in result.output


@pytest.mark.parametrize(("environ", "named"), [
    ({"AKTSOM_ENV": "production", "AKTSOM_SECRET_KEY": "short"}, "AKTSOM_SECRET_KEY"),
    ({"AKTSOM_ENV": "production", "AKTSOM_SECRET_KEY": SECRET, "AKTSOM_WORKERS": "2"},
     "AKTSOM_REDIS_URL"),
])
def test_refused_production_settings_are_a_problem(environ: dict[str, str], named: str) -> None:
    def create_app() -> Flask:
        return admin.create_app(load_settings(environ=environ))

    with pytest.raises(SettingsError):
        create_app()
    result = CliRunner().invoke(cli, ["doctor"], obj=ScriptInfo(create_app=create_app))
    assert result.exit_code == 2, result.output
    assert "The settings are refused" in result.output
    assert named in result.output


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_redis_for_several_workers_not_answering_is_a_problem(production: Any) -> None:
    app = production(workers=2, redis_url=f"redis://127.0.0.1:{_closed_port()}/0")
    healthy(app)
    result = doctor(app)
    assert result.exit_code == 2, result.output
    assert "Redis does not answer" in result.output


@pytest.mark.parametrize("job", JOBS)
def test_a_job_that_never_ran_is_a_problem(production: Any, job: str) -> None:
    app = production()
    healthy(app)
    with transaction(session_factory(app)) as db:
        db.delete(db.get(JobHeartbeat, job))
    result = doctor(app)
    assert result.exit_code == 2, result.output
    assert f"`aktsom {job}` has never run." in result.output
    assert f"aktsom-{job}.timer" in result.output


def test_a_job_that_stopped_running_is_a_problem(production: Any) -> None:
    app = production()
    healthy(app)
    beat(app, "purge", ago=timedelta(days=3))
    beat(app, "notify", ago=timedelta(minutes=30))  # within its hour: fine
    result = doctor(app)
    assert result.exit_code == 2, result.output
    assert "`aktsom purge` last ran" in result.output
    assert "journalctl -u aktsom-purge.service" in result.output
    assert "`aktsom notify` last ran" not in result.output


def test_missing_recovery_key_is_a_problem(production: Any) -> None:
    app = production()
    unit = make_unit(app, "NORDIC", "Nordic AS")
    make_handler(app, "Handler", [unit])
    make_handler(app, "Admin", [], roles=(Role.ADMIN,))
    beat(app, *JOBS)
    result = doctor(app)
    assert result.exit_code == 2, result.output
    assert "No certified recovery key" in result.output
    assert "aktsom init --recovery-sheet" in result.output


def _change_handler(app: Flask, change: Callable[[User], object]) -> str:
    """Change the healthy deployment's handler in the database, behind the account pages'
    back; returns the handler's e-mail address."""
    with transaction(session_factory(app)) as db:
        handler = db.scalar(select(User).where(User.name == "Handler"))
        assert handler is not None
        change(handler)
        return handler.email


def test_handler_certificate_that_does_not_hold_is_a_problem(production: Any) -> None:
    app = production()
    healthy(app)

    def forge(handler: User) -> None:
        forged = bytearray(handler.key_certificate or b"")
        forged[-1] ^= 1
        handler.key_certificate = bytes(forged)

    email = _change_handler(app, forge)
    result = doctor(app)
    assert result.exit_code == 2, result.output
    assert f"The key certificate of {email} does not hold (invalid)" in result.output
    # The company has no other handler: the channel cannot receive its reports either.
    assert "Company NORDIC cannot receive reports" in result.output


def test_roles_beyond_the_certificate_are_a_problem(production: Any) -> None:
    """A certificate for one company, a membership of a second written into the database:
    the key exceeds what was approved."""
    app = production()
    healthy(app)
    baltic = make_unit(app, "BALTIC", "Baltic UAB")
    make_handler(app, "Baltic handler", [baltic])
    email = _change_handler(
        app, lambda handler: handler.memberships.append(UnitMembership(unit_id=baltic)))
    result = doctor(app)
    assert result.exit_code == 2, result.output
    assert f"The key certificate of {email} does not hold (exceeds)" in result.output
    assert "have a second administrator approve the key again" in result.output


def test_a_handler_without_a_certified_key_yet_is_a_warning(production: Any) -> None:
    app = production()
    healthy(app)
    baltic = make_unit(app, "BALTIC", "Baltic UAB")
    make_handler(app, "Baltic handler", [baltic])
    waiting = make_handler(app, "New handler", [baltic], certified=False)
    with transaction(session_factory(app)) as db:
        user = db.get(User, waiting.user_id)
        assert user is not None
        email = user.email
    result = doctor(app)
    assert result.exit_code == 1, result.output
    assert f"{email} has roles that receive reports but no certified key yet." in result.output
    assert "PROBLEM" not in result.output


def test_company_without_certified_handler_is_a_problem(production: Any) -> None:
    app = production()
    healthy(app)
    make_unit(app, "BALTIC", "Baltic UAB")
    result = doctor(app)
    assert result.exit_code == 2, result.output
    assert "Company BALTIC cannot receive reports" in result.output
    assert "Company NORDIC" not in result.output


def test_fresh_install_without_administrator_or_company_is_a_problem(production: Any) -> None:
    app = production()
    make_recovery_key(app)
    beat(app, *JOBS, "backup")
    result = doctor(app)
    assert result.exit_code == 2, result.output
    assert "No administrator exists." in result.output
    assert "No company (org unit) exists" in result.output


def test_development_settings_are_warnings_exit_1(production: Any, tmp_path: Path) -> None:
    app = production(env="development", smtp_url=None, trusted_proxies=0)
    healthy(app)
    result = doctor(app)
    assert result.exit_code == 1, result.output
    assert "AKTSOM_ENV is development" in result.output
    assert "No AKTSOM_SMTP_URL" in result.output
    assert "PROBLEM" not in result.output


def test_production_without_trusted_proxy_is_a_warning(production: Any) -> None:
    app = production(trusted_proxies=0)
    healthy(app)
    result = doctor(app)
    assert result.exit_code == 1, result.output
    assert "AKTSOM_TRUSTED_PROXIES is 0" in result.output


def _fetch_through(app: Flask, headers: dict[str, str]) -> Any:
    client = app.test_client()

    def fetch(url: str) -> tuple[dict[str, str], bytes]:
        response = client.get(url.split("example.org", 1)[1], headers=headers)
        return dict(response.headers.items()), response.get_data()

    return fetch


def test_proxy_probe_sees_forwarded_headers_only_when_trusted(make_portal_app: Any) -> None:
    import portal  # noqa: F401 (the probe is a portal route)

    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    trusted = make_portal_app(trusted_proxies=1, hsts=True)
    assert check_proxy("https://example.org/", _fetch_through(trusted, forwarded)) == []
    untrusted = make_portal_app(trusted_proxies=0, hsts=True)
    findings = check_proxy("https://example.org/", _fetch_through(untrusted, forwarded))
    assert [finding.what for finding in findings] == [
        "The app does not see HTTPS and the client address from the proxy."]
    # A proxy that drops the app's headers.
    stripped = check_proxy("https://example.org/", lambda url: ({}, b'{"scheme": "https", '
                                                                b'"proxy_headers_trusted": true}'))
    assert {finding.what for finding in stripped} == {
        "The proxy does not pass the strict-transport-security header on.",
        "The proxy does not pass the content-security-policy header on."}
    # The probe names no address.
    body = trusted.test_client().get("/.well-known/aktsom/proxy", headers=forwarded).get_data()
    assert b"203.0.113.7" not in body


def test_scheduled_jobs_record_heartbeats_but_not_a_dry_run(admin_app: Flask) -> None:
    runner = AktsomRunner(admin_app)
    assert runner.invoke(args=["purge", "--dry-run"]).exit_code == 0
    with session_factory(admin_app)() as db:
        assert "purge" not in last_runs(db)
    before = utcnow()
    for job in JOBS:
        result = runner.invoke(args=[job])
        assert result.exit_code == 0, result.output
    with session_factory(admin_app)() as db:
        runs = last_runs(db)
    assert set(runs) == set(JOBS)
    assert all(runs[job] >= before - timedelta(seconds=1) for job in JOBS)


def test_backups_are_checked_once_the_backup_command_exists(production: Any) -> None:
    """With `aktsom backup` in the release (issue 15), its heartbeat must be recent too."""
    app = production()
    healthy(app, backup=False)
    with session_factory(app)() as db:
        never = check_jobs(db, utcnow(), [*JOBS, "backup"])
    assert [finding.what for finding in never] == ["`aktsom backup` has never run."]
    assert never[0].severity is Severity.PROBLEM
    beat(app, "backup", ago=timedelta(days=3))
    with session_factory(app)() as db:
        stale = check_jobs(db, utcnow(), [*JOBS, "backup"])
    assert len(stale) == 1
    assert stale[0].what.startswith("`aktsom backup` last ran")
    beat(app, "backup")
    with session_factory(app)() as db:
        assert check_jobs(db, utcnow(), [*JOBS, "backup"]) == []
        # Without the command the backup is not asked for.
        assert check_jobs(db, utcnow(), JOBS) == []


def test_a_job_added_by_another_package_later_records_its_heartbeat(admin_app: Flask) -> None:
    """`aktsom backup` is registered by another package's registration function; wherever
    that line lands in admin/cli.py, the job writes its heartbeat."""
    import click

    ran: list[str] = []

    @click.command("backup")
    @click.option("--out", required=True)
    def backup_for_test(out: str) -> None:
        ran.append(out)

    real = cli.commands.get("backup")
    cli.add_command(backup_for_test)
    try:
        result = AktsomRunner(admin_app).invoke(args=["backup", "--out", "x"])
        again = AktsomRunner(admin_app).invoke(args=["backup", "--out", "y"])
    finally:
        del cli.commands["backup"]
        if real is not None:
            cli.add_command(real)
    assert result.exit_code == 0 and again.exit_code == 0, result.output + again.output
    assert ran == ["x", "y"]
    with session_factory(admin_app)() as db:
        assert "backup" in last_runs(db)


class _Proxy(ThreadingHTTPServer):
    """A live HTTP server on loopback standing in for nginx: it hands each GET to the real
    portal app, adding the forwarded headers (or not) and passing the app's response headers
    on (or dropping some), as the variant says."""

    def __init__(self, app: Flask, *, forwards: bool, drops: tuple[str, ...]) -> None:
        self.app, self.forwards, self.drops = app, forwards, drops
        super().__init__(("127.0.0.1", 0), _ProxyHandler)


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _Proxy

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        headers = ({"X-Forwarded-Proto": "https", "X-Forwarded-For": self.client_address[0]}
                   if self.server.forwards else {})
        response = self.server.app.test_client().get(self.path, headers=headers)
        body = response.get_data()
        self.send_response(response.status_code)
        for name, value in response.headers.items():
            if name.lower() not in (*self.server.drops, "content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        return


@pytest.fixture
def no_http_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib would send a request for 127.0.0.1 to a proxy named in the environment."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")


PROXY_PROBLEM = "The app does not see HTTPS and the client address from the proxy."


@pytest.mark.usefixtures("no_http_proxy")
@pytest.mark.parametrize(("forwards", "drops", "code", "expected"), [
    (True, (), 0, []),
    (False, (), 2, [PROXY_PROBLEM]),
    (True, ("strict-transport-security",),
     2, ["The proxy does not pass the strict-transport-security header on."]),
], ids=["proxy-right", "no-forwarded-headers", "hsts-dropped"])
def test_doctor_url_asks_a_live_server_through_the_cli(
        production: Any, make_portal_app: Any, forwards: bool, drops: tuple[str, ...],
        code: int, expected: list[str]) -> None:
    """Gap 8 of the issue 17 audit: `aktsom doctor --url` end to end, through the command
    line and admin.doctor.fetch_url's real HTTP request to a server on a free port, not a
    fetch the test injects."""
    app = production()
    healthy(app)
    portal_app = make_portal_app(env="production", secret_key=SECRET, trusted_proxies=1,
                                 hsts=True)
    server = _Proxy(portal_app, forwards=forwards, drops=drops)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        result = doctor(app, "--url", url)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert result.exit_code == code, result.output
    problems = re.findall(r"^PROBLEM +(.*)$", result.output, re.MULTILINE)
    assert problems == expected, result.output


@pytest.mark.usefixtures("no_http_proxy")
def test_doctor_url_with_nothing_listening_is_a_problem(production: Any) -> None:
    app = production()
    healthy(app)
    url = f"http://127.0.0.1:{_closed_port()}/"
    result = doctor(app, "--url", url)
    assert result.exit_code == 2, result.output
    assert f"{url.rstrip('/')}/.well-known/aktsom/proxy did not answer (URLError)." \
        in result.output


def _supplier(app: Flask, created_at: Any) -> None:
    with transaction(session_factory(app)) as db:
        db.add(Supplier(name="Fabrikk AS", country="NO", tier=1, created_at=created_at))


def test_last_years_supplier_figures_not_stored_is_a_warning_until_the_timer_ran(
        production: Any) -> None:
    """The register keeps only its present state: a closed year's account needs the figures
    `aktsom suppliers year-end` stores. Before, nothing ran it and nothing said so."""
    app = production()
    healthy(app)
    last_year = utcnow().year - 1
    _supplier(app, datetime(last_year, 5, 1, tzinfo=UTC))
    result = doctor(app)
    assert result.exit_code == 1, result.output
    assert f"The supplier register's figures for {last_year} are not stored" in result.output
    assert f"aktsom suppliers year-end --year {last_year}" in result.output
    assert "aktsom-suppliers-year-end.timer" in result.output
    # What the timer's service runs: no --year, the year that ended last.
    stored = AktsomRunner(app).invoke(args=["suppliers", "year-end"])
    assert stored.exit_code == 0 and f"for {last_year}: 1 suppliers" in stored.output, \
        stored.output
    result = doctor(app)
    assert result.exit_code == 0, result.output
    # Every later run keeps the stored year as it is.
    again = AktsomRunner(app).invoke(args=["suppliers", "year-end"])
    assert again.exit_code == 0 and "kept as they are" in again.output


def test_no_supplier_by_last_years_end_needs_no_stored_figures(production: Any) -> None:
    app = production()
    healthy(app)
    _supplier(app, utcnow())
    result = doctor(app)
    assert result.exit_code == 0, result.output
    assert "supplier register" not in result.output
