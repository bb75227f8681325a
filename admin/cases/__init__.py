"""Case handling on the staff side (issue 5): the `cases` blueprint and its commands.

Importing the view modules attaches their routes to the blueprint.
"""

from admin.cases import access_views, actions, register, views  # noqa: F401 (routes)
from admin.cases.blueprint import bp

__all__ = ["bp"]
