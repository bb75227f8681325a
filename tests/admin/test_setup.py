"""First run: a one-time, one-hour link makes the first administrator in the browser."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

import admin
from admin.accounts.setup import SETUP_TOKEN_LIFETIME, find_setup_token, first_admin_hint
from config import Settings
from portal.db import session_factory, utcnow
from portal.extensions import server_keys_of
from portal.models import Role, SetupToken, User
from tests.admin.helpers import csrf_token, make_user, sign_in

LINK = re.compile(r"http://127\.0\.0\.1:8000(/admin/setup/(\S+))")


def issue(app: Flask) -> tuple[str, str]:
    hint = first_admin_hint(app, "127.0.0.1", 8000)
    assert hint is not None
    match = LINK.search(hint)
    assert match, hint
    return match.group(1), match.group(2)


def fill(client: FlaskClient, path: str, email: str = "root@example.org") -> str:
    response = client.post(path, data={
        "csrf_token": csrf_token(client, path), "email": email, "name": "First Admin",
        "password": "first admin passphrase", "repeat_password": "first admin passphrase"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_link_makes_one_admin_and_shows_the_authenticator_set_up(
    admin_app: Flask, admin_client: FlaskClient
) -> None:
    path, token = issue(admin_app)
    with session_factory(admin_app)() as db:
        row = db.scalar(select(SetupToken))
        assert row is not None
        # Only the hash is stored, with an expiry an hour ahead.
        assert row.token_hash == hashlib.sha256(token.encode()).digest()
        assert token.encode() not in row.token_hash
        assert abs(row.expires_at - (utcnow() + SETUP_TOKEN_LIFETIME)) < timedelta(minutes=1)
    assert admin_client.get(path).status_code == 200
    body = fill(admin_client, path)
    assert 'id="totp-secret"' in body
    assert 'src="data:image/svg+xml' in body
    assert "style=" not in body
    assert "<style" not in body
    with session_factory(admin_app)() as db:
        admin = db.scalar(select(User))
        assert admin is not None
        assert [item.role for item in admin.roles] == [Role.ADMIN]
        assert db.scalar(select(SetupToken)) is None
    # Single use: the link is gone, and no new one is offered once an admin exists.
    assert admin_client.get(path).status_code == 404
    assert fill_status(admin_client, path) == 404
    assert first_admin_hint(admin_app, "127.0.0.1", 8000) is None


def fill_status(client: FlaskClient, path: str) -> int:
    token = csrf_token(client, "/admin/login")
    return client.post(path, data={"csrf_token": token, "email": "again@example.org",
                                   "name": "Again", "password": "x" * 20,
                                   "repeat_password": "x" * 20}).status_code


def test_the_link_expires_after_an_hour(admin_app: Flask, admin_client: FlaskClient) -> None:
    path, token = issue(admin_app)
    keys = server_keys_of(admin_app)
    with session_factory(admin_app)() as db:
        assert find_setup_token(db, keys, token, now=utcnow() + timedelta(minutes=59)) is not None
        assert find_setup_token(db, keys, token, now=utcnow() + SETUP_TOKEN_LIFETIME) is None
        db.execute(update(SetupToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.commit()
    assert admin_client.get(path).status_code == 404


def test_a_new_link_replaces_the_old_one(admin_app: Flask, admin_client: FlaskClient) -> None:
    old_path, _ = issue(admin_app)
    new_path, _ = issue(admin_app)
    assert admin_client.get(old_path).status_code == 404
    assert admin_client.get(new_path).status_code == 200


def test_refusals_keep_the_link(admin_app: Flask, admin_client: FlaskClient) -> None:
    path, _ = issue(admin_app)
    response = admin_client.post(path, data={
        "csrf_token": csrf_token(admin_client, path), "email": "root@example.org",
        "name": "Root", "password": "too short", "repeat_password": "too short"})
    assert "at least 12 characters" in response.get_data(as_text=True)
    response = admin_client.post(path, data={
        "csrf_token": csrf_token(admin_client, path), "email": "root@example.org",
        "name": "Root", "password": "long enough one", "repeat_password": "long enough two"})
    assert "The two passwords differ." in response.get_data(as_text=True)
    assert admin_client.get(path).status_code == 200


def test_no_link_while_an_admin_exists(admin_app: Flask,
                                                      admin_client: FlaskClient) -> None:
    path, _ = issue(admin_app)
    user, password, secret = make_user(admin_app, roles=[Role.ADMIN])
    assert first_admin_hint(admin_app, "127.0.0.1", 8000) is None
    assert admin_client.get(path).status_code == 404  # an admin appeared meanwhile
    assert sign_in(admin_client, user.email, password, secret).status_code == 303


def test_no_link_before_the_schema_exists(make_settings: Callable[..., Settings],
                                          tmp_path: Path) -> None:
    app = admin.create_app(make_settings(database_url=f"sqlite:///{tmp_path}/empty.sqlite3"))
    assert first_admin_hint(app, "127.0.0.1", 8000) is None
