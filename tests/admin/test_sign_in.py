"""Sign-in over HTTP: one form, mandatory TOTP, one generic refusal, a new session each time."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

import admin
from crypto import open_private_key
from portal.db import engine_of, session_factory, utcnow
from portal.extensions import server_keys_of
from portal.models import AuditEvent, Role, ServerSession, User
from portal.serverkeys import create_server_keys
from tests.admin.helpers import csrf_token, make_user, sign_in, totp_code

GENERIC = ("Sign-in failed. Check the email address, the password and the code, "
           "or wait a few minutes and try again.")
ERROR_BOX = re.compile(r'id="sign-in-error"[^>]*>\s*<h2>[^<]*</h2>\s*<p>([^<]*)</p>')


def refusal(response: Any) -> str:
    match = ERROR_BOX.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:1500]
    return match.group(1).replace("&#39;", "'")


def staff_cookie(response: Any) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("aktsom_staff="):
            return str(header)
    return None


def set_user(app: Flask, user_id: str, **values: Any) -> None:
    with session_factory(app)() as db:
        db.execute(update(User).where(User.id == user_id).values(**values))
        db.commit()


def load_user(app: Flask, user_id: str) -> User:
    with session_factory(app)() as db:
        user = db.get(User, user_id)
        assert user is not None
        return user


def test_sign_in_starts_a_server_side_session(admin_app: Flask, admin_client: FlaskClient) -> None:
    user, password, secret = make_user(admin_app, roles=[Role.HANDLER], units=["NORDIC"])
    response = sign_in(admin_client, user.email.upper(), password, secret)
    assert response.status_code == 303
    # A handler starts on the case list (issue 14 §8; tests/admin/test_start_page.py).
    assert response.headers["Location"] == "/admin/cases"
    cookie = staff_cookie(response)
    assert cookie is not None
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/admin" in cookie
    assert "Secure" not in cookie
    assert "Expires" not in cookie
    assert admin_client.get("/admin/").status_code == 200
    with session_factory(admin_app)() as db:
        row = db.scalar(select(ServerSession))
        assert row is not None
        assert (row.kind, row.user_id, row.user_generation) == ("staff", user.id, 0)
        # The unlocked private key is in the row only sealed under the cookie's key.
        private = open_private_key(load_user(admin_app, user.id).sealed_private_key, password,
                                   pepper=server_keys_of(admin_app).key_sealing)
        assert private not in row.sealed_payload
        actions = list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
        assert actions == ["user.created", "auth.signed_in"]
    stored = load_user(admin_app, user.id)
    assert stored.totp_confirmed
    assert stored.failed_logins == 0
    assert stored.last_totp_step > 0


def test_staff_cookie_is_secure_when_configured(make_settings: Callable[..., Any],
                                                database_url: str) -> None:
    settings = make_settings(database_url=database_url, cookie_secure=True)
    create_server_keys(settings.server_keys_file)
    app = admin.create_app(settings)
    app.config.update(TESTING=True)
    try:
        user, password, secret = make_user(app)
        client = app.test_client()
        # The test client only sends Secure cookies over https.
        client.environ_base["wsgi.url_scheme"] = "https"
        cookie = staff_cookie(sign_in(client, user.email, password, secret))
        assert cookie is not None
        assert "Secure" in cookie
    finally:
        engine_of(app).dispose()


def test_a_new_session_and_csrf_secret_at_every_sign_in(
    admin_app: Flask, admin_client: FlaskClient
) -> None:
    user, password, secret = make_user(admin_app)
    first = staff_cookie(sign_in(admin_client, user.email, password, secret))
    before = csrf_token(admin_client, "/admin/account/password")
    second = staff_cookie(sign_in(admin_client, user.email, password, secret, step_offset=1))
    assert first
    assert second
    assert first != second
    assert csrf_token(admin_client, "/admin/account/password") != before
    with session_factory(admin_app)() as db:
        # Signing in again ended the browser's earlier session.
        assert len(list(db.scalars(select(ServerSession)))) == 1


@pytest.mark.parametrize("case", ["unknown email", "wrong password", "wrong code",
                                  "reused code", "locked", "disabled", "garbled code"])
def test_every_refusal_looks_the_same(admin_app: Flask, admin_client: FlaskClient,
                                      case: str) -> None:
    user, password, secret = make_user(admin_app)
    email, code = user.email, totp_code(secret)
    if case == "unknown email":
        email = "nobody@example.org"
    elif case == "wrong password":
        password = "not the password at all"
    elif case == "wrong code":
        code = f"{(int(code) + 1) % 1_000_000:06d}"
    elif case == "garbled code":
        code = "12ab56"
    elif case == "reused code":
        assert sign_in(admin_client, email, password, secret).status_code == 303
        admin_client.post("/admin/logout",
                          data={"csrf_token": csrf_token(admin_client, "/admin/account")})
    elif case == "locked":
        set_user(admin_app, user.id, locked_until=utcnow() + timedelta(minutes=5))
    elif case == "disabled":
        set_user(admin_app, user.id, disabled=True)
    response = admin_client.post("/admin/login", data={
        "csrf_token": csrf_token(admin_client, "/admin/login"),
        "email": email, "password": password, "totp": code})
    assert response.status_code == 200
    assert refusal(response) == GENERIC
    assert staff_cookie(response) is None
    assert admin_client.get("/admin/account").status_code == 302


def test_right_password_without_code_asks_for_the_code(
    admin_app: Flask, admin_client: FlaskClient
) -> None:
    user, password, secret = make_user(admin_app)
    data = {"email": user.email, "password": password, "totp": ""}
    response = admin_client.post("/admin/login", data={
        **data, "csrf_token": csrf_token(admin_client, "/admin/login")})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="sign-in-code-needed"' in body
    assert "sign-in-error" not in body
    assert staff_cookie(response) is None
    assert load_user(admin_app, user.id).failed_logins == 0
    # A wrong password without a code is an ordinary, counted failure.
    response = admin_client.post("/admin/login", data={
        **data, "password": "wrong password here",
        "csrf_token": csrf_token(admin_client, "/admin/login")})
    assert refusal(response) == GENERIC
    assert load_user(admin_app, user.id).failed_logins == 1
    # The same form then takes all three.
    assert sign_in(admin_client, user.email, password, secret).status_code == 303


def test_a_post_without_csrf_token_is_refused(admin_app: Flask,
                                              admin_client: FlaskClient) -> None:
    user, password, secret = make_user(admin_app)
    response = admin_client.post("/admin/login", data={
        "email": user.email, "password": password, "totp": totp_code(secret)})
    assert response.status_code == 400
    assert staff_cookie(response) is None


@pytest.mark.parametrize(("next_path", "location"), [
    ("/admin/account", "/admin/account"),
    # Anything else: the user's start page (a handler's case list, issue 14 §8).
    ("https://evil.example/admin/", "/admin/cases"),
    ("//evil.example/admin/", "/admin/cases"),
    ("/elsewhere", "/admin/cases"),
])
def test_sign_in_returns_only_to_staff_pages(admin_app: Flask, admin_client: FlaskClient,
                                             next_path: str, location: str) -> None:
    user, password, secret = make_user(admin_app)
    response = sign_in(admin_client, user.email, password, secret, next_path=next_path)
    assert response.headers["Location"] == location


def test_a_signed_out_visitor_is_sent_to_sign_in(admin_client: FlaskClient) -> None:
    response = admin_client.get("/admin/users?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login?next=/admin/users?x%3D1"
    page = admin_client.get("/admin/login")
    assert page.status_code == 200
    for name in ("email", "password", "totp", "csrf_token"):
        assert f'name="{name}"' in page.get_data(as_text=True)


def test_sign_in_is_rate_limited(make_settings: Callable[..., Any], database_url: str) -> None:
    settings = make_settings(database_url=database_url, rate_limit_login="2 per minute")
    create_server_keys(settings.server_keys_file)
    app = admin.create_app(settings)
    app.config.update(TESTING=True)
    try:
        client = app.test_client()
        data = {"email": "nobody@example.org", "password": "guess guess guess", "totp": "123456"}
        codes = [client.post("/admin/login", data={
            **data, "csrf_token": csrf_token(client, "/admin/login")}).status_code
            for _ in range(3)]
        assert codes == [200, 200, 429]
    finally:
        engine_of(app).dispose()


def test_a_totp_secret_copied_to_another_account_does_not_work(
    admin_app: Flask, admin_client: FlaskClient
) -> None:
    victim, password, _ = make_user(admin_app)
    attacker, _, attacker_secret = make_user(admin_app)
    # Someone with database access copies their own sealed secret onto the victim's row.
    with session_factory(admin_app)() as db:
        source = db.get(User, attacker.id)
        assert source is not None
        db.execute(update(User).where(User.id == victim.id)
                   .values(sealed_totp_secret=source.sealed_totp_secret))
        db.commit()
    response = sign_in(admin_client, victim.email, password, attacker_secret)
    assert refusal(response) == GENERIC
