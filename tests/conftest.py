"""Shared fixtures: a settings factory, the two apps, clients, a CLI runner and a real database.

The database is SQLite by default. With AKTSOM_DATABASE_URL pointing at PostgreSQL (as in CI),
a fresh database is made for the test session (for each pytest-xdist worker: `make test` runs
one per core), migrated once, and emptied after every test.
"""

from __future__ import annotations

import gc
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import admin
import portal
from config import Settings, load_settings
from portal.db import Base, engine_of
from portal.schema import upgrade
from portal.serverkeys import create_server_keys

_PG_ENV = "AKTSOM_DATABASE_URL"


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move what importing and collecting made (a quarter of a million objects) out of the
    garbage collector's sight: they live as long as the run, and every full collection
    during the tests walked them all again (0.14 s each, after every PostgreSQL test)."""
    gc.collect()
    gc.freeze()


def _is_postgres(url: str | None) -> bool:
    return bool(url) and url.startswith("postgresql")  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def _database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per test session: a SQLite template file, or a fresh PostgreSQL database."""
    configured = os.environ.get(_PG_ENV)
    if _is_postgres(configured):
        assert configured is not None
        name = f"aktsom_test_{uuid.uuid4().hex[:10]}"
        admin_engine = create_engine(configured, isolation_level="AUTOCOMMIT")
        with admin_engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(configured).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
        reset_engine = _RESET_ENGINES.pop(url, None)
        if reset_engine is not None:
            reset_engine.dispose()
        with admin_engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        upgrade(f"sqlite:///{path}")
        yield str(path)


@pytest.fixture
def database_url(_database_template: str, tmp_path: Path) -> Iterator[str]:
    if _is_postgres(_database_template):
        yield _database_template
        _empty_postgres(_database_template)
    else:
        path = tmp_path / "instance" / "aktsom.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_database_template, path)
        yield f"sqlite:///{path}"


_RESET_ENGINES: dict[str, Any] = {}


def _empty_postgres(url: str) -> None:
    """Empty every table after a test and restart its sequences.

    DELETE, not TRUNCATE: on tables this small DELETE takes about 5 ms, where TRUNCATE makes
    new files for all the tables and takes 200 ms, which was a fifth of the PostgreSQL pass.
    A connection the test (or the app) left idle inside a transaction may hold locks: that used
    to hang the whole run. When one is open, wait up to 20 s for it as TRUNCATE does, and fail
    the test naming the leaked connection's last statement if it never lets go."""
    engine = _RESET_ENGINES.get(url)
    if engine is None:
        engine = _RESET_ENGINES[url] = create_engine(url, pool_size=1, pool_pre_ping=True)
    tables = [f'"{table.name}"' for table in reversed(Base.metadata.sorted_tables)]
    # A session dropped without close() lets its connection go only when it is collected;
    # and an engine a test dropped must be collected within that test, not in a later one
    # where its connections' "deleted while still open" would be blamed on the wrong test.
    # Cheap since what collection made is frozen (pytest_collection_finish).
    gc.collect()
    leak_suspected = bool(_idle_in_transaction(engine))
    # TRUNCATE waits for every transaction that touched a table, even one that only read: with
    # one open, it finds the leak rather than leaving it to the next test.
    try:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '20s'"))
            if leak_suspected:
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY"))
                return
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
            connection.execute(text(
                "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false)"
                " FROM pg_sequences WHERE schemaname = current_schema()"
                " AND last_value IS NOT NULL"))
    except OperationalError:
        leaked = _idle_in_transaction(engine)
        _terminate(engine)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY"))
        pytest.fail(f"a connection was left idle in a transaction: {leaked}")


def _idle_in_transaction(engine: Any) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text(
            "SELECT left(query, 200) FROM pg_stat_activity WHERE datname = current_database()"
            " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()")).scalars())


def _terminate(engine: Any) -> None:
    """End the leaked connections so that the next tests still run."""
    with engine.connect() as connection:
        connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        connection.commit()


@pytest.fixture
def make_settings(tmp_path: Path) -> Any:
    """Build test settings; keyword arguments override any field."""

    def _make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "env": "test",
            "instance_dir": tmp_path / "instance",
            "storage_dir": tmp_path / "instance" / "storage",
            "server_keys_file": tmp_path / "instance" / "server-keys.json",
        }
        values.update(overrides)
        settings = load_settings(environ={}, **values)
        settings.storage_dir.mkdir(parents=True, exist_ok=True)
        create_server_keys(settings.server_keys_file)
        return settings

    return _make


@pytest.fixture
def settings(make_settings: Any, database_url: str) -> Settings:
    settings: Settings = make_settings(database_url=database_url)
    return settings


@pytest.fixture
def portal_app(settings: Settings) -> Iterator[Flask]:
    app = portal.create_app(settings)
    app.config.update(TESTING=True)
    yield app
    engine_of(app).dispose()


@pytest.fixture
def admin_app(settings: Settings) -> Iterator[Flask]:
    app = admin.create_app(settings)
    app.config.update(TESTING=True)
    yield app
    engine_of(app).dispose()


@pytest.fixture
def make_portal_app(make_settings: Any, database_url: str) -> Iterator[Any]:
    """Build a portal app with overridden settings; its engine is disposed afterwards."""
    made: list[Flask] = []

    def _make(**overrides: Any) -> Flask:
        overrides.setdefault("database_url", database_url)
        app = portal.create_app(make_settings(**overrides))
        app.config.update(TESTING=True)
        made.append(app)
        return app

    yield _make
    for app in made:
        engine_of(app).dispose()


@pytest.fixture
def app(portal_app: Flask) -> Flask:
    return portal_app


@pytest.fixture
def client(portal_app: Flask) -> FlaskClient:
    return portal_app.test_client()


@pytest.fixture
def admin_client(admin_app: Flask) -> FlaskClient:
    return admin_app.test_client()


class AktsomRunner(FlaskCliRunner):
    """Invokes the `aktsom` console group (not `flask`) against the test app."""

    def invoke(self, cli: Any = None, args: Any = None, **kwargs: Any) -> Any:
        from admin.cli import cli as aktsom

        return super().invoke(cli or aktsom, args, **kwargs)


@pytest.fixture
def runner(admin_app: Flask) -> FlaskCliRunner:
    return AktsomRunner(admin_app)
