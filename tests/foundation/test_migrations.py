"""Migrations: the migrated schema equals the models, and every revision goes down and up."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

import admin.models_registry  # noqa: F401
from admin.migrate import alembic_config, downgrade, upgrade
from portal.db import Base


def _diff(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_migrated_schema_equals_the_models(database_url: str) -> None:
    assert _diff(database_url) == []


def test_every_revision_goes_down_and_up(database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    revisions = list(script.walk_revisions())
    assert revisions, "no migrations found"
    downgrade(database_url, "base")
    engine = create_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade(database_url)
    assert _diff(database_url) == []


def test_upgrade_on_an_empty_sqlite_file(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/empty.sqlite3"
    upgrade(url)
    assert _diff(url) == []
