"""Finding 1 (first-admin link): a database writer must not be able to forge or re-arm the
one-time `/admin/setup/<token>` link and so make themselves the first administrator.

The link is an HMAC under a key in the server-keys file, and "the first administrator exists"
is recorded beside that file, outside the database.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, update

from admin.accounts.setup import find_setup_token, first_admin_hint, issue_setup_token
from portal.db import session_factory, transaction, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import Role, SetupToken, User, UserRole
from tests.admin.helpers import csrf_token, make_user

LINK = re.compile(r"http://127\.0\.0\.1:8000(/admin/setup/(\S+))")


def plant_token(app: Flask, token: str) -> None:
    """What a database writer can do: store the hash of a token they chose."""
    with transaction(session_factory(app)) as db:
        db.execute(delete(SetupToken))
        db.add(SetupToken(token_hash=hashlib.sha256(token.encode()).digest(),
                          expires_at=utcnow() + timedelta(hours=1), created_at=utcnow()))


def redeem(client: FlaskClient, path: str, email: str = "root@example.org") -> int:
    return client.post(path, data={
        "csrf_token": csrf_token(client, "/admin/login"), "email": email, "name": "Root",
        "password": "first admin passphrase", "repeat_password": "first admin passphrase",
    }).status_code


def disable_every_admin(app: Flask) -> None:
    with transaction(session_factory(app)) as db:
        db.execute(update(User).values(disabled=True))


@pytest.mark.parametrize("token", [
    secrets.token_urlsafe(32),  # the old format: any random string whose hash is stored
    secrets.token_urlsafe(56),  # the new format's length, MAC made without the server key
], ids=["old-format", "new-format-length"])
def test_finding01_a_token_planted_in_the_database_is_refused(
    admin_app: Flask, admin_client: FlaskClient, token: str
) -> None:
    plant_token(admin_app, token)
    assert admin_client.get(f"/admin/setup/{token}").status_code == 404
    assert redeem(admin_client, f"/admin/setup/{token}") == 404
    with session_factory(admin_app)() as db:
        assert db.query(User).count() == 0


def test_finding01_disabling_or_removing_admins_does_not_rearm_setup(
    admin_app: Flask, admin_client: FlaskClient
) -> None:
    hint = first_admin_hint(admin_app, "127.0.0.1", 8000)
    assert hint is not None
    match = LINK.search(hint)
    assert match
    assert redeem(admin_client, match.group(1)) == 200
    # The database writer disables every admin, then removes the admin role altogether.
    disable_every_admin(admin_app)
    assert first_admin_hint(admin_app, "127.0.0.1", 8000) is None
    with transaction(session_factory(admin_app)) as db:
        db.execute(delete(UserRole).where(UserRole.role == Role.ADMIN))
    assert first_admin_hint(admin_app, "127.0.0.1", 8000) is None
    # Even a correctly keyed link (as only the server can make) no longer works.
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        token = issue_setup_token(db, server_keys_of(admin_app))
    assert admin_client.get(f"/admin/setup/{token}").status_code == 404


def test_finding01_an_admin_made_at_the_console_closes_setup_too(
    admin_app: Flask, admin_client: FlaskClient, runner: object
) -> None:
    result = runner.invoke(  # type: ignore[attr-defined]
        args=["users", "create", "--email", "op@example.org", "--name", "Operator",
              "--role", "admin", "--password-stdin"], input="operator passphrase 7\n")
    assert result.exit_code == 0, result.output
    disable_every_admin(admin_app)
    assert first_admin_hint(admin_app, "127.0.0.1", 8000) is None


def test_finding01_an_existing_admin_seen_at_serve_closes_setup(admin_app: Flask) -> None:
    # An installation from before this fix: an admin exists, nothing is recorded outside yet.
    make_user(admin_app, roles=[Role.ADMIN])
    assert first_admin_hint(admin_app, "127.0.0.1", 8000) is None
    disable_every_admin(admin_app)
    assert first_admin_hint(admin_app, "127.0.0.1", 8000) is None
    marker = settings_of(admin_app).server_keys_file.parent
    assert any(path.name == "setup-done" for path in marker.iterdir())


def test_finding01_a_database_writer_cannot_extend_the_link(admin_app: Flask) -> None:
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        token = issue_setup_token(db, server_keys_of(admin_app))
        db.execute(update(SetupToken).values(expires_at=utcnow() + timedelta(days=365)))
    with session_factory(admin_app)() as db:
        later = utcnow() + timedelta(hours=1, minutes=1)
        assert find_setup_token(db, server_keys_of(admin_app), token, now=later) is None
