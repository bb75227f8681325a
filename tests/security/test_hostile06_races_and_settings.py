"""Hostile input, point 6 (small races and settings): two redemptions of the first-admin link
at once made two administrators; production accepted AKTSOM_HSTS=off; CSRF tokens never
expired (WTF_CSRF_TIME_LIMIT=None)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from admin.accounts.setup import create_first_admin, find_setup_token
from config import Settings, SettingsError, load_settings
from portal.db import session_factory
from portal.extensions import server_keys_of, settings_of
from portal.hardening import REPORTER_FORM_LIFETIME
from portal.models import SetupToken, User
from portal.refusals import Refusal
from tests.admin.test_setup import issue
from tests.factories import csrf_token

STRONG = "k3Y9-vQ2mZ7pL0xR8tW4nB6cH1jF5sD2gA9eU3yK"


def test_two_redemptions_of_the_setup_link_at_once_make_one_administrator(
    admin_app: Flask,
) -> None:
    """Both requests find the token before either spends it (a barrier), then both try."""
    _path, token = issue(admin_app)
    both_found = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def redeem(email: str) -> None:
        with admin_app.app_context():
            db = session_factory(admin_app)()
            try:
                row = find_setup_token(db, server_keys_of(admin_app), token)
                assert row is not None
                both_found.wait()
                try:
                    create_first_admin(db, row, costs=settings_of(admin_app).argon2,
                                       keys=server_keys_of(admin_app), email=email,
                                       name="Root", password="first admin passphrase")
                    db.commit()
                    outcomes.append("made")
                except Refusal:
                    db.rollback()
                    outcomes.append("refused")
            except Exception as error:  # noqa: BLE001 (reported by the assertion below)
                db.rollback()
                outcomes.append(type(error).__name__)
            finally:
                db.close()

    threads = [threading.Thread(target=redeem, args=(f"root{n}@example.org",))
               for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["made", "refused"]
    with session_factory(admin_app)() as db:
        assert db.scalar(select(func.count()).select_from(User)) == 1
        assert db.scalar(select(func.count()).select_from(SetupToken)) == 0


def test_a_refused_redemption_leaves_the_link_usable(admin_app: Flask) -> None:
    """A weak password is refused after the token was spent: the rollback restores it."""
    _path, token = issue(admin_app)
    with admin_app.app_context():
        db = session_factory(admin_app)()
        row = find_setup_token(db, server_keys_of(admin_app), token)
        assert row is not None
        with pytest.raises(Refusal):
            create_first_admin(db, row, costs=settings_of(admin_app).argon2,
                               keys=server_keys_of(admin_app), email="root@example.org",
                               name="Root", password="password")
        db.rollback()
        db.close()
        with session_factory(admin_app)() as fresh:
            assert find_setup_token(fresh, server_keys_of(admin_app), token) is not None


def test_production_refuses_hsts_off() -> None:
    with pytest.raises(SettingsError, match="AKTSOM_HSTS"):
        load_settings(environ={"AKTSOM_ENV": "production", "AKTSOM_SECRET_KEY": STRONG,
                               "AKTSOM_HSTS": "off"})
    assert load_settings(environ={"AKTSOM_ENV": "production",
                                  "AKTSOM_SECRET_KEY": STRONG}).hsts is True
    assert load_settings(environ={"AKTSOM_HSTS": "off"}).hsts is False  # development may


def _post_later(client: Any, path: str, data: dict[str, str], seconds: float,
                monkeypatch: pytest.MonkeyPatch) -> int:
    """POST as if `seconds` had passed since the form (and its token) was made."""
    later = int(time.time() + seconds)
    with monkeypatch.context() as patched:
        patched.setattr(TimestampSigner, "get_timestamp", lambda _self: later)
        return int(client.post(path, data=data).status_code)


def test_a_reporter_form_token_expires_after_some_hours(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert REPORTER_FORM_LIFETIME.total_seconds() >= 2 * 3600  # people write slowly
    token = csrf_token(client, "/followup")
    data = {"csrf_token": token, "case_code": "bad"}
    lifetime = REPORTER_FORM_LIFETIME.total_seconds()
    assert _post_later(client, "/followup", data, lifetime - 60, monkeypatch) == 200
    assert _post_later(client, "/followup", data, lifetime + 60, monkeypatch) == 400


def test_a_staff_form_token_expires_with_the_longest_session(
    admin_client: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    hours = settings.staff_absolute_hours
    token = csrf_token(admin_client, "/admin/login")
    data = {"csrf_token": token, "email": "nobody@example.org", "password": "x"}
    assert _post_later(admin_client, "/admin/login", data, hours * 3600 - 60, monkeypatch) == 200
    assert _post_later(admin_client, "/admin/login", data, hours * 3600 + 60, monkeypatch) == 400
