"""Helpers for staff-side tests; other test packages reuse them.

    from tests.admin.helpers import make_user, sign_in, totp_code, csrf_token

* ``csrf_token(client, path) -> str``: the CSRF token of the form at `path` (CSRF stays on).
* ``make_user(app, roles=(Role.HANDLER,), units=(), *, email=None, name=None,
  password=DEFAULT_PASSWORD) -> (User, password, totp_secret)``: a user made through the real
  account service (Argon2 hash, sealed key pair, certified key, sealed TOTP secret). `units` are
  org-unit codes; missing units are created. Also available as the `make_user` fixture.
* ``totp_code(secret, *, at=None, step_offset=0) -> str``: the code an authenticator shows.
* ``sign_in(client, email, password, totp_secret, *, step_offset=0, next_path=None)``: one POST
  of email, password and code to /admin/login; returns the response (303 on success).
  A code works once: a second sign-in of the same user within 30 seconds needs
  ``step_offset=1`` (the server accepts one step either side of now).
* ``sign_in_and_enrol(client, email, password) -> (response, totp_secret)``: the first sign-in
  of an account made or reset on the web, which has no authenticator yet (finding 14): email
  and password, then the enrolment page's secret is read and confirmed with a code; returns
  the last response (303 on success) and the secret the holder's app now holds.
* ``enrolment_secret(page) -> bytes | None``: the TOTP secret an enrolment page shows.
"""

from __future__ import annotations

import base64
import re
import time
import uuid
from collections.abc import Iterable
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from admin.accounts.services import create_user
from admin.accounts.totp import STEP_SECONDS, code_for_step
from portal.db import new_id, session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.models import OrgUnit, Role, User
from tests.factories import csrf_token

__all__ = ["DEFAULT_PASSWORD", "ENROL_PATH", "csrf_token", "enrolment_secret", "make_user",
           "sign_in", "sign_in_and_enrol", "totp_code"]

DEFAULT_PASSWORD = "correct horse battery staple"
ENROL_PATH = "/admin/login/authenticator"
_SECRET = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')


def totp_code(secret: bytes, *, at: datetime | float | None = None, step_offset: int = 0) -> str:
    """The 6-digit code for `at` (default: now), `step_offset` 30-second steps later."""
    moment = at.timestamp() if isinstance(at, datetime) else (time.time() if at is None else at)
    return code_for_step(secret, int(moment) // STEP_SECONDS + step_offset)


def make_user(
    app: Flask,
    roles: Iterable[Role] = (Role.HANDLER,),
    units: Iterable[str] = (),
    *,
    email: str | None = None,
    name: str | None = None,
    password: str = DEFAULT_PASSWORD,
) -> tuple[User, str, bytes]:
    """Create a user with the real service; returns (user, password, TOTP secret)."""
    email = email or f"user-{uuid.uuid4().hex[:8]}@example.org"
    with app.app_context(), transaction(session_factory(app)) as db:
        unit_rows = []
        for code in units:
            unit = db.scalar(select(OrgUnit).where(OrgUnit.code == code))
            if unit is None:
                unit = OrgUnit(id=new_id(), code=code, name=f"{code} company")
                db.add(unit)
            unit_rows.append(unit)
        db.flush()
        created = create_user(
            db, costs=settings_of(app).argon2, keys=server_keys_of(app), email=email,
            name=name or email.split("@")[0], password=password, roles=roles, units=unit_rows,
        )
    return created.user, password, created.totp_secret


def sign_in(
    client: FlaskClient,
    email: str,
    password: str,
    totp_secret: bytes,
    *,
    step_offset: int = 0,
    next_path: str | None = None,
) -> TestResponse:
    """Sign in with one POST (email, password, code); the client keeps the session cookie."""
    path = "/admin/login" + (f"?next={next_path}" if next_path else "")
    return client.post(path, data={
        "csrf_token": csrf_token(client, path),
        "email": email,
        "password": password,
        "totp": totp_code(totp_secret, step_offset=step_offset),
    })


def second_admin_approves(app: Flask) -> int:
    """A second administrator (made at the console) signs in and approves, on the approvals
    page, every key-authority request waiting there (four eyes); returns how many."""
    from portal.approvals import pending
    from portal.states import ApprovalKind

    admin, password, secret = make_user(app, roles=[Role.ADMIN], name="Second Admin")
    client = app.test_client()
    assert sign_in(client, admin.email, password, secret).status_code == 303
    with app.app_context(), transaction(session_factory(app)) as db:
        ids = [item.id for item in pending(db, ApprovalKind.KEY_AUTHORITY)]
    for request_id in ids:
        response = client.post(f"/admin/approvals/{request_id}", data={
            "csrf_token": csrf_token(client, "/admin/approvals"), "decision": "approve"})
        assert response.status_code == 303
    return len(ids)
def enrolment_secret(page: str) -> bytes | None:
    """The TOTP secret shown (for typing in) on `page`, or None if it shows none."""
    match = _SECRET.search(page)
    if match is None:
        return None
    text = match.group(1).replace(" ", "")
    return base64.b32decode(text + "=" * (-len(text) % 8))


def sign_in_and_enrol(client: FlaskClient, email: str, password: str,
                      *, step_offset: int = 0) -> tuple[TestResponse, bytes]:
    """First sign-in of an account without an authenticator: password, then enrolment."""
    response = client.post("/admin/login", data={
        "csrf_token": csrf_token(client, "/admin/login"), "email": email,
        "password": password, "totp": ""})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert response.headers["Location"] == ENROL_PATH
    secret = enrolment_secret(client.get(ENROL_PATH).get_data(as_text=True))
    assert secret is not None
    response = client.post(ENROL_PATH, data={
        "csrf_token": csrf_token(client, ENROL_PATH),
        "totp": totp_code(secret, step_offset=step_offset)})
    return response, secret
