"""The database layer: SQLite made safe for a web app, one transaction per request."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

from portal.db import make_engine


def test_sqlite_runs_with_wal_foreign_keys_and_secure_delete(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.sqlite3")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1
    finally:
        engine.dispose()


def test_a_failed_request_rolls_back(portal_app: Flask) -> None:
    from portal.db import db_session
    from portal.models import OrgUnit

    @portal_app.post("/write-then-fail")
    def write_then_fail() -> tuple[str, int]:
        db_session().add(OrgUnit(code="ROLLED", name="Rolled back"))
        return "refused", 400

    @portal_app.post("/write")
    def write() -> str:
        db_session().add(OrgUnit(code="KEPT", name="Kept"))
        return "ok"

    portal_app.config["WTF_CSRF_ENABLED"] = False
    client = portal_app.test_client()
    assert client.post("/write-then-fail").status_code == 400
    assert client.post("/write").status_code == 200
    from portal.db import session_factory, transaction

    with transaction(session_factory(portal_app)) as db:
        codes = set(db.scalars(text("SELECT code FROM org_units")))
    assert codes == {"KEPT"}


@pytest.mark.parametrize("url", ["mysql://x/y"])
def test_unsupported_databases_are_refused_by_settings(url: str) -> None:
    from config import SettingsError, load_settings

    with pytest.raises(SettingsError):
        load_settings(environ={"AKTSOM_DATABASE_URL": url})


def test_sqlite_statistics_are_refreshed(tmp_path: object) -> None:
    from portal.db import refresh_statistics

    engine = make_engine(f"sqlite:///{tmp_path}/s.sqlite3")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (a INTEGER)"))
            connection.execute(text("CREATE INDEX ix_t_a ON t (a)"))
            connection.execute(text("INSERT INTO t VALUES (1), (2), (3)"))
        refresh_statistics(engine)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT tbl FROM sqlite_stat1")).scalars().all()
        assert "t" in rows
    finally:
        engine.dispose()


def test_a_session_opened_in_an_inner_app_context_gives_its_connection_back(
        admin_app: Flask) -> None:
    """A string translated in an app context pushed inside a request (as the supplier
    dashboard's tests do) reads the offered languages through a session of that context's
    own `g`; no request teardown closed it, and on PostgreSQL the next test's TRUNCATE hung
    on the connection left idle in a transaction (found in session 5, issue 15)."""
    from flask_babel import gettext

    from portal.db import engine_of

    engine = engine_of(admin_app)
    with admin_app.test_request_context("/admin/"):
        with admin_app.app_context():
            gettext("Expired")
            assert engine.pool.checkedout() == 1
        assert engine.pool.checkedout() == 0
