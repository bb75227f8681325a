"""Hostile input, point 5: the sign-in lock cannot be abused to keep someone out.

Reproduction: after five failures the account was locked for 15 minutes, and because the
count never went down, one wrong attempt right after the lock ended locked it for another 15
minutes: one request every 15 minutes kept any staff member out for good.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask

from admin.auth.services import (
    FAILURE_MEMORY,
    LOCK_AFTER_FAILURES,
    LOCK_PERIOD,
    SignInStatus,
    is_locked,
)
from tests.admin.helpers import make_user, totp_code
from tests.admin.test_lockout import START, attempt, stored

WRONG = "wrong password!!"


def lock(app: Flask, email: str, secret: bytes, now: datetime) -> datetime:
    """Five failures in a row, each after the previous wait; returns when the lock ends."""
    for _ in range(LOCK_AFTER_FAILURES):
        assert attempt(app, email, WRONG, totp_code(secret, at=now), now) is SignInStatus.REFUSED
        now += timedelta(seconds=11)
    return now - timedelta(seconds=11) + LOCK_PERIOD


def test_one_wrong_attempt_every_15_minutes_no_longer_keeps_the_user_out(
    admin_app: Flask,
) -> None:
    user, password, secret = make_user(admin_app)
    lock_ends = lock(admin_app, user.email, secret, START)
    assert is_locked(stored(admin_app, user.id), lock_ends - timedelta(seconds=1))
    moment = lock_ends
    for _ in range(8):  # two hours of it
        moment += timedelta(seconds=1)
        attempt(admin_app, user.email, WRONG, "000000", moment)
        # A minute after the attacker's attempt the account is open (at most a short delay).
        assert not is_locked(stored(admin_app, user.id), moment + timedelta(minutes=1))
        moment += timedelta(minutes=15)
    later = moment + timedelta(minutes=1)
    assert attempt(admin_app, user.email, password, totp_code(secret, at=later), later) is (
        SignInStatus.SIGNED_IN)


def test_sparse_failures_do_not_add_up(admin_app: Flask) -> None:
    user, _password, secret = make_user(admin_app)
    moment = START
    for _ in range(LOCK_AFTER_FAILURES * 2):
        attempt(admin_app, user.email, WRONG, totp_code(secret, at=moment), moment)
        assert stored(admin_app, user.id).failed_logins == 1
        moment += FAILURE_MEMORY + timedelta(seconds=1)


def test_a_burst_after_a_served_lock_locks_again_for_no_longer_than_the_period(
    admin_app: Flask,
) -> None:
    """Guessing is still slowed down: five more failures in a row lock again, for the same
    period, and attempts during a lock neither count nor stretch it."""
    user, password, secret = make_user(admin_app)
    lock_ends = lock(admin_app, user.email, secret, START)
    second_end = lock(admin_app, user.email, secret, lock_ends + timedelta(seconds=1))
    locked = stored(admin_app, user.id)
    assert locked.failed_logins == LOCK_AFTER_FAILURES
    assert locked.locked_until == second_end
    during = second_end - timedelta(minutes=1)
    for _ in range(5):
        attempt(admin_app, user.email, WRONG, "000000", during)
    assert stored(admin_app, user.id).locked_until == second_end
    after = second_end + timedelta(seconds=1)
    assert attempt(admin_app, user.email, password, totp_code(secret, at=after), after) is (
        SignInStatus.SIGNED_IN)
