"""Issue 15 §9: what the reporter is shown a code for has reached the disk first.

Attachment files and the directory naming them are fsynced before the commit that shows the
code (before, a power cut could keep a case whose files were gone); SQLite syncs its log at
every commit (`synchronous=FULL`, not NORMAL); PostgreSQL refuses to run with
`synchronous_commit=off` or `fsync=off`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from config import Settings
from portal.db import UnsafeDatabaseSettings, engine_of, make_engine
from portal.storage import FileStore
from tests.faults.conftest import organisation  # noqa: F401
from tests.portal.conftest import Organisation
from tests.portal.helpers import submit

_SQLITE_FULL = 2


def _record_fsyncs(monkeypatch: pytest.MonkeyPatch, events: list[tuple[str, str]]) -> None:
    """Wrap os.fsync so each call is recorded with the path of what it synced."""
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        events.append((kind, os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_store_fsyncs_the_file_and_its_directory(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[tuple[str, str]] = []
    _record_fsyncs(monkeypatch, events)
    store = FileStore(tmp_path / "store")
    name = store.new_name()
    with store.create(name) as target:
        target.write(b"ciphertext")
    path = store.path(name)
    assert ("file", str(path)) in events
    assert ("dir", str(path.parent)) in events
    # The new shard directory is itself named in the root: that entry is synced too.
    assert ("dir", str(store.root)) in events
    # The file's data before the entry that names it.
    assert events.index(("file", str(path))) < events.index(("dir", str(path.parent)))


def test_attachments_are_fsynced_before_the_commit_that_shows_the_code(
        portal_app: Flask, organisation: Organisation,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Power-cut reproduction of issue 15 §9: a case committed before its files reached the
    disk. Each attachment file and its directory must be synced before the COMMIT."""
    events: list[tuple[str, str]] = []
    _record_fsyncs(monkeypatch, events)
    engine = engine_of(portal_app)

    @event.listens_for(engine, "commit")
    def _commit(_connection: Any) -> None:
        events.append(("commit", ""))

    client = portal_app.test_client()
    from io import BytesIO
    code = submit(client, organisation.unit_id, "Fences were locked at night.",
                  attachments=[(BytesIO(b"evidence " * 100), "evidence.txt")])
    assert code
    stored = [path for path in settings.storage_dir.glob("*/*.bin")]
    assert len(stored) == 1
    path = stored[0]
    commits = [index for index, item in enumerate(events) if item[0] == "commit"]
    file_synced = events.index(("file", str(path)))
    dir_synced = events.index(("dir", str(path.parent)))
    # The first commit after the file was written is the one that stored the case.
    showing_commit = next(index for index in commits if index > file_synced)
    assert file_synced < dir_synced < showing_commit


def test_sqlite_runs_wal_with_synchronous_full_on_every_connection(tmp_path: Path) -> None:
    """NORMAL may lose the last commits on power loss (issue 15 §9): FULL on each connection."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    connections = [engine.connect() for _ in range(3)]
    try:
        for connection in connections:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == _SQLITE_FULL
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        for connection in connections:
            connection.close()
        engine.dispose()


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (AKTSOM_DATABASE_URL)")
    return database_url


@pytest.mark.postgres
def test_postgres_with_synchronous_commit_off_is_refused(postgres_url: str) -> None:
    """A commit acknowledged before it reached the WAL on disk can vanish in a crash."""
    name = make_url(postgres_url).database
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        engine = make_engine(postgres_url)
        with pytest.raises(UnsafeDatabaseSettings, match="synchronous_commit"), \
                engine.connect():
            pass
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" RESET synchronous_commit'))
        admin.dispose()
    engine = make_engine(postgres_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
    engine.dispose()


@pytest.mark.postgres
def test_serve_refuses_to_start_with_synchronous_commit_off(postgres_url: str,
                                                            runner: Any) -> None:
    name = make_url(postgres_url).database
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        engine_of(runner.app).dispose()  # no pooled connection from before
        result = runner.invoke(args=["serve", "--port", "1"])
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" RESET synchronous_commit'))
        admin.dispose()
    assert result.exit_code != 0
    assert "synchronous_commit=off" in result.output
