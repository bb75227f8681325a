"""Finding 14 ("nobody grants themselves access"), the second factor: an administrator who made
an account or reset it with a new authenticator on the web was shown its TOTP secret (QR code,
otpauth URI), so they held the holder's second factor as well as the password they chose.

Now the web paths make no secret: the account has none (the column is empty) until its holder,
at the first sign-in after a right password, sets up their own authenticator in a short-lived
server-side step and confirms it with a code; the forced password change follows, and refuses
the password the administrator chose. The console stays the trusted operator's path
(design §6): `aktsom users create` prints the otpauth URI and the account signs in at once.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update

import admin
from admin.accounts.services import create_user_to_enrol
from admin.auth.enrolment import ENROLMENT_COOKIE, ENROLMENT_SESSION_KIND
from admin.cli import cli
from portal.audit import CONSOLE
from portal.db import engine_of, session_factory, transaction, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import AuditEvent, ServerSession, User
from portal.serverkeys import create_server_keys
from portal.states import Role
from tests.admin.helpers import (
    ENROL_PATH,
    csrf_token,
    enrolment_secret,
    make_user,
    sign_in,
    sign_in_and_enrol,
    totp_code,
)

TEMPORARY = "temporary password 1"
OWN = "my own secret passphrase"


def stored(app: Flask, email: str) -> User:
    with session_factory(app)() as db:
        user = db.scalar(select(User).where(User.email == email))
        assert user is not None
        return user


def actions(app: Flask) -> list[str]:
    with session_factory(app)() as db:
        return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def signed_in_admin(app: Flask) -> FlaskClient:
    user, password, secret = make_user(app, roles=[Role.ADMIN], name="Ada Admin")
    client = app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    return client


def flashes(client: FlaskClient) -> list[str]:
    with client.session_transaction() as session:
        return [str(message) for _category, message in session.get("_flashes", [])]


def create_on_the_web(client: FlaskClient, email: str) -> list[str]:
    """Create an account as an administrator; returns every page and flash they received."""
    seen = [client.get("/admin/users/new").get_data(as_text=True)]
    response = client.post("/admin/users/new", data={
        "csrf_token": csrf_token(client, "/admin/users/new"), "email": email,
        "name": "Hanna Handler", "password": TEMPORARY, "roles": ["handler"]})
    assert response.status_code == 200
    seen.append(response.get_data(as_text=True))
    seen.extend(flashes(client))
    seen.append(client.get("/admin/users").get_data(as_text=True))
    return seen


def password_then_enrolment_page(client: FlaskClient, email: str, password: str,
                                 code: str = "") -> str:
    response = client.post("/admin/login", data={
        "csrf_token": csrf_token(client, "/admin/login"), "email": email,
        "password": password, "totp": code})
    assert response.status_code == 303
    assert response.headers["Location"] == ENROL_PATH
    return client.get(ENROL_PATH).get_data(as_text=True)


def enrol(client: FlaskClient, code: str) -> Any:
    # The token from the sign-in page (the same per-browser secret): the set-up page itself
    # may be gone by now.
    return client.post(ENROL_PATH, data={"csrf_token": csrf_token(client, "/admin/login"),
                                          "totp": code})


def set_cookie_names(response: Any) -> set[str]:
    return {header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")
            if "Max-Age=0" not in header and "expires=Thu, 01 Jan 1970" not in header}


def test_finding14_an_admin_creating_a_user_receives_nothing_to_make_codes_with(
        admin_app: Flask) -> None:
    adam = signed_in_admin(admin_app)
    seen = create_on_the_web(adam, "hanna@example.org")
    for text in seen:
        assert "otpauth" not in text
        assert 'id="totp-secret"' not in text
        assert "data:image/svg+xml" not in text
    user = stored(admin_app, "hanna@example.org")
    assert user.sealed_totp_secret is None
    assert not user.totp_confirmed
    # The secret the holder's app gets later is in nothing the administrator received.
    _, secret = sign_in_and_enrol(admin_app.test_client(), "hanna@example.org", TEMPORARY)
    base32 = base64.b32encode(secret).decode().rstrip("=")
    groups = " ".join(base32[i:i + 4] for i in range(0, len(base32), 4))
    for text in seen:
        assert base32 not in text
        assert groups not in text


def test_finding14_the_first_sign_in_enrols_and_only_a_right_code_completes_it(
        admin_app: Flask) -> None:
    create_on_the_web(signed_in_admin(admin_app), "hanna@example.org")
    hanna = admin_app.test_client()
    # A right password (with any code) leads to the set-up, not into the staff side.
    page = password_then_enrolment_page(hanna, "hanna@example.org", TEMPORARY, "123456")
    assert 'src="data:image/svg+xml' in page
    assert "style=" not in page
    assert "otpauth://totp/" in page
    secret = enrolment_secret(page)
    assert secret is not None
    assert hanna.get("/admin/account").status_code == 302
    # The same state shows the same secret until it is confirmed.
    assert enrolment_secret(hanna.get(ENROL_PATH).get_data(as_text=True)) == secret

    wrong = totp_code(secret, step_offset=5)
    refused = enrol(hanna, wrong)
    assert refused.status_code == 200
    assert "The code is not correct." in refused.get_data(as_text=True)
    assert "aktsom_staff" not in set_cookie_names(refused)
    assert hanna.get("/admin/account").status_code == 302
    assert stored(admin_app, "hanna@example.org").sealed_totp_secret is None
    assert actions(admin_app)[-1] == "auth.sign_in_failed"

    done = enrol(hanna, totp_code(secret))
    assert done.status_code == 303
    # Signed in, on a handler's start page (issue 14 §8).
    assert done.headers["Location"] == "/admin/cases"
    assert "aktsom_staff" in set_cookie_names(done)
    user = stored(admin_app, "hanna@example.org")
    assert user.sealed_totp_secret is not None
    assert user.totp_confirmed
    assert user.failed_logins == 0
    assert actions(admin_app)[-2:] == ["user.totp_enrolled", "auth.signed_in"]
    # The state is gone with the enrolment.
    assert hanna.get(ENROL_PATH).headers["Location"] == "/admin/login"
    with session_factory(admin_app)() as db:
        assert db.scalars(select(ServerSession).where(
            ServerSession.kind == ENROLMENT_SESSION_KIND)).all() == []

    # The forced password change follows.
    blocked = hanna.get("/admin/account")
    assert blocked.status_code == 302
    assert blocked.headers["Location"] == "/admin/account/password"
    changed = hanna.post("/admin/account/password", data={
        "csrf_token": csrf_token(hanna, "/admin/account/password"),
        "current_password": TEMPORARY, "new_password": OWN, "repeat_password": OWN})
    assert changed.status_code == 303
    assert hanna.get("/admin/account").status_code == 200
    # From now on a sign-in is password and code, with no set-up step.
    again = admin_app.test_client()
    assert sign_in(again, "hanna@example.org", OWN, secret, step_offset=1).status_code == 303


def test_finding14_the_enrolment_step_lives_only_within_the_sign_in_attempt(
        admin_app: Flask) -> None:
    adam = signed_in_admin(admin_app)
    create_on_the_web(adam, "hanna@example.org")
    # Nobody reaches it without a right password: no state, a forged state, a wrong password.
    stranger = admin_app.test_client()
    assert stranger.get(ENROL_PATH).headers["Location"] == "/admin/login"
    assert adam.get(ENROL_PATH).headers["Location"] == "/admin/login"
    stranger.set_cookie(ENROLMENT_COOKIE, "A" * 86, path="/admin")
    assert stranger.get(ENROL_PATH).headers["Location"] == "/admin/login"
    wrong = stranger.post("/admin/login", data={
        "csrf_token": csrf_token(stranger, "/admin/login"), "email": "hanna@example.org",
        "password": "not the password", "totp": ""})
    assert wrong.status_code == 200
    assert ENROLMENT_COOKIE not in set_cookie_names(wrong)

    hanna = admin_app.test_client()
    secret = enrolment_secret(password_then_enrolment_page(hanna, "hanna@example.org",
                                                           TEMPORARY))
    assert secret is not None
    # Every form has CSRF: a post without the token is refused.
    assert hanna.post(ENROL_PATH, data={"totp": totp_code(secret)}).status_code == 400
    # The state is short-lived: after ten minutes it opens nothing.
    with session_factory(admin_app)() as db:
        db.execute(update(ServerSession)
                   .where(ServerSession.kind == ENROLMENT_SESSION_KIND)
                   .values(created_at=utcnow() - timedelta(minutes=11),
                           last_seen_at=utcnow() - timedelta(minutes=11)))
        db.commit()
    late = enrol(hanna, totp_code(secret))
    assert late.status_code == 303
    assert late.headers["Location"] == "/admin/login"
    assert stored(admin_app, "hanna@example.org").sealed_totp_secret is None


def test_finding14_failed_codes_count_as_failed_sign_ins_and_end_the_enrolment(
        admin_app: Flask) -> None:
    create_on_the_web(signed_in_admin(admin_app), "hanna@example.org")
    hanna = admin_app.test_client()
    secret = enrolment_secret(password_then_enrolment_page(hanna, "hanna@example.org",
                                                           TEMPORARY))
    assert secret is not None
    # From the third failure in a row the account waits (admin.auth.services): the set-up
    # ends there and the holder signs in again, as after failed sign-ins.
    statuses = [enrol(hanna, totp_code(secret, step_offset=5 + i)).status_code
                for i in range(3)]
    assert statuses == [200, 200, 303]
    user = stored(admin_app, "hanna@example.org")
    assert user.failed_logins == 3
    assert user.locked_until is not None
    assert actions(admin_app)[-3:] == ["auth.sign_in_failed"] * 3
    assert enrol(hanna, totp_code(secret)).headers["Location"] == "/admin/login"
    assert stored(admin_app, "hanna@example.org").sealed_totp_secret is None


def test_finding14_two_parallel_enrolments_cannot_both_store_a_secret(
        admin_app: Flask) -> None:
    create_on_the_web(signed_in_admin(admin_app), "hanna@example.org")
    first, second = admin_app.test_client(), admin_app.test_client()
    first_secret = enrolment_secret(password_then_enrolment_page(
        first, "hanna@example.org", TEMPORARY))
    second_secret = enrolment_secret(password_then_enrolment_page(
        second, "hanna@example.org", TEMPORARY))
    assert first_secret and second_secret and first_secret != second_secret
    # The second state was made before the first enrolled: it must not overwrite it.
    second_form = csrf_token(second, ENROL_PATH)
    assert enrol(first, totp_code(first_secret)).status_code == 303
    late = second.post(ENROL_PATH, data={"csrf_token": second_form,
                                         "totp": totp_code(second_secret)})
    assert late.status_code == 303
    assert late.headers["Location"] == "/admin/login"
    assert sign_in(admin_app.test_client(), "hanna@example.org", TEMPORARY, first_secret,
                   step_offset=1).status_code == 303


def test_finding14_a_reset_with_a_new_authenticator_makes_the_holder_enrol_again(
        admin_app: Flask) -> None:
    adam = signed_in_admin(admin_app)
    target, password, old_secret = make_user(admin_app, roles=[Role.HANDLER])
    path = f"/admin/users/{target.id}/reset"
    response = adam.post(path, data={"csrf_token": csrf_token(adam, path),
                                     "password": TEMPORARY, "new_totp": "y"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "otpauth" not in body
    assert 'id="totp-secret"' not in body
    assert 'id="enrolment-at-sign-in"' in body
    assert all("otpauth" not in message for message in flashes(adam))
    assert stored(admin_app, target.email).sealed_totp_secret is None
    assert "user.totp_reset" in actions(admin_app)
    # The old authenticator opens nothing: the new password leads to a new set-up.
    holder = admin_app.test_client()
    page = password_then_enrolment_page(holder, target.email, TEMPORARY,
                                        totp_code(old_secret, step_offset=1))
    new_secret = enrolment_secret(page)
    assert new_secret is not None
    assert new_secret != old_secret
    assert enrol(holder, totp_code(new_secret)).status_code == 303
    assert holder.get("/admin/account").headers["Location"] == "/admin/account/password"
    # Nor does the old password.
    assert sign_in(admin_app.test_client(), target.email, password, new_secret,
                   step_offset=1).status_code == 200


def test_finding14_the_console_path_prints_the_uri_and_signs_in_directly(
        admin_app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(cli, ["users", "create", "--email", "ola@example.org", "--name",
                                 "Ola Operator", "--role", "handler", "--password-stdin"],
                           input=OWN + "\n")
    assert result.exit_code == 0, result.output
    uri = next(word for word in result.output.split() if word.startswith("otpauth://totp/"))
    text = parse_qs(urlsplit(uri).query)["secret"][0]
    secret = base64.b32decode(text + "=" * (-len(text) % 8))
    assert stored(admin_app, "ola@example.org").sealed_totp_secret is not None
    client = admin_app.test_client()
    response = sign_in(client, "ola@example.org", OWN, secret)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/cases"  # a handler's start (issue 14 §8)
    assert client.get("/admin/account").status_code == 200


@pytest.mark.parametrize("forced", [True, False])
def test_finding14_a_password_change_to_the_same_password_is_refused(
        admin_app: Flask, forced: bool) -> None:
    client = admin_app.test_client()
    if forced:
        create_on_the_web(signed_in_admin(admin_app), "hanna@example.org")
        assert sign_in_and_enrol(client, "hanna@example.org", TEMPORARY)[0].status_code == 303
        email, current = "hanna@example.org", TEMPORARY
    else:
        user, current, secret = make_user(admin_app, roles=[Role.HANDLER])
        email = user.email
        assert sign_in(client, email, current, secret).status_code == 303
    before = stored(admin_app, email)
    response = client.post("/admin/account/password", data={
        "csrf_token": csrf_token(client, "/admin/account/password"),
        "current_password": current, "new_password": current, "repeat_password": current})
    assert response.status_code == 200
    assert "The new password must differ from the current one." in response.get_data(
        as_text=True)
    after = stored(admin_app, email)
    assert after.password_change_required is forced
    assert after.password_hash == before.password_hash
    assert after.public_key == before.public_key


def test_finding14_the_enrolment_step_is_rate_limited(
        make_settings: Callable[..., Any], database_url: str) -> None:
    settings = make_settings(database_url=database_url, rate_limit_login="2 per minute")
    create_server_keys(settings.server_keys_file)
    app = admin.create_app(settings)
    app.config.update(TESTING=True)
    try:
        with app.app_context(), transaction(session_factory(app)) as db:
            create_user_to_enrol(db, costs=settings_of(app).argon2, keys=server_keys_of(app),
                                 email="rita@example.org", name="Rita", password=TEMPORARY,
                                 roles=[Role.HANDLER], actor=CONSOLE)
        client = app.test_client()
        password_then_enrolment_page(client, "rita@example.org", TEMPORARY)
        codes = [enrol(client, "000000").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
    finally:
        engine_of(app).dispose()

