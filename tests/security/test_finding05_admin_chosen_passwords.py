"""Finding 5 (admin-chosen passwords): creating a user or resetting a password on the web
sealed the key pair under a password the administrator knows, and the forced password change
only re-sealed the same pair. The administrator, who could open that pair once, could read
every case sent to the handler from then on.

Now the holder's own password comes with a new key pair made in their session; the case and
escalation keys received in between are rewrapped to it, and it is certified (with the
authority of the old certificate) only then. A voluntary password change offers the same
(a checkbox, on by default).
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from crypto import InvalidCiphertext, open_private_key, unwrap_case_key
from portal.access import certified_public_key
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of
from portal.key_directory import has_key_proof, is_certified
from portal.models import AuditEvent, CaseKeyWrap, Escalation, User
from portal.states import Role
from tests.admin.case_support import World, new_case, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.helpers import csrf_token, second_admin_approves, sign_in, sign_in_and_enrol

SECRET = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')
TEMPORARY = "temporary password 1"
OWN = "my own secret passphrase"


def stored(app: Flask, user_id: str) -> User:
    with session_factory(app)() as db:
        user = db.get(User, user_id)
        assert user is not None
        return user


def create_on_the_web(admin: FlaskClient, email: str, roles: list[str],
                      units: list[str]) -> None:
    """The administrator creates an account with a password they chose.

    Since finding 14 the page shows no TOTP secret (it did, and the administrator saw it):
    the holder sets up their own authenticator at the first sign-in (`choose_own_password`).
    """
    response = admin.post("/admin/users/new", data={
        "csrf_token": csrf_token(admin, "/admin/users/new"), "email": email,
        "name": email.split("@")[0].title(), "password": TEMPORARY, "roles": roles,
        "units": units})
    assert response.status_code == 200
    assert SECRET.search(response.get_data(as_text=True)) is None


def user_id_of(app: Flask, email: str) -> str:
    with session_factory(app)() as db:
        found = db.scalar(select(User.id).where(User.email == email))
        assert found is not None
        return found


def what_the_admin_opens(app: Flask, user_id: str) -> bytes:
    """The administrator's copy of the key sealed under the password they chose."""
    return open_private_key(stored(app, user_id).sealed_private_key, TEMPORARY,
                            pepper=server_keys_of(app).key_sealing)


def opens_with(app: Flask, user_id: str, private_key: bytes) -> list[str]:
    """The case ids whose wraps for `user_id` open with `private_key`."""
    opened = []
    with session_factory(app)() as db:
        for wrap in db.scalars(select(CaseKeyWrap).where(CaseKeyWrap.recipient_id == user_id)):
            try:
                unwrap_case_key(wrap.blob, private_key,
                                case_id=f"{wrap.case_id}:{wrap.key_kind}", recipient_id=user_id)
            except InvalidCiphertext:
                continue
            opened.append(wrap.case_id)
    return opened


def choose_own_password(app: Flask, email: str, secret: bytes | None,
                        **extra: str) -> FlaskClient:
    """Sign in with the temporary password (setting up the authenticator first when the
    account has none, `secret` None) and choose the own password."""
    client = app.test_client()
    if secret is None:
        assert sign_in_and_enrol(client, email, TEMPORARY)[0].status_code == 303
    else:
        assert sign_in(client, email, TEMPORARY, secret).status_code == 303
    response = client.post("/admin/account/password", data={
        "csrf_token": csrf_token(client, "/admin/account/password"),
        "current_password": TEMPORARY, "new_password": OWN, "repeat_password": OWN, **extra})
    assert response.status_code == 303
    return client


