"""Alembic environment: reaches every model from the top of the house."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import admin.models_registry  # noqa: F401  (registers every table on Base.metadata)
from portal.db import Base, make_engine

target_metadata = Base.metadata


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Leave SQLite's own tables (sqlite_stat1 from ANALYZE) out of autogenerate."""
    return not (type_ == "table" and name is not None and name.startswith("sqlite_"))


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a table (create the new one, copy, drop the old, rename). With
        # foreign keys on, dropping the old `cases` would cascade to every message, file and
        # key wrap that refers to it: switch them off for the migration (outside any
        # transaction, or SQLite ignores it) and check every reference afterwards.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
        if broken:
            raise RuntimeError(f"migration left {len(broken)} rows with a broken reference")


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None  # noqa: S101 (set by portal.schema)
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported")
run_migrations_online()
