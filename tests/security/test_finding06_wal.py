"""Finding 6, the SQLite part: a deleted key wrap lingered in the write-ahead log (`-wal`), which
SQLite reuses from its start without shrinking it, so a copy of the database folder taken
after the exclusion still held the wrap. The exclusion now checkpoints the log into the
database (where `secure_delete` has zeroed the row) and truncates it, after its commit.

On PostgreSQL the equivalent is VACUUM, and old WAL segments and base backups keep the wrap
whatever is done: that is why the keys are replaced, not only the wraps deleted
(docs/crypto.md §5).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import make_url

from portal.db import session_factory, transaction
from portal.extensions import settings_of
from portal.models import CaseKeyWrap
from portal.states import Role
from tests.admin.case_support import World, exclude_with_four_eyes, make_person, new_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)


def _database_file(app: Flask) -> Path:
    url = make_url(settings_of(app).database_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("the write-ahead log file is SQLite's")
    return Path(str(url.database))


def test_finding06_the_log_keeps_no_deleted_wrap(world: World, portal_app: Flask,
                                                 admin_app: Flask) -> None:
    database = _database_file(portal_app)
    wal = database.with_name(database.name + "-wal")
    case_id, _code = new_case(portal_app, world.unit_id, "Bob's friend is involved.")
    with transaction(session_factory(portal_app)) as db:
        wraps = list(db.scalars(select(CaseKeyWrap.blob).where(
            CaseKeyWrap.case_id == case_id, CaseKeyWrap.recipient_id == world.bob.id)))
    assert len(wraps) == 2
    # The wraps are in the log right now, as on any busy server.
    assert wal.exists() and any(blob in wal.read_bytes() for blob in wraps)

    alice = signed_in(admin_app, world.alice)
    # Another holder approves the exclusion (four eyes, finding 14).
    _approver, response = exclude_with_four_eyes(
        admin_app, alice, case_id, world.bob.id,
        make_person(portal_app, "Hana", (Role.HANDLER,), ("NORDIC",)))
    assert response.status_code == 303

    log = wal.read_bytes() if wal.exists() else b""
    for blob in wraps:
        assert blob not in log
        # Nor in the database file: `secure_delete` overwrote the row when it was deleted.
        assert blob not in database.read_bytes()
