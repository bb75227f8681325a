"""Issue 15 §9: `aktsom backup` / `aktsom restore`, consistent and encrypted to the recovery key,
proven by opening every case and every file with the recovery sheet after the restore."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import admin
import portal
from crypto import format_recovery_sheet, generate_recovery_key
from portal.db import engine_of
from portal.models import Attachment, Case
from tests.conftest import AktsomRunner
from tests.faults.conftest import organisation  # noqa: F401
from tests.portal.conftest import Organisation
from tests.portal.helpers import follow_up, submit

ACCOUNTS = ("The night shift was locked in the hall.", "Passports were taken on arrival.")
FILE_MARKER = b"PAYSLIP-MARKER-7731 " * 4000  # 80 KB: more than one stream segment


@pytest.fixture
def empty_target(database_url: str, tmp_path: Path, make_settings: Any) -> Iterator[Any]:
    """Settings for a new installation: an empty database, no files, no server keys."""
    if database_url.startswith("postgresql"):
        name = f"aktsom_restore_{uuid.uuid4().hex[:10]}"
        server = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    else:
        server, name = None, ""
        url = f"sqlite:///{tmp_path / 'restored' / 'aktsom.sqlite3'}"
    base = tmp_path / "restored"
    settings = make_settings(database_url=url, instance_dir=base, storage_dir=base / "storage",
                             server_keys_file=base / "server-keys.json")
    settings.server_keys_file.unlink()  # the backup brings the installation's own
    yield settings
    if server is not None:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _cases_with_files(portal_app: Flask, organisation: Organisation) -> list[str]:  # noqa: F811
    client = portal_app.test_client()
    return [submit(client, organisation.unit_id, account,
                   attachments=[(io.BytesIO(FILE_MARKER), "payslip.txt")])
            for account in ACCOUNTS]


def _restore(settings: Any, backup: Path, sheet: Path, *extra: str) -> Any:
    app = admin.create_app(settings)
    try:
        return AktsomRunner(app).invoke(args=["restore", "--from", str(backup),
                                              "--recovery-sheet", str(sheet), *extra])
    finally:
        engine_of(app).dispose()


def test_backup_and_restore_give_back_every_case_opened_with_the_recovery_sheet(
        portal_app: Flask, runner: Any, organisation: Organisation,  # noqa: F811
        empty_target: Any, tmp_path: Path) -> None:
    codes = _cases_with_files(portal_app, organisation)
    backup = tmp_path / "aktsom.backup"
    result = runner.invoke(args=["backup", "--out", str(backup)])
    assert result.exit_code == 0, result.output
    assert "2 stored files" in result.output
    content = backup.read_bytes()
    # Encrypted as a whole: neither the database nor the archive's names show through.
    for clear in (b"SQLite format 3", b"PGDMP", b"manifest.json", b"server-keys", b"storage/"):
        assert clear not in content
    sheet = tmp_path / "sheet.txt"
    sheet.write_text(organisation.recovery_sheet)

    restored = _restore(empty_target, backup, sheet)
    assert restored.exit_code == 0, restored.output
    assert "Opened 2 of 2 cases and 2 of 2 files with the recovery sheet" in restored.output
    assert empty_target.server_keys_file.exists()

    # The restored installation works as the old one did: each code opens its case.
    app = portal.create_app(empty_target)
    try:
        for code, account in zip(codes, ACCOUNTS, strict=True):
            client = app.test_client()
            assert follow_up(client, code).status_code == 303
            assert account in client.get("/case").get_data(as_text=True)
    finally:
        engine_of(app).dispose()


def test_restore_refuses_another_recovery_sheet_and_a_damaged_backup(
        portal_app: Flask, runner: Any, organisation: Organisation,  # noqa: F811
        empty_target: Any, tmp_path: Path) -> None:
    _cases_with_files(portal_app, organisation)
    backup = tmp_path / "aktsom.backup"
    assert runner.invoke(args=["backup", "--out", str(backup)]).exit_code == 0
    stranger = tmp_path / "stranger.txt"
    stranger.write_text(format_recovery_sheet(generate_recovery_key(), "Other org",
                                              "2026-01-01"))
    refused = _restore(empty_target, backup, stranger)
    assert refused.exit_code != 0
    assert "does not open this backup" in refused.output

    sheet = tmp_path / "sheet.txt"
    sheet.write_text(organisation.recovery_sheet)
    damaged = tmp_path / "damaged.backup"
    content = bytearray(backup.read_bytes())
    content[len(content) // 2] ^= 0x01
    damaged.write_bytes(bytes(content))
    refused = _restore(empty_target, damaged, sheet)
    assert refused.exit_code != 0
    assert "damaged" in refused.output
    # Nothing was installed from either.
    assert not empty_target.server_keys_file.exists()
    assert list(empty_target.storage_dir.glob("*/*.bin")) == []
    engine = create_engine(empty_target.database_url)
    try:
        with engine.connect() as connection:
            tables = connection.execute(text(
                "SELECT count(*) FROM sqlite_master WHERE type='table'"
                if engine.dialect.name == "sqlite" else
                "SELECT count(*) FROM information_schema.tables WHERE table_schema='public'"
            )).scalar()
        assert tables == 0
    finally:
        engine.dispose()


def test_backup_holds_exactly_the_files_of_its_database_snapshot(
        portal_app: Flask, runner: Any, organisation: Organisation,  # noqa: F811
        empty_target: Any, tmp_path: Path, settings: Any) -> None:
    """A file no case refers to (an upload in flight) is not in the backup."""
    _cases_with_files(portal_app, organisation)
    store_root = settings.storage_dir
    stray = store_root / "zz" / ("z" * 40 + ".bin")
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"in flight")
    backup = tmp_path / "aktsom.backup"
    assert runner.invoke(args=["backup", "--out", str(backup)]).exit_code == 0
    sheet = tmp_path / "sheet.txt"
    sheet.write_text(organisation.recovery_sheet)
    assert _restore(empty_target, backup, sheet).exit_code == 0
    restored = sorted(path.name for path in empty_target.storage_dir.glob("*/*.bin"))
    engine = create_engine(empty_target.database_url)
    try:
        with Session(engine) as db:
            referenced = sorted(db.scalars(select(Attachment.stored_name)))
            assert db.scalar(select(func.count()).select_from(Case)) == 2
    finally:
        engine.dispose()
    assert restored == referenced and stray.name not in restored
