"""`aktsom users create|list`: the contract of design §6 and its error messages."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from admin.accounts.passwords import verify_password
from admin.accounts.totp import open_totp_secret
from admin.cli import cli
from crypto import UserKeyPair, open_private_key
from portal.access import certified_public_key
from portal.db import session_factory
from portal.extensions import server_keys_of, settings_of
from portal.models import AuditEvent, OrgUnit, Role, User
from tests.admin.helpers import make_user

PASSWORD = "a long enough passphrase"


def create(runner: FlaskCliRunner, *args: str, password: str | None = PASSWORD,
           stdin: bool = True) -> Result:
    argv = ["users", "create", *args] + (["--password-stdin"] if stdin else [])
    return runner.invoke(cli, argv, input=None if password is None else password + "\n")


def add_unit(app: Flask, code: str) -> None:
    with session_factory(app)() as db:
        db.add(OrgUnit(code=code, name=f"{code} AS"))
        db.commit()


def stored_user(app: Flask, email: str) -> User:
    with session_factory(app)() as db:
        user = db.scalar(select(User).where(User.email == email))
        assert user is not None
        return user


def test_create_prints_otpauth_uri_and_stores_only_sealed_secrets(
    admin_app: Flask, runner: FlaskCliRunner
) -> None:
    add_unit(admin_app, "NORDIC")
    result = create(runner, "--email", "Ada@Example.org", "--name", "Ada Handler",
                    "--role", "handler", "--role", "manager", "--unit", "NORDIC")
    assert result.exit_code == 0, result.output
    uri = next(line for line in result.output.splitlines()
               if line.startswith("otpauth://totp/"))
    query = parse_qs(urlsplit(uri).query)
    assert query["issuer"] == ["Aktsom"]
    assert query["digits"] == ["6"]
    assert query["period"] == ["30"]
    secret = base64.b32decode(query["secret"][0] + "=" * (-len(query["secret"][0]) % 8))

    user = stored_user(admin_app, "ada@example.org")
    keys = server_keys_of(admin_app)
    assert {item.role for item in user.roles} == {Role.HANDLER, Role.MANAGER}
    assert len(user.unit_ids) == 1
    # Argon2id over the password peppered with a server key (finding 7).
    assert user.password_hash.startswith("$aktsom-hmac$$argon2id$")
    costs = settings_of(admin_app).argon2
    assert verify_password(costs, user, PASSWORD, pepper=keys.password_pepper)
    # Private key sealed under the password and a server key, and the operator's key is
    # certified at once.
    private = open_private_key(user.sealed_private_key, PASSWORD, pepper=keys.key_sealing)
    assert UserKeyPair.from_private_bytes(private).public_bytes == user.public_key
    assert certified_public_key(user, keys) == user.public_key
    assert open_totp_secret(keys, user.id, user.sealed_totp_secret) == secret
    assert secret not in user.sealed_totp_secret
    assert not user.password_change_required
    with session_factory(admin_app)() as db:
        assert db.scalar(select(AuditEvent.action)) == "user.created"


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--role", "handler", "--unit", "NOWHERE"], PASSWORD, "no org unit with code NOWHERE"),
        (["--role", "janitor"], PASSWORD, "'janitor' is not one of"),
        (["--role", "handler"], "short pass", "at least 12 characters"),
        (["--role", "handler"], "", "at least 12 characters"),
        (["--role", "handler"], "            ", "at least 12 characters"),
        ([], PASSWORD, "Missing option '--role'"),
    ],
)
def test_create_refuses_with_a_clear_message(
    runner: FlaskCliRunner, args: list[str], password: str, message: str
) -> None:
    result = create(runner, "--email", "bo@example.org", "--name", "Bo", *args,
                    password=password)
    assert result.exit_code != 0
    assert message in result.output


def test_create_refuses_a_duplicate_email_and_a_password_on_the_command_line(
    admin_app: Flask, runner: FlaskCliRunner
) -> None:
    make_user(admin_app, email="dup@example.org")
    result = create(runner, "--email", "DUP@example.org", "--name", "Dup", "--role", "auditor")
    assert result.exit_code == 1
    assert "already exists" in result.output
    result = create(runner, "--email", "x@example.org", "--name", "X", "--role", "auditor",
                    stdin=False)
    assert result.exit_code == 2
    assert "--password-stdin" in result.output


def test_list_shows_roles_units_and_key_status(admin_app: Flask, runner: FlaskCliRunner) -> None:
    make_user(admin_app, roles=[Role.COMPLIANCE], units=["BALTIC"], email="c@example.org")
    result = runner.invoke(cli, ["users", "list"])
    assert result.exit_code == 0
    assert "c@example.org\tc\tcompliance\tBALTIC\tactive\tkey-valid" in result.output
