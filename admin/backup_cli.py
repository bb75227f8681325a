"""The `aktsom backup` and `aktsom restore` commands (issue 15 §9; the format: admin.backup)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from admin.backup import BackupError, install_backup, unpack_backup, write_backup
from admin.backup_verify import open_every_case
from admin.cases.cli import _read_sheet
from crypto import InvalidRecoverySheet, parse_recovery_sheet
from portal.db import engine_of, session_factory, transaction
from portal.extensions import settings_of
from portal.storage import file_store


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The backup file to write (encrypted to the recovery key).")
@with_appcontext
def backup_command(out: Path) -> None:
    """Back up the database, the file store and the server keys, encrypted to the recovery
    key: only the recovery sheet opens the backup."""
    try:
        summary = write_backup(settings_of(), engine_of(current_app), file_store(), out)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up the {summary.backend} database and {summary.files} stored files "
               f"({summary.size} bytes, encrypted to the recovery key) to {out}.")


@click.command("restore")
@click.option("--from", "source", required=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A file written by `aktsom backup`.")
@click.option("--recovery-sheet", "sheet_path", required=True,
              type=click.Path(dir_okay=False, allow_dash=True),
              help="The typed or scanned recovery sheet ('-' reads it from standard input).")
@click.option("--replace", is_flag=True,
              help="Overwrite a database that is not empty and a different server keys file.")
@with_appcontext
def restore_command(source: Path, sheet_path: str, replace: bool) -> None:
    """Restore a backup into the configured database and file store, then open every case
    and every file with the recovery sheet to prove it is whole."""
    try:
        pair = parse_recovery_sheet(_read_sheet(sheet_path))
    except FileNotFoundError:
        raise click.ClickException("no such recovery sheet file") from None
    except InvalidRecoverySheet as error:
        raise click.ClickException(str(error)) from None
    settings = settings_of()
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=settings.instance_dir))
    try:
        manifest = unpack_backup(source, pair, staging)
        restored = install_backup(settings, engine_of(current_app), file_store(), staging,
                                  manifest, replace=replace)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    with transaction(session_factory(current_app)) as db:
        verified = open_every_case(db, file_store(), pair)
    click.echo(f"Restored the database and {restored} stored files. Opened "
               f"{verified.cases_opened} of {verified.cases} cases and {verified.files_opened} "
               f"of {verified.files} files with the recovery sheet.")
    if not verified.complete:
        raise click.ClickException("the restored data is not whole: some cases or files did "
                                   "not open with the recovery sheet")
