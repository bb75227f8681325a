"""The staff navigation: what each blueprint declares, shown to the roles it names, in order."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Blueprint, Flask

from portal.models import Role
from portal.paths import STAFF_PREFIX
from portal.staff_menu import MenuEntry, declare_menu, menu_for
from tests.admin.helpers import make_user, sign_in

NAV = re.compile(r'<nav class="staff-nav"[^>]*>(.*?)</nav>', re.S)
ITEM = re.compile(r'<a href="([^"]+)">([^<]+)</a>|<form[^>]*action="([^"]+)"[^>]*>.*?'
                  r'<button[^>]*>([^<]+)</button>', re.S)
ACCOUNT = [("/admin/account", "My account"), ("post /admin/logout", "Sign out")]
CASES = [("/admin/cases", "Cases")]
# "Approvals" joined with four eyes for key authority (security finding 14).
# "Retention" joined with per-company retention periods (issue 11 §5), "External channels"
# (issue 11 §6) with the authorities shown to reporters and the defaults still to confirm,
# "Reporting routines" with the routines of AML §2A-6 (issue 11 §7); "Languages" with the
# review status and the switch per language (issue 16 §4).
ADMINISTRATION = [("/admin/users", "Users"), ("/admin/units", "Org units"),
                  ("/admin/approvals", "Approvals"), ("/admin/retention", "Retention"),
                  ("/admin/privacy/authorities", "External channels"),
                  ("/admin/languages", "Languages"),
                  ("/admin/routines", "Reporting routines")]
AUDIT = [("/admin/audit", "Audit log")]
# The supplier module (issue 12): the register (compliance, administrators by name), contract
# reviews (compliance, managers), meetings (compliance), the workflow's counts (compliance,
# auditors).
SUPPLIERS = ("/admin/suppliers/", "Suppliers")
DASHBOARD = ("/admin/suppliers/dashboard", "Supplier dashboard")
# Information requests of the Transparency Act (issue 13 §1): compliance.
INFORMATION = ("/admin/information-requests", "Information requests")
# The annual account's figures (issue 13 §2): compliance.
ANNUAL_FIGURES = ("/admin/annual-report/figures", "Annual account figures")
REVIEWS = ("/admin/suppliers/reviews/", "Contract reviews")
MEETINGS = ("/admin/suppliers/meetings/", "Supplier meetings")
FIGURES = ("/admin/suppliers/workflow-figures", "Supplier follow-up in figures")
# The Transparency Act account's workflow (issue 13 §4-§5): compliance works, auditors read.
ANNUAL = ("/admin/annual-accounts", "Transparency account")

# What each role saw before the entries were declared by the blueprints (admin/base.html),
# plus the approvals page, the supplier module and the information requests that came later.
MENUS = {
    Role.ADMIN: [SUPPLIERS] + ADMINISTRATION + AUDIT + ACCOUNT,
    Role.HANDLER: CASES + ACCOUNT,
    Role.MANAGER: CASES + [REVIEWS] + ACCOUNT,
    Role.COMPLIANCE: [SUPPLIERS, DASHBOARD, INFORMATION, ANNUAL_FIGURES, ANNUAL, REVIEWS,
                      MEETINGS, FIGURES] + ACCOUNT,
    Role.AUDITOR: [ANNUAL, FIGURES] + AUDIT + ACCOUNT,
}


def menu_items(html: str) -> list[tuple[str, str]]:
    """(href, label) of each navigation item; a form's action is `post <action>`."""
    found = NAV.search(html)
    assert found is not None, "no staff navigation on the page"
    return [(link or f"post {action}", (label or button).strip())
            for link, label, action, button in ITEM.findall(found.group(1))]


def _menu_of(app: Flask, roles: tuple[Role, ...]) -> list[tuple[str, str]]:
    user, password, secret = make_user(app, roles, units=("HQ",))
    client = app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    response = client.get(f"{STAFF_PREFIX}/")
    assert response.status_code == 200
    return menu_items(response.get_data(as_text=True))


@pytest.mark.parametrize("role", list(MENUS))
def test_each_role_sees_the_menu_it_always_saw(admin_app: Flask, role: Role) -> None:
    assert _menu_of(admin_app, (role,)) == MENUS[role]


def test_several_roles_see_the_union_in_one_order(admin_app: Flask) -> None:
    assert _menu_of(admin_app, tuple(Role)) == (
        CASES + [SUPPLIERS, DASHBOARD, INFORMATION, ANNUAL_FIGURES, ANNUAL, REVIEWS, MEETINGS,
                 FIGURES]
        + ADMINISTRATION + AUDIT + ACCOUNT)


def test_the_sign_in_page_has_no_staff_menu(admin_client: Any) -> None:
    assert NAV.search(admin_client.get(f"{STAFF_PREFIX}/login").get_data(as_text=True)) is None


def test_the_menu_follows_the_language(admin_app: Flask) -> None:
    user, password, secret = make_user(admin_app, (Role.HANDLER,), units=("HQ",))
    client = admin_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nb"
    assert sign_in(client, user.email, password, secret).status_code == 303
    items = menu_items(client.get(f"{STAFF_PREFIX}/").get_data(as_text=True))
    assert [label for _href, label in items] == ["Saker", "Min konto", "Logg ut"]


def _annual_account_blueprint() -> Blueprint:
    # A module that joins later, as the annual account will: its own blueprint and entry.
    bp = Blueprint("annual_test", __name__)

    @bp.get("/annual-test")
    def report() -> str:
        return "annual account"

    declare_menu(bp, [MenuEntry("annual_test.report", "Annual account (test)",
                                roles=(Role.COMPLIANCE, Role.MANAGER), order=300)])
    return bp


def test_a_blueprint_declares_its_entry_for_its_roles_only(admin_app: Flask) -> None:
    admin_app.register_blueprint(_annual_account_blueprint(), url_prefix=STAFF_PREFIX)
    entry = ("/admin/annual-test", "Annual account (test)")
    assert _menu_of(admin_app, (Role.COMPLIANCE,)) == [
        SUPPLIERS, DASHBOARD, INFORMATION, ANNUAL_FIGURES, ANNUAL, entry, REVIEWS, MEETINGS,
        FIGURES,
        *ACCOUNT]
    # Between the case list and the administration, by its order.
    assert _menu_of(admin_app, (Role.MANAGER, Role.ADMIN)) == (
        CASES + [SUPPLIERS, entry, REVIEWS] + ADMINISTRATION + AUDIT + ACCOUNT)
    for role in (Role.ADMIN, Role.HANDLER, Role.AUDITOR):
        assert entry not in _menu_of(admin_app, (role,))


def test_entries_belong_to_the_app_the_blueprint_is_registered_on(admin_app: Flask) -> None:
    other = Flask(__name__)
    other.register_blueprint(_annual_account_blueprint())
    user, _password, _secret = make_user(admin_app, (Role.COMPLIANCE,))
    assert [entry.endpoint for entry in menu_for(other, user)] == ["annual_test.report"]
    assert "annual_test.report" not in [entry.endpoint for entry in menu_for(admin_app, user)]
