"""Finding 12 (audit tail and key location): cutting events from the end of the audit chain
went unnoticed unless someone had noted an anchor by hand, and nothing warned when the
server-keys file sat beside the data a naive backup takes with it.

Anchors (`SEQ:MAC`) are now written beside the server-keys file after every commit that
appends events, and at `aktsom init` and `aktsom serve`; `aktsom audit verify` checks them.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete

import admin
from config import Settings
from portal.audit import record_event
from portal.db import engine_of, session_factory, transaction
from portal.extensions import server_keys_of
from portal.models import AuditEvent, Role
from portal.outside_records import anchors_file
from portal.serverkeys import keys_file_exposure
from tests.admin.helpers import make_user
from tests.conftest import AktsomRunner

ANCHOR_LINE = re.compile(r"^[0-9]+:[0-9a-f]{64}$")


def some_events(app: Flask, count: int = 4) -> None:
    for _ in range(count):
        make_user(app, roles=[Role.AUDITOR])


def cut_from(app: Flask, seq: int) -> None:
    """What a database writer does: delete the newest events."""
    with transaction(session_factory(app)) as db:
        db.execute(delete(AuditEvent).where(AuditEvent.seq >= seq))


def test_finding12_a_cut_tail_is_reported_without_a_hand_noted_anchor(
    admin_app: Flask, runner: FlaskCliRunner
) -> None:
    some_events(admin_app)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    cut_from(admin_app, 3)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "CUT" in result.output


def test_finding12_a_cut_and_regrown_tail_is_reported(admin_app: Flask,
                                                      runner: FlaskCliRunner) -> None:
    some_events(admin_app)
    cut_from(admin_app, 3)
    # New, genuine events take the numbers of the removed ones.
    some_events(admin_app, 3)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "CUT: anchor 3:" in result.output


def test_finding12_anchors_hold_no_content_and_are_logged(
    admin_app: Flask, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="aktsom.audit"):
        make_user(admin_app, roles=[Role.AUDITOR], email="secret-name@example.org")
    lines = anchors_file(settings).read_text().splitlines()
    assert lines and all(ANCHOR_LINE.match(line) for line in lines)
    logged = [record.getMessage() for record in caplog.records]
    assert f"audit anchor {lines[-1]}" in logged
    assert not any("secret-name" in message for message in logged)


def test_finding12_a_rolled_back_append_writes_no_anchor(admin_app: Flask,
                                                          settings: Settings) -> None:
    with admin_app.app_context(), session_factory(admin_app)() as db:
        record_event(db, server_keys_of(admin_app).audit, action="test.rolled_back",
                     actor_kind="system")
        db.rollback()
        db.commit()
    assert not anchors_file(settings).exists()


def test_finding12_init_anchors_the_head(admin_app: Flask, runner: FlaskCliRunner,
                                         settings: Settings) -> None:
    some_events(admin_app, 1)
    anchors_file(settings).unlink()  # as if written by a release without anchors
    assert runner.invoke(args=["init"]).exit_code == 0
    assert anchors_file(settings).read_text().splitlines()[-1].startswith("1:")
    cut_from(admin_app, 1)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1


def test_finding12_keys_beside_the_database_are_warned_about(runner: FlaskCliRunner,
                                                             settings: Settings) -> None:
    # The test layout is the default one: database, file store and keys in instance/.
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0
    assert "Warning: the server-keys file" in result.output
    assert str(settings.server_keys_file.resolve().parent) in result.output


def test_finding12_keys_beside_the_file_store_are_warned_about(make_settings: Any,
                                                              tmp_path: Path) -> None:
    settings = make_settings(database_url="postgresql+psycopg://db.invalid/aktsom",
                             storage_dir=tmp_path / "data" / "storage",
                             server_keys_file=tmp_path / "data" / "server-keys.json")
    warning = keys_file_exposure(settings)
    assert warning is not None
    assert "holds the file store" in warning


def test_finding12_keys_elsewhere_give_no_warning(make_settings: Any, tmp_path: Path) -> None:
    keys = tmp_path / "etc" / "server-keys.json"
    app = admin.create_app(make_settings(
        database_url=f"sqlite:///{tmp_path}/data/aktsom.sqlite3",
        storage_dir=tmp_path / "data" / "files", server_keys_file=keys))
    try:
        result = AktsomRunner(app).invoke(args=["init"])
        assert result.exit_code == 0, result.output
        assert "Warning" not in result.output
    finally:
        engine_of(app).dispose()


def test_finding12_serve_warns_and_anchors_at_start(
    admin_app: Flask, runner: FlaskCliRunner, settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    some_events(admin_app, 1)
    anchors_file(settings).unlink()
    monkeypatch.setattr("admin.server.AktsomServer.run", lambda self: None)
    monkeypatch.setattr("admin.server.load_settings", lambda: settings)
    result = runner.invoke(args=["serve", "--app", "portal"])
    assert result.exit_code == 0, result.output
    assert "Warning: the server-keys file" in result.output
    assert anchors_file(settings).read_text().startswith("1:")
