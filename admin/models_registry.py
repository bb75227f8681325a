"""Import every package's models so `Base.metadata` knows all tables (Alembic, tests)."""

import portal.models  # noqa: F401
