"""Commands of the portal layer: `aktsom init` and `aktsom units ...`."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from config import Settings
from portal.audit import CONSOLE, anchor_chain_head
from portal.cases.retention import general_days, set_unit_retention
from portal.cases.retention import unfounded_days as unfounded_days_of
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.key_directory import CertificateSigningUnavailable, upgrade_legacy_certificates
from portal.language_switches import set_unit_languages, unit_languages
from portal.models import OrgUnit
from portal.outside_records import certificates_upgraded, mark_certificates_upgraded
from portal.recovery import ensure_recovery_key, recovery_key_needed, sweep_file_store
from portal.refusals import Refusal
from portal.schema import upgrade
from portal.serverkeys import ServerKeys, create_server_keys, keys_file_exposure
from portal.units import create_unit, units_by_code


def register_commands(group: click.Group) -> None:
    group.add_command(init_command)
    group.add_command(units)


@click.command("init")
@click.option("--recovery-sheet", "recovery_sheet", type=click.Path(dir_okay=False),
              help="Write the recovery sheet (first run only) to this new file instead of "
                   "printing it. Required in production.")
@click.option("--new-recovery-key", "new_recovery_key", is_flag=True,
              help="Make a new recovery key although cases exist and none is stored (the old "
                   "one is gone for good); the new sheet opens only cases made from then on.")
@with_appcontext
def init_command(recovery_sheet: str | None, new_recovery_key: bool) -> None:
    """Create or upgrade the schema; make the server keys and recovery key on first run."""
    settings = settings_of()
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    settings.storage_dir.mkdir(parents=True, exist_ok=True)
    keys, created = create_server_keys(settings.server_keys_file)
    if created:
        click.echo(f"Made the server keys in {settings.server_keys_file} (keep it private).")
    exposure = keys_file_exposure(settings)
    if exposure:
        click.echo(exposure, err=True)
    upgrade(settings.database_url)
    click.echo("The database schema is up to date.")
    _upgrade_certificates(keys, settings)
    sheet = _make_recovery_key(keys, settings, recovery_sheet, new_recovery_key)
    if sheet is not None:
        _announce_recovery_sheet(sheet, recovery_sheet)
    with transaction(session_factory(current_app)) as session:
        problem = anchor_chain_head(session, settings)
    if problem:
        click.echo(f"Warning: {problem}", err=True)
    swept = sweep_file_store(current_app)
    if swept:
        click.echo(f"Removed {swept} stored files that no case refers to (an interrupted upload).")


def _upgrade_certificates(keys: ServerKeys, settings: Settings) -> None:
    """Once per installation: the first release's HMAC certification tags become Ed25519
    certificates (portal.key_directory.upgrade_legacy_certificates), then never again."""
    if certificates_upgraded(settings):
        return
    try:
        with transaction(session_factory(current_app)) as session:
            count = upgrade_legacy_certificates(session, keys)
    except CertificateSigningUnavailable:
        raise click.ClickException(
            "This keys file holds no certificate signing key: run `aktsom init` on the staff "
            "host, whose keys file has it.") from None
    mark_certificates_upgraded(settings)
    if count:
        click.echo(f"Re-issued {count} key certificates as signatures, for the roles and org "
                   "units the database holds now (trust on upgrade: check them on the Users "
                   "page). Keys the old server had not certified wait for an approval.")


def _make_recovery_key(keys: ServerKeys, settings: Settings, path: str | None,
                       replace_lost: bool) -> str | None:
    """The new recovery key's sheet, or None if one exists. A sheet file is written before the
    commit (and removed if it fails), so a stored key never lacks its sheet."""
    written: Path | None = None
    try:
        with transaction(session_factory(current_app)) as session:
            try:
                needed = recovery_key_needed(session, replace_lost=replace_lost)
            except Refusal as refused:
                raise click.ClickException(str(refused)) from None
            if not needed:
                return None
            if path is None and settings.is_production:
                # Deploy logs keep stdout; the master key of every case must not be there.
                raise click.ClickException(
                    "A new recovery key is to be made, and in production its sheet is never "
                    "printed. Run `aktsom init --recovery-sheet PATH` with a new file on a "
                    "medium you then take offline.")
            sheet = ensure_recovery_key(session, keys, settings.organisation_name,
                                        replace_lost=replace_lost)
            if sheet is not None and path is not None:
                written = _write_sheet_file(Path(path), sheet)
            return sheet
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)
        raise


def _write_sheet_file(target: Path, sheet: str) -> Path:
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.ClickException(f"{target} exists already; name a new file") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(sheet)
    return target


def _announce_recovery_sheet(sheet: str, path: str | None) -> None:
    if path is None:
        click.echo(sheet)
        click.echo("This is the organisation's RECOVERY SHEET. It is shown only now and is not "
                   "stored on the server. Print it, keep it offline in a safe, and never type "
                   "it into this server except for `aktsom recover`.")
        return
    click.echo(f"\n*** Wrote the organisation's RECOVERY SHEET to {path}. ***\n"
               "Print it, keep it offline (in a safe, not on this server) and delete the "
               "file. Whoever holds it can read every case; without it, cases are lost if "
               "every handler forgets a password.\n")


units = AppGroup("units", help="Org units: the companies of the group.")


@units.command("create")
@click.option("--code", required=True, help="Short code, e.g. PROSERO-NO.")
@click.option("--name", required=True, help="The company's name.")
@click.option("--country", default=None, help="ISO 3166-1 alpha-2 country code, e.g. NO.")
@click.option("--group", "is_group", is_flag=True,
              help="The group level: its handlers receive reports for 'don't know' and "
                   "reports whose reporter left out every handler of the company.")
def create_unit_command(code: str, name: str, country: str | None, is_group: bool) -> None:
    """Make an org unit (a company of the group)."""
    try:
        with transaction(session_factory(current_app)) as session:
            create_unit(session, server_keys_of(), CONSOLE, code=code, name=name,
                        country=country, is_group=is_group)
    except Refusal as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Created org unit {code.strip()}.")


@units.command("list")
def list_units() -> None:
    """List the org units."""
    with transaction(session_factory(current_app)) as session:
        for unit in session.scalars(select(OrgUnit).order_by(OrgUnit.code)):
            level = "group" if unit.is_group else "company"
            click.echo(f"{unit.code}\t{unit.name}\t{unit.country or '-'}\t{level}")


@units.command("retention")
@click.argument("code")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Days after closing before a case's content is purged.")
@click.option("--unfounded-days", "unfounded_days", type=click.IntRange(min=1), default=None,
              help="The shorter period for cases closed as unfounded.")
@click.option("--default", "use_default", is_flag=True,
              help="Go back to the organisation's default periods.")
def retention_command(code: str, days: int | None, unfounded_days: int | None,
                      use_default: bool) -> None:
    """Set an org unit's retention periods (never above its country's legal maximum)."""
    if use_default == (days is not None or unfounded_days is not None):
        raise click.UsageError("give --days and/or --unfounded-days, or --default")
    settings = settings_of()
    try:
        with transaction(session_factory(current_app)) as session:
            (unit,) = units_by_code(session, [code])
            if not use_default:
                # An option left out keeps what the unit has.
                days = days if days is not None else unit.retention_days
                if unfounded_days is None:
                    unfounded_days = unit.unfounded_retention_days
            set_unit_retention(session, settings, server_keys_of(), CONSOLE, unit=unit,
                               days=days, unfounded=unfounded_days)
            general, unfounded = general_days(settings, unit), unfounded_days_of(settings, unit)
    except Refusal as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"{code.strip()}: cases are purged {general} days after closing, "
               f"{unfounded} days if closed as unfounded.")


@units.command("languages")
@click.argument("code")
@click.argument("languages", nargs=-1)
@click.option("--clear", is_flag=True, help="No preference: the browser's languages come first.")
def languages_command(code: str, languages: tuple[str, ...], clear: bool) -> None:
    """Set the languages offered first on a company's pages (`/?unit=CODE`), in order, e.g.
    `aktsom units languages NORDIC nb en pl`. Without languages, print the current ones."""
    if clear and languages:
        raise click.UsageError("give languages or --clear, not both")
    try:
        with transaction(session_factory(current_app)) as session:
            (unit,) = units_by_code(session, [code])
            if languages or clear:
                chosen = set_unit_languages(session, server_keys_of(), CONSOLE, unit, languages)
            else:
                chosen = unit_languages(unit)
    except Refusal as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"{code.strip()}: {' '.join(chosen) or '(no preference)'}")
