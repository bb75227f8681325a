"""Finding 8 (recovery key): `aktsom init`, run at every deploy, must not silently make a new
recovery key when a database writer deleted the row, and in production must never print the
sheet (the master key of every case) to stdout, where deploy logs keep it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete, func, select

import admin
from crypto import parse_recovery_sheet
from portal.db import engine_of, session_factory, transaction
from portal.models import RecoveryKey
from tests.conftest import AktsomRunner
from tests.factories import make_handler, make_unit
from tests.portal.helpers import submit

PRODUCTION_SECRET = "production-secret-key-0123456789-abcdefghijklmnop"


def recovery_keys(app: Flask) -> int:
    with transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(RecoveryKey)) or 0)


def test_finding08_init_refuses_when_cases_exist_and_the_recovery_key_was_deleted(
    admin_app: Flask, portal_app: Flask, client: FlaskClient, runner: FlaskCliRunner,
    tmp_path: Path,
) -> None:
    first = runner.invoke(args=["init", "--recovery-sheet", str(tmp_path / "sheet.txt")])
    assert first.exit_code == 0, first.output
    unit = make_unit(portal_app, "NORDIC", "Nordic AS")
    make_handler(portal_app, "Alice Handler", [unit])
    submit(client, unit, "The invoices were backdated.")
    # The database writer deletes the recovery key, hoping the next deploy prints a new sheet.
    with transaction(session_factory(admin_app)) as db:
        db.execute(delete(RecoveryKey))
    again = runner.invoke(args=["init"])
    assert again.exit_code != 0
    assert "RECOVERY SHEET" not in again.output
    assert "AKTSOM RECOVERY KEY" not in again.output
    assert "no recovery key" in again.output
    assert "Restore the recovery_keys table from a backup" in again.output
    assert recovery_keys(admin_app) == 0
    # The operator's explicit decision, with the sheet going to a file.
    sheet = tmp_path / "new-sheet.txt"
    decided = runner.invoke(args=["init", "--new-recovery-key", "--recovery-sheet", str(sheet)])
    assert decided.exit_code == 0, decided.output
    parse_recovery_sheet(sheet.read_text())
    assert recovery_keys(admin_app) == 1


def test_finding08_without_cases_a_missing_key_is_still_made_on_first_run(
    runner: FlaskCliRunner, admin_app: Flask
) -> None:
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert recovery_keys(admin_app) == 1


def production_runner(make_settings: Any, database_url: str) -> tuple[Flask, FlaskCliRunner]:
    settings = make_settings(env="production", secret_key=PRODUCTION_SECRET,
                             database_url=database_url)
    app = admin.create_app(settings)
    return app, AktsomRunner(app)


def test_finding08_production_init_never_prints_the_sheet(
    make_settings: Any, database_url: str, tmp_path: Path
) -> None:
    app, runner = production_runner(make_settings, database_url)
    try:
        refused = runner.invoke(args=["init"])
        assert refused.exit_code != 0
        assert "--recovery-sheet PATH" in refused.output
        assert "AKTSOM RECOVERY KEY" not in refused.output
        assert recovery_keys(app) == 0
        sheet = tmp_path / "sheet.txt"
        made = runner.invoke(args=["init", "--recovery-sheet", str(sheet)])
        assert made.exit_code == 0, made.output
        assert "AKTSOM RECOVERY KEY" not in made.output
        pair = parse_recovery_sheet(sheet.read_text())
        assert pair.private_bytes.hex() not in made.output
        assert recovery_keys(app) == 1
        # Later deploys need no path: nothing is made.
        assert runner.invoke(args=["init"]).exit_code == 0
    finally:
        engine_of(app).dispose()


def test_finding08_an_existing_sheet_file_is_not_overwritten_and_no_key_is_kept(
    runner: FlaskCliRunner, admin_app: Flask, tmp_path: Path
) -> None:
    sheet = tmp_path / "sheet.txt"
    sheet.write_text("someone else's file")
    result = runner.invoke(args=["init", "--recovery-sheet", str(sheet)])
    assert result.exit_code != 0
    assert "exists already" in result.output
    assert sheet.read_text() == "someone else's file"
    assert recovery_keys(admin_app) == 0
