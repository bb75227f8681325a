"""Test data made directly through the models and crypto, independent of the admin services."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient

from crypto import TEST_ARGON2, UserKeyPair, possession_tag, seal_private_key, seal_with_key
from portal.db import new_id, session_factory, transaction
from portal.extensions import server_keys_of
from portal.key_directory import sign_certificate
from portal.models import OrgUnit, Role, UnitMembership, User, UserRole
from portal.recovery import ensure_recovery_key

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form at `path` (CSRF stays on in every test)."""
    match = _CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@dataclass
class Handler:
    user_id: str
    name: str
    private_key: bytes
    password: str


def make_unit(app: Flask, code: str, name: str, *, is_group: bool = False) -> str:
    with app.app_context(), transaction(session_factory(app)) as db:
        unit = OrgUnit(id=new_id(), code=code, name=name, is_group=is_group)
        db.add(unit)
        return unit.id


def make_handler(app: Flask, name: str, unit_ids: list[str], *, certified: bool = True,
                 roles: tuple[Role, ...] = (Role.HANDLER,)) -> Handler:
    """A handler with a hybrid key pair, certified for `roles` and `unit_ids` unless told
    otherwise."""
    pair = UserKeyPair.generate()
    password = "correct horse battery staple"
    with app.app_context():
        keys = server_keys_of(app)
        with transaction(session_factory(app)) as db:
            user_id = new_id()
            user = User(
                id=user_id, email=f"{user_id}@example.org", name=name,
                password_hash="!", public_key=pair.public_bytes,
                sealed_private_key=seal_private_key(pair.private_bytes, password, TEST_ARGON2,
                                                    pepper=keys.key_sealing),
                key_certificate=sign_certificate(keys, user_id, pair.public_bytes, roles=roles,
                                                 unit_ids=unit_ids) if certified else None,
                key_possession_tag=possession_tag(keys.key_possession, user_id,
                                                  pair.public_bytes),
                sealed_totp_secret=seal_with_key(keys.totp, b"\0" * 20),
            )
            user.roles = [UserRole(role=role) for role in roles]
            user.memberships = [UnitMembership(unit_id=unit_id) for unit_id in unit_ids]
            db.add(user)
    return Handler(user_id, name, pair.private_bytes, password)


def make_recovery_key(app: Flask) -> str:
    """Make the organisation recovery key; returns the sheet."""
    with app.app_context(), transaction(session_factory(app)) as db:
        sheet = ensure_recovery_key(db, server_keys_of(app), "Test organisation")
    assert sheet is not None
    return sheet
