"""The signed-in user's own pages: account, password change, authenticator set-up."""

from __future__ import annotations

import base64
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from admin.accounts.passwords import verify_password
from crypto import open_private_key, public_key_fingerprint
from portal.db import session_factory
from portal.extensions import server_keys_of, settings_of
from portal.models import Role, User
from tests.admin.helpers import csrf_token, make_user, sign_in

SECRET = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')


@pytest.fixture
def me(admin_app: Flask, admin_client: FlaskClient) -> tuple[User, str, bytes]:
    user, password, secret = make_user(admin_app, roles=[Role.HANDLER], units=["NORDIC"])
    assert sign_in(admin_client, user.email, password, secret).status_code == 303
    return user, password, secret


def change(client: FlaskClient, current: str, new: str, repeat: str | None = None) -> str:
    response = client.post("/admin/account/password", data={
        "csrf_token": csrf_token(client, "/admin/account/password"),
        "current_password": current, "new_password": new,
        "repeat_password": new if repeat is None else repeat})
    return str(response.status_code) + response.get_data(as_text=True)


def reload(app: Flask, user_id: str) -> User:
    with session_factory(app)() as db:
        user = db.get(User, user_id)
        assert user is not None
        return user


def test_account_shows_the_key_fingerprint(admin_client: FlaskClient,
                                           me: tuple[User, str, bytes]) -> None:
    body = admin_client.get("/admin/account").get_data(as_text=True)
    assert public_key_fingerprint(me[0].public_key) in body
    assert "no: ask an administrator" not in body


def test_password_change_rewraps_the_same_key(admin_app: Flask, admin_client: FlaskClient,
                                              me: tuple[User, str, bytes]) -> None:
    user, password, secret = me
    pepper = server_keys_of(admin_app).key_sealing
    before = open_private_key(reload(admin_app, user.id).sealed_private_key, password,
                              pepper=pepper)
    other_device = admin_app.test_client()
    assert sign_in(other_device, user.email, password, secret, step_offset=1).status_code == 303

    assert "The current password is not correct." in change(admin_client, "wrong one!!!",
                                                            "new passphrase 42")
    assert "at least 12 characters" in change(admin_client, password, "short")
    assert "The two new passwords differ." in change(admin_client, password,
                                                     "new passphrase 42", "new passphrase 43")
    assert change(admin_client, password, "new passphrase 42").startswith("303")

    stored = reload(admin_app, user.id)
    assert open_private_key(stored.sealed_private_key, "new passphrase 42",
                            pepper=pepper) == before
    assert stored.public_key == user.public_key
    # This browser carries on with a fresh session; the other device is signed out.
    assert admin_client.get("/admin/account").status_code == 200
    assert other_device.get("/admin/account").status_code == 302
    costs = settings_of(admin_app).argon2
    password_pepper = server_keys_of(admin_app).password_pepper
    assert not verify_password(costs, stored, password, pepper=password_pepper)
    assert verify_password(costs, stored, "new passphrase 42", pepper=password_pepper)
    assert not stored.password_change_required


def test_authenticator_set_up_needs_the_password(admin_client: FlaskClient,
                                                 me: tuple[User, str, bytes]) -> None:
    _, password, secret = me
    page = admin_client.get("/admin/account/totp").get_data(as_text=True)
    assert "totp-secret" not in page
    wrong = admin_client.post("/admin/account/totp", data={
        "csrf_token": csrf_token(admin_client, "/admin/account/totp"),
        "password": "not my password"}).get_data(as_text=True)
    assert "The password is not correct." in wrong
    assert "totp-secret" not in wrong
    shown = admin_client.post("/admin/account/totp", data={
        "csrf_token": csrf_token(admin_client, "/admin/account/totp"),
        "password": password}).get_data(as_text=True)
    match = SECRET.search(shown)
    assert match
    assert base64.b32decode(match.group(1).replace(" ", "")) == secret
    assert '<img src="data:image/svg+xml' in shown
    assert "style=" not in shown
    assert "<script" not in shown
