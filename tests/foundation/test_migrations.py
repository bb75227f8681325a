"""Migrations: the migrated schema equals the models, and every revision goes down and up."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

import admin.models_registry  # noqa: F401
from portal.db import Base
from portal.schema import alembic_config, downgrade, upgrade


def _diff(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True,
                "include_name": lambda name, type_, _parents: not (
                    type_ == "table" and str(name).startswith("sqlite_")),
            })
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


def test_statistics_tables_do_not_count_as_schema_drift(tmp_path: object) -> None:
    from portal.db import make_engine, refresh_statistics

    url = f"sqlite:///{tmp_path}/analysed.sqlite3"
    upgrade(url)
    engine = make_engine(url)
    try:
        refresh_statistics(engine)
    finally:
        engine.dispose()
    assert _diff(url) == []
    upgrade(url)  # a later `aktsom init` still works


def test_rebuilding_a_table_on_sqlite_keeps_the_rows_that_refer_to_it(tmp_path: object) -> None:
    """Reproduction: revision 0015 rebuilds `cases` in batch mode; with foreign keys on during
    the migration, dropping the old table cascaded to every message of every case (and the
    legal holds of 0004's test). Migrations now run with them off and check them after."""
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path}/kept.sqlite3"
    upgrade(url, "0001")
    engine = create_engine(url)
    day = "'2025-01-01 00:00:00.000000'"
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO cases (id, category, human_rights, channel, status, "
                "routed_to_group, legal_hold, created_at, acknowledgement_due_at, "
                "feedback_due_at, next_due_at, lookup_id, reporter_key, "
                "reporter_key_certificate, key_generation, sealed_answers) VALUES "
                f"('{'c' * 32}', 'fraud', 0, 'web', 'open', 0, 0, {day}, {day}, {day}, "
                f"{day}, x'01', x'00', x'00', 0, x'00')"))
            connection.execute(text(
                "INSERT INTO messages (id, case_id, seq, author_kind, kind, key_kind, "
                f"key_generation, sealed_body, created_at) VALUES ('{'m' * 32}', '{'c' * 32}', "
                f"1, 'reporter', 'message', 'case', 0, x'00', {day})"))
        upgrade(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM messages")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM cases")).scalar() == 1
    finally:
        engine.dispose()
