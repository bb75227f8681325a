"""Issue 14 §8: signing in lands on the page of one's work. A handler on the case list, a
manager on the escalations awaiting them, compliance on the supplier register, an auditor on
the audit log, an administrator on the users; with several roles, the first of that order
(admin.auth.start.START_PAGES)."""

from __future__ import annotations

import pytest
from flask import Flask

from admin.auth.start import START_PAGES
from portal.models import Role
from tests.admin.helpers import make_user, sign_in

ONE_ROLE = {
    Role.HANDLER: "/admin/cases",
    Role.MANAGER: "/admin/cases#escalations",
    Role.COMPLIANCE: "/admin/suppliers/",
    Role.AUDITOR: "/admin/audit",
    Role.ADMIN: "/admin/users",
}


def _lands(app: Flask, roles: list[Role], next_path: str | None = None) -> str:
    user, password, secret = make_user(app, roles=roles)
    client = app.test_client()
    response = sign_in(client, user.email, password, secret, next_path=next_path)
    assert response.status_code == 303
    target = response.headers["Location"]
    # The start page opens for that user (no 403 or 404 at the end of a sign-in).
    assert client.get(target.split("#")[0]).status_code == 200
    return target


@pytest.mark.parametrize("role", list(Role))
def test_each_role_starts_on_its_own_page(admin_app: Flask, role: Role) -> None:
    assert _lands(admin_app, [role]) == ONE_ROLE[role]


@pytest.mark.parametrize(("roles", "start"), [
    ([Role.ADMIN, Role.HANDLER], "/admin/cases"),
    ([Role.COMPLIANCE, Role.MANAGER], "/admin/cases#escalations"),
    ([Role.AUDITOR, Role.COMPLIANCE], "/admin/suppliers/"),
    ([Role.ADMIN, Role.AUDITOR], "/admin/audit"),
    ([Role.MANAGER, Role.HANDLER, Role.COMPLIANCE], "/admin/cases"),
])
def test_several_roles_start_on_the_first_in_the_order(admin_app: Flask, roles: list[Role],
                                                       start: str) -> None:
    assert _lands(admin_app, roles) == start


def test_the_order_covers_every_role_once() -> None:
    assert [role for role, _endpoint, _anchor in START_PAGES] == [
        Role.HANDLER, Role.MANAGER, Role.COMPLIANCE, Role.AUDITOR, Role.ADMIN]


def test_a_staff_return_path_still_wins(admin_app: Flask) -> None:
    assert _lands(admin_app, [Role.AUDITOR], next_path="/admin/account") == "/admin/account"


def test_the_escalations_anchor_is_on_the_managers_list(admin_app: Flask) -> None:
    user, password, secret = make_user(admin_app, roles=[Role.MANAGER])
    client = admin_app.test_client()
    sign_in(client, user.email, password, secret)
    page = client.get("/admin/cases").get_data(as_text=True)
    assert 'id="escalations"' in page and 'id="no-escalations"' in page