def test_finding05_the_first_own_password_comes_with_a_new_key_pair(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    adam = signed_in(admin_app, world.adam)
    create_on_the_web(adam, "hanna@example.org", ["handler"], [world.unit_id])
    assert second_admin_approves(admin_app) == 1  # four eyes (finding 14)
    hanna = user_id_of(admin_app, "hanna@example.org")
    admins_copy = what_the_admin_opens(admin_app, hanna)
    between, _ = new_case(portal_app, world.unit_id, "IN-BETWEEN-MARKER")
    before = stored(admin_app, hanna)

    client = choose_own_password(admin_app, "hanna@example.org", None)
    after = stored(admin_app, hanna)
    assert after.public_key != before.public_key
    # Certified from her own session, for what the administrator had approved.
    keys = server_keys_of(admin_app)
    assert certified_public_key(after, keys) == after.public_key
    assert is_certified(keys, after, Role.HANDLER, [world.unit_id])
    assert has_key_proof(keys, after)
    # The case that came in between was rewrapped: she reads it; the admin's copy opens none.
    assert "IN-BETWEEN-MARKER" in client.get(f"/admin/cases/{between}").get_data(as_text=True)
    assert opens_with(admin_app, hanna, admins_copy) == []
    # Nor any case that comes later.
    later, _ = new_case(portal_app, world.unit_id, "LATER-MARKER")
    assert opens_with(admin_app, hanna, admins_copy) == []
    assert "LATER-MARKER" in client.get(f"/admin/cases/{later}").get_data(as_text=True)
    with session_factory(admin_app)() as db:
        assert "user.key_rotated" in set(db.scalars(select(AuditEvent.action)))


def test_finding05_after_a_reset_the_own_password_comes_with_a_new_key_pair(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    adam = signed_in(admin_app, world.adam)
    path = f"/admin/users/{world.bob.id}/reset"
    response = adam.post(path, data={"csrf_token": csrf_token(adam, path),
                                     "password": TEMPORARY})
    assert response.status_code == 200
    admins_copy = what_the_admin_opens(admin_app, world.bob.id)
    choose_own_password(admin_app, world.bob.email, world.bob.totp_secret)
    later, _ = new_case(portal_app, world.unit_id)
    assert later in opens_with(admin_app, world.bob.id, open_private_key(
        stored(admin_app, world.bob.id).sealed_private_key, OWN,
        pepper=server_keys_of(admin_app).key_sealing))
    assert opens_with(admin_app, world.bob.id, admins_copy) == []


def test_finding05_a_voluntary_change_makes_a_new_key_pair_unless_declined(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    earlier, _ = new_case(portal_app, world.unit_id, "EARLIER-MARKER")
    original = stored(admin_app, world.alice.id).public_key
    alice = signed_in(admin_app, world.alice)
    form = alice.get("/admin/account/password").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="new_key_pair"[^>]*>', form)
    assert box and " checked" in box.group(0)  # on by default
    response = alice.post("/admin/account/password", data={
        "csrf_token": csrf_token(alice, "/admin/account/password"),
        "current_password": world.alice.password, "new_password": OWN,
        "repeat_password": OWN, "new_key_pair": "y"})
    assert response.status_code == 303
    assert stored(admin_app, world.alice.id).public_key != original
    assert opens_with(admin_app, world.alice.id, world.alice.private_key) == []
    assert "EARLIER-MARKER" in alice.get(f"/admin/cases/{earlier}").get_data(as_text=True)
    assert certified_public_key(stored(admin_app, world.alice.id),
                                server_keys_of(admin_app)) is not None


def test_finding05_escalation_keys_received_in_between_are_rewrapped(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    adam = signed_in(admin_app, world.adam)
    create_on_the_web(adam, "mats@example.org", ["manager"], [])
    assert second_admin_approves(admin_app) == 1  # four eyes (finding 14)
    mats = user_id_of(admin_app, "mats@example.org")
    admins_copy = what_the_admin_opens(admin_app, mats)
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    response = post(alice, f"/admin/cases/{case_id}/escalate",
                    {"manager_id": mats, "summary": "SUMMARY-MARKER for the manager"})
    assert response.status_code == 303
    client = choose_own_password(admin_app, "mats@example.org", None)
    assert "SUMMARY-MARKER" in client.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    with transaction(session_factory(admin_app)) as db:
        escalation = db.scalars(select(Escalation)).one()
        assert escalation.manager_wrap is not None
        try:
            unwrap_case_key(escalation.manager_wrap, admins_copy,
                            case_id=f"{case_id}:escalation:{escalation.id}", recipient_id=mats)
        except InvalidCiphertext:
            pass
        else:
            raise AssertionError("the administrator's copy still opens the escalation")
