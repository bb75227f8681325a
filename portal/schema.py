"""Alembic, driven from code: `aktsom init` upgrades the schema as a deploy step.

It lives in the database layer (beside `portal.db`) so the portal's own `aktsom init` needs
nothing from the packages above it. The migration scripts themselves sit outside the import
graph: `migrations/env.py` reaches every package's models from the top (`admin.models_registry`).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

# migrations/ sits beside the packages (outside the import graph, design §2); the project is
# installed in editable mode, so it is found relative to this file.
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for `database_url` with our migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would read a '%' in a password as a directive.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database at `database_url` up to `revision` (the newest by default)."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Migrate the database at `database_url` down to `revision` ("base" empties it)."""
    command.downgrade(alembic_config(database_url), revision)
