"""`aktsom doctor`: checks a deployment and prints each problem with its fix (issue 17 §4).

Exit code for monitoring: 0 all well, 1 warnings only, 2 at least one problem. It reads the
settings, the keys file and the database, never case content, and prints no secret."""

from __future__ import annotations

import json
import stat
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

import click
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from admin.scheduled_jobs import SCHEDULED_JOBS
from config import Settings, SettingsError
from portal.cases.keys import active_recovery_key, route_case
from portal.db import session_factory, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.heartbeats import last_runs
from portal.key_directory import claimed_authority, key_status
from portal.models import OrgUnit, User
from portal.proxy_probe import PROXY_PROBE_PATH
from portal.serverkeys import ServerKeys, ServerKeysMissing, keys_file_exposure
from portal.states import KeyStatus, Role
from supplier_dd.stats import year_end_not_taken


class Severity(IntEnum):
    WARNING = 1
    PROBLEM = 2


@dataclass(frozen=True)
class Finding:
    severity: Severity
    what: str
    fix: str


def _problem(what: str, fix: str) -> Finding:
    return Finding(Severity.PROBLEM, what, fix)


def _warning(what: str, fix: str) -> Finding:
    return Finding(Severity.WARNING, what, fix)


def check_settings(settings: Settings) -> list[Finding]:
    findings = []
    if not settings.is_production:
        findings.append(_warning(
            f"AKTSOM_ENV is {settings.env}: secure cookies, HSTS and the production checks "
            "are off.", "Set AKTSOM_ENV=production (deploy/aktsom.env) for a live channel."))
    if not settings.smtp_url:
        findings.append(_warning(
            "No AKTSOM_SMTP_URL: handlers get no mail about new cases or deadlines.",
            "Set AKTSOM_SMTP_URL=smtp://host:587 (STARTTLS) in the environment file."))
    if settings.is_production and settings.trusted_proxies == 0:
        findings.append(_warning(
            "AKTSOM_TRUSTED_PROXIES is 0: behind a reverse proxy every client shares one "
            "rate-limit bucket and the app does not know the request came over HTTPS.",
            "Set AKTSOM_TRUSTED_PROXIES=1 when nginx (deploy/nginx) is in front of the app."))
    return findings


def check_keys_file(settings: Settings) -> list[Finding]:
    path = settings.server_keys_file
    if not path.exists():
        return [_problem(f"The server-keys file {path} does not exist.",
                         "Run `aktsom init` (or restore the file from its separate backup).")]
    findings = []
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        findings.append(_problem(
            f"The server-keys file {path} can be read by others (mode {mode:o}).",
            f"chmod 600 {path} (owner: the user that runs aktsom)."))
    exposure = keys_file_exposure(settings)
    if exposure:
        # `make run` keeps everything under instance/ on purpose; a deployment must not.
        findings.append(Finding(
            _in_production(settings), f"The server-keys file {path} lies beside the data it "
            "protects.", exposure.removeprefix("Warning: the server-keys file ")
            .split(". ", 1)[-1]))
    return findings


def _in_production(settings: Settings) -> Severity:
    """A problem in production, a warning on a development machine."""
    return Severity.PROBLEM if settings.is_production else Severity.WARNING


def check_redis(settings: Settings) -> list[Finding]:
    if not settings.redis_url:
        return []
    import redis

    try:
        redis.Redis.from_url(settings.redis_url, socket_timeout=3,
                             socket_connect_timeout=3).ping()
    except redis.RedisError:
        return [_problem(
            "AKTSOM_REDIS_URL is set but Redis does not answer: rate limits and sessions "
            "shared between workers fail.",
            "Start Redis (systemctl start redis-server) or correct AKTSOM_REDIS_URL.")]
    return []


def check_jobs(db: Session, now: datetime, commands: Iterable[str],
               severity: Severity = Severity.PROBLEM) -> list[Finding]:
    findings = []
    runs = last_runs(db)
    available = set(commands)
    for job in SCHEDULED_JOBS:
        if job.command not in available:
            continue
        last = runs.get(job.command)
        timer = f"systemctl enable --now aktsom-{job.command}.timer (deploy/systemd)"
        if last is None:
            findings.append(Finding(severity, f"`aktsom {job.command}` has never run.", timer))
        elif now - last > job.stale_after:
            findings.append(Finding(
                severity, f"`aktsom {job.command}` last ran {last:%Y-%m-%d %H:%M} UTC; it "
                f"should run {job.interval}.",
                f"{timer}; see why it stopped: journalctl -u aktsom-{job.command}.service"))
    return findings


def check_recovery_key(db: Session, keys: ServerKeys) -> list[Finding]:
    if active_recovery_key(db, keys) is None:
        return [_problem(
            "No certified recovery key: no report can be received, and cases would be lost "
            "if every handler forgot a password.",
            "Run `aktsom init --recovery-sheet /path/on/removable/medium` on the staff host.")]
    return []


def check_certificates(db: Session, keys: ServerKeys) -> list[Finding]:
    findings = []
    for user in db.scalars(select(User).where(User.disabled.is_(False)).order_by(User.email)):
        status = key_status(keys, user)
        if status in (KeyStatus.INVALID, KeyStatus.EXCEEDS):
            findings.append(_problem(
                f"The key certificate of {user.email} does not hold ({status.value}): the "
                "key or the roles were changed outside the account pages.",
                "Check the user on Staff > Users and have a second administrator approve "
                "the key again; investigate who changed the database."))
        elif status is KeyStatus.MISSING and not claimed_authority(user).empty:
            findings.append(_warning(
                f"{user.email} has roles that receive reports but no certified key yet.",
                "The user signs in once and sets a password; a second administrator "
                "approves the key on Staff > Approvals."))
    return findings


