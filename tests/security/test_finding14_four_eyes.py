"""Security finding 14, "nobody grants themselves access": an admin could give themselves the
handler role and a company, and read the next report. Giving a key more to receive now takes
two administrators, nobody changes their own roles, and the console stays the operator's
trusted path."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from portal.approvals import pending
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of
from portal.key_directory import is_certified
from portal.models import CaseKeyWrap, Role, User
from portal.states import ApprovalKind
from tests.admin.case_support import World, new_case, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.helpers import make_user, second_admin_approves, sign_in
from tests.factories import csrf_token


def wrapped_to(app: Flask, case_id: str) -> set[str]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return set(db.scalars(select(CaseKeyWrap.recipient_id)
                              .where(CaseKeyWrap.case_id == case_id)))


def roles_of(app: Flask, user_id: str) -> set[Role]:
    with app.app_context(), transaction(session_factory(app)) as db:
        user = db.get(User, user_id)
        assert user is not None
        return {item.role for item in user.roles}


def test_finding14_an_admin_cannot_make_themselves_a_handler(world: World,
                                                              admin_app: Flask) -> None:
    adam = signed_in(admin_app, world.adam)
    response = post(adam, f"/admin/users/{world.adam.id}",
                    {"roles": ["admin", "handler"], "units": [world.unit_id]},
                    token_from=f"/admin/users/{world.adam.id}")
    assert response.status_code == 200
    assert "You cannot change your own roles or org units." in response.get_data(as_text=True)
    assert roles_of(admin_app, world.adam.id) == {Role.ADMIN}


def test_finding14_a_handler_role_given_by_one_admin_waits_for_a_second(
        world: World, admin_app: Flask, portal_app: Flask) -> None:
    """Adam gives the auditor Audrey the handler role for Nordic (say, an accomplice, or an
    account of his own): she receives nothing until another administrator approves, and
    neither Adam nor Audrey can approve it."""
    adam = signed_in(admin_app, world.adam)
    response = post(adam, f"/admin/users/{world.audrey.id}",
                    {"roles": ["auditor", "handler"], "units": [world.unit_id]},
                    token_from=f"/admin/users/{world.audrey.id}")
    assert response.status_code == 303
    first, _ = new_case(portal_app, world.unit_id)
    assert world.audrey.id not in wrapped_to(portal_app, first)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        (request,) = pending(db, ApprovalKind.KEY_AUTHORITY, subject_id=world.audrey.id)
        request_id = request.id
    # The one who asked cannot approve: the page offers no button, and a forged post fails.
    page = adam.get("/admin/approvals").get_data(as_text=True)
    assert f'id="approval-{request_id}"' in page
    assert f"/admin/approvals/{request_id}" not in page
    response = adam.post(f"/admin/approvals/{request_id}", data={
        "csrf_token": csrf_token(adam, "/admin/approvals"), "decision": "approve"})
    assert response.status_code == 303
    second, _ = new_case(portal_app, world.unit_id)
    assert world.audrey.id not in wrapped_to(portal_app, second)
    # The account holder is no administrator: the approvals page is not theirs.
    audrey = signed_in(admin_app, world.audrey)
    assert audrey.get("/admin/approvals").status_code == 403
    # A second administrator approves: from now on she receives Nordic's cases.
    assert second_admin_approves(admin_app) == 1
    third, _ = new_case(portal_app, world.unit_id)
    assert world.audrey.id in wrapped_to(portal_app, third)


def test_finding14_a_rejected_request_certifies_nothing(world: World, admin_app: Flask,
                                                        portal_app: Flask) -> None:
    adam = signed_in(admin_app, world.adam)
    post(adam, f"/admin/users/{world.carl.id}", {"roles": ["compliance", "handler"],
                                                 "units": [world.unit_id]},
         token_from=f"/admin/users/{world.carl.id}")
    other, password, secret = make_user(admin_app, roles=[Role.ADMIN], name="Other Admin")
    client = admin_app.test_client()
    assert sign_in(client, other.email, password, secret).status_code == 303
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        (request,) = pending(db, ApprovalKind.KEY_AUTHORITY, subject_id=world.carl.id)
        request_id = request.id
    response = client.post(f"/admin/approvals/{request_id}", data={
        "csrf_token": csrf_token(client, "/admin/approvals"), "decision": "reject"})
    assert response.status_code == 303
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        carl = db.get(User, world.carl.id)
        assert carl is not None
        assert not is_certified(server_keys_of(portal_app), carl)
        assert pending(db, ApprovalKind.KEY_AUTHORITY) == []


def test_finding14_narrowing_is_never_held_up(world: World, admin_app: Flask,
                                              portal_app: Flask) -> None:
    """Taking authority away needs no second person: it is certified at once."""
    adam = signed_in(admin_app, world.adam)
    response = post(adam, f"/admin/users/{world.olga.id}", {"roles": ["auditor"]},
                    token_from=f"/admin/users/{world.olga.id}")
    assert response.status_code == 303
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        olga = db.get(User, world.olga.id)
        assert olga is not None and olga.key_certificate is None
        assert pending(db, ApprovalKind.KEY_AUTHORITY) == []


def test_finding14_the_console_is_the_operators_trusted_path(admin_app: Flask) -> None:
    """`aktsom users create ... --password-stdin` (design §6): certified at once."""
    handler, _password, _secret = make_user(admin_app, roles=[Role.HANDLER], units=["NORDIC"])
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        user = db.get(User, handler.id)
        assert user is not None
        assert is_certified(server_keys_of(admin_app), user, Role.HANDLER)
        assert pending(db, ApprovalKind.KEY_AUTHORITY) == []
