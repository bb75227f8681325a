"""Finding 7 (offline guessing from a database copy): a handler's private key was sealed under
their password alone and the sign-in hash was Argon2id(password) alone, so a copy of the
database let an attacker test password guesses offline; and 'aaaaaaaaaaaa' or
'passwordpassword' were accepted as passwords.

Now both mix in secrets from the server-keys file, older records are upgraded at the next
sign-in, and common or trivially repetitive passwords are refused wherever one is set.
"""

from __future__ import annotations

import unicodedata

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from admin.accounts.passwords import check_new_password
from admin.accounts.setup import issue_setup_token
from crypto import (
    TEST_ARGON2,
    InvalidCiphertext,
    UserKeyPair,
    open_private_key,
    private_key_needs_reseal,
)
from crypto._encoding import length_prefixed
from crypto._secret_seal import open_under_secret, seal_under_secret
from portal.argon2_costs import password_hasher
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.models import Role, User
from portal.refusals import Refusal
from tests.admin.helpers import csrf_token, make_user, sign_in

# The reviewer's examples, and a few more from the same families.
WEAK = ["aaaaaaaaaaaa", "passwordpassword", "abcabcabcabc", "password1234", "qwertyuiopasdf",
        "123456789012", "abcdefghijklmn", "iloveyou1234"]
STRONG = "tundra ledger violet 42"


def stored(app: Flask, user_id: str) -> User:
    with session_factory(app)() as db:
        user = db.get(User, user_id)
        assert user is not None
        return user


def guess_from_the_copy(blob: bytes, password: str) -> bytes:
    """What the database copy alone allows: the documented format, without the server key."""
    secret = unicodedata.normalize("NFC", password).encode()
    for version, label in ((1, b"aktsom/private-key/v1"), (2, b"aktsom/private-key/v2")):
        try:
            return open_under_secret(bytes([version]) + blob[1:], secret, version=version,
                                     aad_suffix=length_prefixed(label), size=96)
        except InvalidCiphertext:
            continue
    raise InvalidCiphertext()


def test_finding07_a_sealed_key_copied_from_the_database_does_not_open_without_the_secret(
    admin_app: Flask,
) -> None:
    user, password, _ = make_user(admin_app, roles=[Role.HANDLER])
    blob = stored(admin_app, user.id).sealed_private_key
    # Even the right password does not open it from the copy ...
    with pytest.raises(InvalidCiphertext):
        guess_from_the_copy(blob, password)
    with pytest.raises(InvalidCiphertext):
        open_private_key(blob, password, pepper=bytes(32))
    # ... while the server, holding the key file, opens it.
    private = open_private_key(blob, password, pepper=server_keys_of(admin_app).key_sealing)
    assert UserKeyPair.from_private_bytes(private).public_bytes == user.public_key


def test_finding07_the_sign_in_hash_in_the_database_admits_no_guess(admin_app: Flask) -> None:
    user, password, _ = make_user(admin_app, roles=[Role.HANDLER])
    stored_hash = stored(admin_app, user.id).password_hash
    encoded = stored_hash[stored_hash.index("$argon2id$"):]
    with pytest.raises(VerificationError):
        PasswordHasher().verify(encoded, password)


@pytest.mark.parametrize("password", WEAK)
def test_finding07_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(Refusal):
        check_new_password(password)


def test_finding07_a_password_made_of_the_persons_name_is_refused() -> None:
    check_new_password("margarethe lindqvist")
    with pytest.raises(Refusal):
        check_new_password("margarethe lindqvist", user_inputs=("Margarethe Lindqvist",))


def test_finding07_weak_passwords_are_refused_at_the_console(runner: FlaskCliRunner) -> None:
    for password in ("aaaaaaaaaaaa", "passwordpassword"):
        result = runner.invoke(args=["users", "create", "--email", "w@example.org", "--name",
                                     "Weak", "--role", "handler", "--password-stdin"],
                               input=password + "\n")
        assert result.exit_code != 0
        assert "repeats" in result.output or "too common" in result.output


def test_finding07_weak_passwords_are_refused_on_every_web_form(
    admin_app: Flask, admin_client: FlaskClient
) -> None:
    user, password, secret = make_user(admin_app, roles=[Role.ADMIN, Role.HANDLER])
    assert sign_in(admin_client, user.email, password, secret).status_code == 303

    def post(path: str, **data: object) -> str:
        response = admin_client.post(path, data={"csrf_token": csrf_token(admin_client, path),
                                                 **data})
        return response.get_data(as_text=True)

    for weak in ("abcabcabcabc", "password1234"):
        created = post("/admin/users/new", email="new@example.org", name="New Person",
                       password=weak, roles=["handler"])
        changed = post("/admin/account/password", current_password=password,
                       new_password=weak, repeat_password=weak)
        other, _, _ = make_user(admin_app, roles=[Role.AUDITOR])
        reset = post(f"/admin/users/{other.id}/reset", password=weak)
        for body in (created, changed, reset):
            assert "repeats" in body or "too common" in body
    with session_factory(admin_app)() as db:
        assert db.scalar(select(User).where(User.email == "new@example.org")) is None


def test_finding07_old_records_open_once_and_are_resealed_with_the_pepper_at_sign_in(
    admin_app: Flask, admin_client: FlaskClient
) -> None:
    user, password, secret = make_user(admin_app, roles=[Role.HANDLER])
    keys = server_keys_of(admin_app)
    private = open_private_key(stored(admin_app, user.id).sealed_private_key, password,
                               pepper=keys.key_sealing)
    # The records as the first release wrote them: password-only seal and hash.
    legacy_seal = seal_under_secret(password.encode(), private, version=1,
                                    aad_suffix=length_prefixed(b"aktsom/private-key/v1"),
                                    params=TEST_ARGON2, salt=bytes(range(16)),
                                    nonce=bytes(range(12)))
    with transaction(session_factory(admin_app)) as db:
        row = db.get(User, user.id)
        assert row is not None
        row.sealed_private_key = legacy_seal
        row.password_hash = password_hasher(settings_of(admin_app).argon2).hash(password)
    assert sign_in(admin_client, user.email, password, secret).status_code == 303
    upgraded = stored(admin_app, user.id)
    assert not private_key_needs_reseal(upgraded.sealed_private_key)
    assert open_private_key(upgraded.sealed_private_key, password,
                            pepper=keys.key_sealing) == private
    with pytest.raises(InvalidCiphertext):
        guess_from_the_copy(upgraded.sealed_private_key, password)
    assert upgraded.password_hash.startswith("$aktsom-hmac$")
    # And the upgraded records still sign in.
    again = admin_app.test_client()
    assert sign_in(again, user.email, password, secret, step_offset=1).status_code == 303


def test_finding07_strong_passphrases_still_pass() -> None:
    check_new_password(STRONG)
    check_new_password("correct horse battery staple")


def test_finding07_weak_passwords_are_refused_on_the_first_run_page(
    admin_app: Flask, admin_client: FlaskClient
) -> None:
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        token = issue_setup_token(db, server_keys_of(admin_app))
    path = f"/admin/setup/{token}"
    response = admin_client.post(path, data={
        "csrf_token": csrf_token(admin_client, path), "email": "root@example.org",
        "name": "Root", "password": "aaaaaaaaaaaa", "repeat_password": "aaaaaaaaaaaa"})
    assert "repeats" in response.get_data(as_text=True)
    assert admin_client.get(path).status_code == 200  # the link still works
