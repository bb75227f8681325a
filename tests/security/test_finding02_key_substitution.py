"""Finding 2 (key substitution): the fingerprints on "My account" and on the admin's approve
page were both computed from `users.public_key`, so a key swapped in the database showed the
same fingerprint on both and the admin approved it; and sign-in never checked that the
unlocked private key belongs to the stored public key.

Now "My account" shows the fingerprint of the private key the session holds, sign-in refuses
(and alerts) when the stored public key is not the private key's, and a key is approved only
once its holder's own session has shown it holds the private key (a request bound under a
server key, which a database writer cannot make for a key of their own).
"""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from crypto import UserKeyPair, open_private_key, public_key_fingerprint
from portal.access import certified_public_key
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of
from portal.models import AuditEvent, User
from portal.states import Role
from tests.admin.helpers import csrf_token, make_user, second_admin_approves, sign_in
from tests.mail_sink import Sink
from tests.mail_sink import settings as settings  # noqa: F401 (fixture)
from tests.mail_sink import sink as sink  # noqa: F401 (fixture)


def swap_public_key(app: Flask, user_id: str, *, drop_certificate: bool = False) -> bytes:
    """The database writer replaces the stored public key by one of their own."""
    rogue = UserKeyPair.generate().public_bytes
    values: dict[str, object] = {"public_key": rogue}
    if drop_certificate:
        values["key_certificate"] = None
    with transaction(session_factory(app)) as db:
        db.execute(update(User).where(User.id == user_id).values(**values))
    return rogue


def stored(app: Flask, user_id: str) -> User:
    with session_factory(app)() as db:
        user = db.get(User, user_id)
        assert user is not None
        return user


def actions(app: Flask) -> list[str]:
    with session_factory(app)() as db:
        return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


@pytest.fixture
def admin_client_signed_in(admin_app: Flask) -> FlaskClient:
    user, password, secret = make_user(admin_app, roles=[Role.ADMIN], email="ada@example.org")
    client = admin_app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    return client


def test_finding02_sign_in_with_a_swapped_public_key_is_refused_and_alerts(
        admin_app: Flask, admin_client_signed_in: FlaskClient, sink: tuple[Sink, int],
        caplog: pytest.LogCaptureFixture) -> None:
    handler, password, secret = make_user(admin_app, roles=[Role.HANDLER], units=["NORDIC"],
                                          email="hal@example.org", name="Hal Handler")
    swap_public_key(admin_app, handler.id)
    caplog.set_level(logging.INFO)
    client = admin_app.test_client()
    response = sign_in(client, handler.email, password, secret)
    assert response.status_code == 200
    assert "Sign-in failed" in response.get_data(as_text=True)
    assert client.get("/admin/account").status_code == 302
    assert actions(admin_app)[-1] == "auth.key_mismatch"
    # The administrators hear of it by mail (content-free), the holder does not.
    mails, _port = sink
    assert mails.recipients() == ["ada@example.org"]
    # A log line says what happened, without the person's address or name.
    assert "does not match" in caplog.text
    for personal in ("hal@example.org", "Hal Handler", handler.id):
        assert personal not in caplog.text


def test_finding02_my_account_shows_the_fingerprint_of_the_private_key_in_the_session(
        admin_app: Flask) -> None:
    handler, password, secret = make_user(admin_app, roles=[Role.HANDLER], units=["NORDIC"])
    real = public_key_fingerprint(handler.public_key)
    client = admin_app.test_client()
    assert sign_in(client, handler.email, password, secret).status_code == 303
    rogue = swap_public_key(admin_app, handler.id)  # while the holder is signed in
    page = client.get("/admin/account").get_data(as_text=True)
    assert real in page
    assert public_key_fingerprint(rogue) not in page
    assert "does not match" in page


def test_finding02_the_approve_page_never_vouches_for_a_swapped_key(
        admin_app: Flask, admin_client_signed_in: FlaskClient) -> None:
    handler, _password, _secret = make_user(admin_app, roles=[Role.HANDLER], units=["NORDIC"])
    rogue = swap_public_key(admin_app, handler.id, drop_certificate=True)
    path = f"/admin/users/{handler.id}/approve"
    page = admin_client_signed_in.get(path).get_data(as_text=True)
    assert public_key_fingerprint(rogue) not in page
    admin_client_signed_in.post(path, data={"csrf_token": csrf_token(admin_client_signed_in,
                                                                       path)})
    keys = server_keys_of(admin_app)
    assert certified_public_key(stored(admin_app, handler.id), keys) is None
    assert "user.key_certified" not in actions(admin_app)


def test_finding02_a_key_its_holder_has_shown_is_approved_with_their_fingerprint(
        admin_app: Flask, admin_client_signed_in: FlaskClient) -> None:
    handler, password, secret = make_user(admin_app, roles=[Role.HANDLER], units=["NORDIC"])
    with transaction(session_factory(admin_app)) as db:
        db.execute(update(User).where(User.id == handler.id).values(key_certificate=None))
    # The holder signs in: their session shows the key is theirs (a request to approve).
    client = admin_app.test_client()
    assert sign_in(client, handler.email, password, secret).status_code == 303
    own = client.get("/admin/account").get_data(as_text=True)
    path = f"/admin/users/{handler.id}/approve"
    page = admin_client_signed_in.get(path).get_data(as_text=True)
    fingerprint = public_key_fingerprint(handler.public_key)
    assert fingerprint in own and fingerprint in page
    response = admin_client_signed_in.post(path, data={
        "csrf_token": csrf_token(admin_client_signed_in, path)})
    assert response.status_code == 303
    assert second_admin_approves(admin_app) == 1  # four eyes (finding 14)
    user = stored(admin_app, handler.id)
    assert certified_public_key(user, server_keys_of(admin_app)) == user.public_key
    private = open_private_key(user.sealed_private_key, password,
                               pepper=server_keys_of(admin_app).key_sealing)
    assert UserKeyPair.from_private_bytes(private).public_bytes == user.public_key
