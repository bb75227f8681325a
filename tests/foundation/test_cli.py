"""The `aktsom` commands of the foundation: init, units."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from config import Settings
from crypto import parse_recovery_sheet, public_key_fingerprint
from portal.db import session_factory, transaction
from portal.models import OrgUnit, RecoveryKey


def test_init_makes_keys_and_recovery_sheet_once(runner: FlaskCliRunner, settings: Settings,
                                                 admin_app: Flask, tmp_path: Path) -> None:
    settings.server_keys_file.unlink()
    sheet_path = tmp_path / "recovery.txt"
    result = runner.invoke(args=["init", "--recovery-sheet", str(sheet_path)])
    assert result.exit_code == 0, result.output
    assert settings.server_keys_file.exists()
    assert stat.S_IMODE(os.stat(settings.server_keys_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(sheet_path).st_mode) == 0o600
    pair = parse_recovery_sheet(sheet_path.read_text())
    with transaction(session_factory(admin_app)) as db:
        stored = db.scalars(select(RecoveryKey)).all()
    assert len(stored) == 1
    assert stored[0].public_key == pair.public_bytes
    assert stored[0].fingerprint == public_key_fingerprint(pair.public_bytes)
    # The private half is nowhere on the server.
    for path in settings.instance_dir.rglob("*"):
        if path.is_file():
            assert pair.private_bytes not in path.read_bytes()

    again = runner.invoke(args=["init"])
    assert again.exit_code == 0
    assert "RECOVERY SHEET" not in again.output


def test_init_prints_the_sheet_when_no_path_is_given(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0
    assert "RECOVERY SHEET" in result.output
    parse_recovery_sheet(result.output)


def test_units_create_and_list(runner: FlaskCliRunner, admin_app: Flask) -> None:
    result = runner.invoke(args=["units", "create", "--code", "NO1", "--name", "Nordic AS",
                                 "--country", "no"])
    assert result.exit_code == 0, result.output
    duplicate = runner.invoke(args=["units", "create", "--code", "NO1", "--name", "Again"])
    assert duplicate.exit_code != 0
    assert "already exists" in duplicate.output
    bad = runner.invoke(args=["units", "create", "--code", "X", "--name", "Y",
                              "--country", "Norway"])
    assert bad.exit_code != 0
    with transaction(session_factory(admin_app)) as db:
        unit = db.scalar(select(OrgUnit).where(OrgUnit.code == "NO1"))
    assert unit is not None and unit.country == "NO"
    assert "Nordic AS" in runner.invoke(args=["units", "list"]).output


def test_only_working_commands_are_registered(runner: FlaskCliRunner) -> None:
    output = runner.invoke(args=["--help"]).output
    for command in ("init", "serve", "units"):
        assert command in output
    assert "routes" not in output and "shell" not in output


def test_serve_refuses_unknown_app(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["serve", "--app", "nonsense"])
    assert result.exit_code != 0


