"""The key directory: case code only wraps to keys whose certification verifies."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from crypto import KeyAuthority, UserKeyPair, new_certificate_signing_key, sign_key_certificate
from portal.access import certified_public_key
from portal.db import session_factory
from portal.extensions import server_keys_of
from portal.models import Role, User
from tests.admin.helpers import make_user


def reload(app: Flask, user_id: str) -> User:
    with session_factory(app)() as db:
        user = db.get(User, user_id)
        assert user is not None
        return user


def tamper(app: Flask, user_id: str, **values: object) -> User:
    with session_factory(app)() as db:
        db.execute(update(User).where(User.id == user_id).values(**values))
        db.commit()
    return reload(app, user_id)


def test_a_certified_key_is_returned(admin_app: Flask) -> None:
    user, _, _ = make_user(admin_app, roles=[Role.HANDLER])
    assert certified_public_key(reload(admin_app, user.id), server_keys_of(admin_app)) == (
        user.public_key)


@pytest.mark.parametrize("attack", [
    "missing certificate", "garbage certificate", "swapped key", "certificate of another user",
    "certificate under another server key", "disabled account",
])
def test_anything_else_is_refused(admin_app: Flask, attack: str) -> None:
    user, _, _ = make_user(admin_app, roles=[Role.HANDLER])
    other, _, _ = make_user(admin_app, roles=[Role.HANDLER])
    keys = server_keys_of(admin_app)
    rogue = UserKeyPair.generate().public_bytes
    attacks: dict[str, dict[str, Any]] = {
        "missing certificate": {"key_certificate": None},
        "garbage certificate": {"key_certificate": b"\0" * 32},
        # A database writer plants their own key and keeps the old certificate.
        "swapped key": {"public_key": rogue},
        # ... or copies another handler's key and certificate onto this row.
        "certificate of another user": {"public_key": other.public_key,
                                        "key_certificate": other.key_certificate},
        "certificate under another server key": {
            "public_key": rogue,
            "key_certificate": sign_key_certificate(
                new_certificate_signing_key(), user.id, rogue,
                KeyAuthority.of(["handler"], []))},
        "disabled account": {"disabled": True},
    }
    assert certified_public_key(tamper(admin_app, user.id, **attacks[attack]), keys) is None
