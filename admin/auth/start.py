"""Where a signed-in user starts (issue 14 §8): the page of their work, not a welcome page.

One order for users with several roles, most urgent work first: a handler's case list (the
legal clocks run there), a manager's escalations (the top of the same list, which shows what
awaits their decision first), compliance's supplier register, the auditor's audit log, the
administrator's users. A user with none of these starts on the staff home page.
"""

from __future__ import annotations

from flask import url_for

from portal.models import Role, User

# (role, endpoint, anchor) in the order of precedence.
START_PAGES: tuple[tuple[Role, str, str], ...] = (
    (Role.HANDLER, "cases.case_list", ""),
    (Role.MANAGER, "cases.case_list", "escalations"),
    (Role.COMPLIANCE, "suppliers.index", ""),
    (Role.AUDITOR, "audit.events", ""),
    (Role.ADMIN, "accounts.users", ""),
)


def start_page(user: User) -> str:
    """The path `user` lands on after signing in."""
    for role, endpoint, anchor in START_PAGES:
        if user.has_role(role):
            return url_for(endpoint, _anchor=anchor or None)
    return url_for("home.index")
