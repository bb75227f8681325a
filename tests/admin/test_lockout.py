"""Growing delay and temporary lock after failed sign-ins, with the time injected."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update

from admin.auth import services
from admin.auth.services import (
    LOCK_AFTER_FAILURES,
    LOCK_PERIOD,
    SignInStatus,
    authenticate,
    wait_after,
)
from config import Argon2Costs
from crypto import Argon2Params
from portal.db import session_factory, transaction, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import AuditEvent, User
from tests.admin.helpers import make_user, totp_code

START = utcnow().replace(microsecond=0)


def attempt(app: Flask, email: str, password: str, code: str, now: datetime,
            costs: Argon2Costs | None = None) -> SignInStatus:
    with app.app_context(), transaction(session_factory(app)) as db:
        return authenticate(db, costs=costs or settings_of(app).argon2,
                            keys=server_keys_of(app), email=email, password=password,
                            code=code, now=now).status


def stored(app: Flask, user_id: str) -> User:
    with session_factory(app)() as db:
        user = db.get(User, user_id)
        assert user is not None
        return user


def test_delays_grow_then_lock() -> None:
    assert wait_after(1) is None
    assert wait_after(2) is None
    assert wait_after(3) == timedelta(seconds=5)
    assert wait_after(4) == timedelta(seconds=10)
    assert wait_after(LOCK_AFTER_FAILURES) == LOCK_PERIOD == timedelta(minutes=15)
    assert wait_after(9) == LOCK_PERIOD


def test_lock_after_five_failures_and_unlock_after_the_period(admin_app: Flask) -> None:
    user, password, secret = make_user(admin_app)
    now = START
    for _ in range(LOCK_AFTER_FAILURES):
        now = (stored(admin_app, user.id).locked_until or now) + timedelta(seconds=1)
        status = attempt(admin_app, user.email, "wrong password!!", totp_code(secret, at=now), now)
        assert status is SignInStatus.REFUSED
    locked = stored(admin_app, user.id)
    assert locked.failed_logins == LOCK_AFTER_FAILURES
    assert locked.locked_until == now + LOCK_PERIOD
    # Right password and code while locked: still refused, and not counted again.
    during = now + LOCK_PERIOD - timedelta(seconds=1)
    status = attempt(admin_app, user.email, password, totp_code(secret, at=during), during)
    assert status is SignInStatus.REFUSED
    assert stored(admin_app, user.id).failed_logins == LOCK_AFTER_FAILURES
    after = now + LOCK_PERIOD + timedelta(seconds=1)
    assert attempt(admin_app, user.email, password, totp_code(secret, at=after), after) is (
        SignInStatus.SIGNED_IN)
    unlocked = stored(admin_app, user.id)
    assert unlocked.failed_logins == 0
    assert unlocked.locked_until is None
    with session_factory(admin_app)() as db:
        actions = list(db.scalars(select(AuditEvent.action)))
    assert actions.count("auth.locked") == 1
    assert actions.count("auth.sign_in_failed") == LOCK_AFTER_FAILURES - 1


def test_a_short_delay_after_three_failures(admin_app: Flask) -> None:
    user, password, secret = make_user(admin_app)
    for _ in range(3):
        attempt(admin_app, user.email, password, "000000", START)
    assert stored(admin_app, user.id).locked_until == START + timedelta(seconds=5)
    soon = START + timedelta(seconds=4)
    assert attempt(admin_app, user.email, password, totp_code(secret, at=soon), soon) is (
        SignInStatus.REFUSED)
    later = START + timedelta(seconds=6)
    assert attempt(admin_app, user.email, password, totp_code(secret, at=later), later) is (
        SignInStatus.SIGNED_IN)


def test_each_code_works_once_and_only_near_now(admin_app: Flask) -> None:
    user, password, secret = make_user(admin_app)
    code = totp_code(secret, at=START)
    assert attempt(admin_app, user.email, password, code, START) is SignInStatus.SIGNED_IN
    assert attempt(admin_app, user.email, password, code, START) is SignInStatus.REFUSED
    # The next step's code works, and then the current step's code no longer does.
    nxt = totp_code(secret, at=START, step_offset=1)
    assert attempt(admin_app, user.email, password, nxt, START) is SignInStatus.SIGNED_IN
    # Two steps away is too far, even unused.
    far = totp_code(secret, at=START, step_offset=3)
    assert attempt(admin_app, user.email, password, far, START) is SignInStatus.REFUSED


def test_unknown_email_and_locked_account_still_cost_an_argon2_check(
    admin_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(services, "dummy_verify", lambda _costs, password: calls.append(password))
    user, password, secret = make_user(admin_app)
    attempt(admin_app, "nobody@example.org", "guess one", "123456", START)
    attempt(admin_app, user.email, "wrong password!!", "123456", START)
    assert calls == ["guess one"]
    with session_factory(admin_app)() as db:
        db.execute(update(User).values(locked_until=START + timedelta(minutes=1)))
        db.commit()
    attempt(admin_app, user.email, password, totp_code(secret, at=START), START)
    with session_factory(admin_app)() as db:
        db.execute(update(User).values(locked_until=None, disabled=True))
        db.commit()
    attempt(admin_app, user.email, password, totp_code(secret, at=START), START)
    assert calls == ["guess one", password, password]


def test_password_hash_and_key_seal_follow_raised_costs(admin_app: Flask) -> None:
    user, password, secret = make_user(admin_app)
    old_hash = stored(admin_app, user.id).password_hash
    raised = Argon2Costs(time_cost=2, memory_cost_kib=128, parallelism=1)
    assert attempt(admin_app, user.email, password, totp_code(secret, at=START), START,
                   costs=raised) is SignInStatus.SIGNED_IN
    upgraded = stored(admin_app, user.id)
    assert upgraded.password_hash != old_hash
    assert "m=128,t=2,p=1" in upgraded.password_hash
    assert Argon2Params.from_bytes(upgraded.sealed_private_key[2:12]) == Argon2Params(2, 128, 1)
    # The key seal moved to the new costs too, and both still open with the password.
    later = START + timedelta(minutes=1)
    assert attempt(admin_app, user.email, password, totp_code(secret, at=later), later) is (
        SignInStatus.SIGNED_IN)