def check_channel(db: Session, keys: ServerKeys) -> list[Finding]:
    """Every company can receive a report: a certified handler of its own or the group's."""
    units = list(db.scalars(select(OrgUnit).order_by(OrgUnit.code)))
    admins = [user for user in db.scalars(select(User).where(User.disabled.is_(False)))
              if user.has_role(Role.ADMIN)]
    findings = []
    if not admins:
        findings.append(_problem(
            "No administrator exists.",
            "Open the one-time link `aktsom serve` prints, or run `aktsom users create "
            "--role admin ... --password-stdin`."))
    if not units:
        findings.append(_problem(
            "No company (org unit) exists: the channel cannot receive reports.",
            "aktsom units create --code HQ --name 'Head office' [--group]"))
    for unit in units:
        if not unit.is_group and not route_case(db, keys, unit.id, set()).handlers:
            findings.append(_problem(
                f"Company {unit.code} cannot receive reports: no certified handler of its own "
                "or of the group.",
                f"Add a handler for {unit.code} (or the group) on Staff > Users; a second "
                "administrator approves the key."))
    return findings


def check_year_end(db: Session, now: datetime) -> list[Finding]:
    """The supplier register's figures of the year that ended last are stored (they are the
    closed year's account; the register itself keeps only its present state)."""
    year = year_end_not_taken(db, now)
    if year is None:
        return []
    return [_warning(
        f"The supplier register's figures for {year} are not stored: the {year} annual "
        "account reads the register as it stands now, not as the year ended.",
        f"aktsom suppliers year-end --year {year}; and systemctl enable --now "
        "aktsom-suppliers-year-end.timer (deploy/systemd) so that each year is stored on "
        "1 January.")]


def check_proxy(url: str, fetch: Callable[[str], tuple[dict[str, str], bytes]]) -> list[Finding]:
    """Ask the app, through the proxy, what arrived (portal.proxy_probe)."""
    probe = url.rstrip("/") + PROXY_PROBE_PATH
    try:
        headers, body = fetch(probe)
        seen = json.loads(body)
    except (OSError, ValueError) as error:
        return [_problem(f"{probe} did not answer ({type(error).__name__}).",
                         "Check that nginx and `aktsom serve` run and the URL is right.")]
    findings = []
    if seen.get("scheme") != "https" or not seen.get("proxy_headers_trusted"):
        findings.append(_problem(
            "The app does not see HTTPS and the client address from the proxy.",
            "In nginx set X-Forwarded-Proto and X-Forwarded-For (deploy/nginx/aktsom.conf) "
            "and set AKTSOM_TRUSTED_PROXIES=1."))
    lowered = {name.lower() for name in headers}
    for header in ("strict-transport-security", "content-security-policy"):
        if header not in lowered:
            findings.append(_problem(f"The proxy does not pass the {header} header on.",
                                     "Do not hide or override the app's headers in nginx."))
    return findings


def fetch_url(url: str) -> tuple[dict[str, str], bytes]:
    if not url.startswith(("https://", "http://")):
        raise ValueError("not an http(s) URL")
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (scheme checked)
        return dict(response.headers.items()), response.read(4096)


def run_checks(app: Flask, settings: Settings, commands: Iterable[str],
               url: str | None = None) -> list[Finding]:
    findings = check_settings(settings) + check_keys_file(settings) + check_redis(settings)
    if url:
        findings += check_proxy(url, fetch_url)
    try:
        keys = server_keys_of(app)
    except ServerKeysMissing:
        return findings
    try:
        with session_factory(app)() as db:
            findings += check_recovery_key(db, keys)
            findings += check_channel(db, keys)
            findings += check_certificates(db, keys)
            findings += check_jobs(db, utcnow(), commands, _in_production(settings))
            findings += check_year_end(db, utcnow())
    except SQLAlchemyError:
        findings.append(_problem("The database cannot be read or its schema is not current.",
                                 "Run `aktsom init` (it creates or upgrades the schema)."))
    return findings


def report(findings: list[Finding], notes: list[str]) -> int:
    for finding in findings:
        click.echo(f"{finding.severity.name:<8} {finding.what}")
        click.echo(f"{'':<8} fix: {finding.fix}")
    for note in notes:
        click.echo(f"NOTE     {note}")
    worst = max((finding.severity for finding in findings), default=0)
    click.echo({0: "OK: no problem found.", 1: "Warnings only.",
                2: "Problems found."}[int(worst)])
    return int(worst)


@click.command("doctor")
@click.option("--url", default=None,
              help="The public address of the reporter portal (e.g. https://report.example.org/)"
                   " to check that the proxy passes its headers on.")
@click.pass_context
def doctor_command(ctx: click.Context, url: str | None) -> None:
    """Check this deployment; exit 0 when all is well, 1 on warnings, 2 on problems."""
    try:
        # The app `aktsom` would serve with: its factory reads and validates the settings.
        app = ctx.ensure_object(ScriptInfo).load_app()
    except SettingsError as error:
        click.echo(f"PROBLEM  The settings are refused: {error}")
        click.echo(f"{'':<8} fix: correct the setting in the environment file or AKTSOM_CONFIG.")
        ctx.exit(int(Severity.PROBLEM))
    root = ctx.find_root().command
    commands = list(root.commands) if isinstance(root, click.Group) else []
    notes = [] if "backup" in commands else [
        "Backups not checked: this version has no `aktsom backup` command; back up as "
        "docs/deployment.md says."]
    ctx.exit(report(run_checks(app, settings_of(app), commands, url), notes))
