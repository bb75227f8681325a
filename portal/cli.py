"""Commands of the portal layer: `aktsom init` and `aktsom units ...`."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from portal.audit import CONSOLE
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.models import OrgUnit
from portal.recovery import ensure_recovery_key, sweep_file_store
from portal.refusals import Refusal
from portal.schema import upgrade
from portal.serverkeys import create_server_keys
from portal.units import create_unit


def register_commands(group: click.Group) -> None:
    group.add_command(init_command)
    group.add_command(units)


@click.command("init")
@click.option("--recovery-sheet", "recovery_sheet", type=click.Path(dir_okay=False),
              help="Write the recovery sheet (first run only) to this new file instead of "
                   "printing it.")
@with_appcontext
def init_command(recovery_sheet: str | None) -> None:
    """Create or upgrade the schema; make the server keys and recovery key on first run."""
    settings = settings_of()
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    settings.storage_dir.mkdir(parents=True, exist_ok=True)
    keys, created = create_server_keys(settings.server_keys_file)
    if created:
        click.echo(f"Made the server keys in {settings.server_keys_file} (keep it private).")
    upgrade(settings.database_url)
    click.echo("The database schema is up to date.")
    with transaction(session_factory(current_app)) as session:
        sheet = ensure_recovery_key(session, keys, settings.organisation_name)
    if sheet is not None:
        _hand_out_recovery_sheet(sheet, recovery_sheet)
    swept = sweep_file_store(current_app)
    if swept:
        click.echo(f"Removed {swept} stored files that no case refers to (an interrupted upload).")


def _hand_out_recovery_sheet(sheet: str, path: str | None) -> None:
    if path is None:
        click.echo(sheet)
        click.echo("This is the organisation's RECOVERY SHEET. It is shown only now and is not "
                   "stored on the server. Print it, keep it offline in a safe, and never type "
                   "it into this server except for `aktsom recover`.")
        return
    target = Path(path)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(sheet)
    click.echo(f"\n*** Wrote the organisation's RECOVERY SHEET to {target}. ***\n"
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
