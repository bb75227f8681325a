"""Import every package's models so `Base.metadata` knows all tables (Alembic, tests).

It sits at the top of the house because only the top may import every layer: `portal.db`
owns `Base`, but must not reach up into `supplier_dd` for its tables. A package that adds
models adds one import here; `migrations/env.py` and the schema tests import this module.
"""

import admin.annual.models  # noqa: F401
import portal.models  # noqa: F401
import supplier_dd.models  # noqa: F401
