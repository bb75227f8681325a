"""Case handling on the staff side (issue 5): the `cases` blueprint and its commands.

The routes are one table in `admin.cases.routes`; nothing registers itself on import.
"""

from admin.cases.blueprint import bp
from admin.cases.routes import add_routes

add_routes(bp)

__all__ = ["bp"]
