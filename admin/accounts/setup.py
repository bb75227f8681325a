"""First run: while no administrator exists, `aktsom serve` prints a one-time link that makes
the first one in the browser. Only SHA-256 of the token is stored, it expires after an hour and
works once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session

from admin.accounts.services import CreatedUser, active_admin_count, create_user
from config import Argon2Costs
from portal.db import engine_of, session_factory, transaction, utcnow
from portal.extensions import settings_of
from portal.models import Role, SetupToken, User
from portal.paths import STAFF_PREFIX
from portal.serverkeys import ServerKeys

SETUP_TOKEN_LIFETIME = timedelta(hours=1)


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def issue_setup_token(db: Session, *, now: datetime | None = None) -> str:
    """A new one-time first-administrator token; earlier unused ones stop working."""
    now = now or utcnow()
    db.execute(delete(SetupToken))
    token = secrets.token_urlsafe(32)
    db.add(SetupToken(token_hash=_token_hash(token), expires_at=now + SETUP_TOKEN_LIFETIME,
                      created_at=now))
    db.flush()
    return token


def find_setup_token(db: Session, token: str, *, now: datetime | None = None) -> SetupToken | None:
    """The stored token if `token` is valid, unexpired and no administrator exists yet."""
    row = db.scalar(select(SetupToken).where(SetupToken.token_hash == _token_hash(token)))
    if row is None or (now or utcnow()) >= row.expires_at or active_admin_count(db) > 0:
        return None
    return row


def create_first_admin(
    db: Session,
    token: SetupToken,
    *,
    costs: Argon2Costs,
    keys: ServerKeys,
    email: str,
    name: str,
    password: str,
) -> CreatedUser:
    """Redeem the one-time token: make the first administrator (admin role only)."""
    created = create_user(db, costs=costs, keys=keys, email=email, name=name,
                          password=password, roles=[Role.ADMIN])
    db.delete(token)
    db.flush()
    return created


def first_admin_hint(app: Flask, host: str, port: int) -> str | None:
    """The one-time first-administrator link to print at `aktsom serve`, or None when an
    administrator exists (or the schema is not made yet: `aktsom init` comes first)."""
    engine = engine_of(app)
    try:
        if not inspect(engine).has_table(User.__tablename__):
            return None
        with transaction(session_factory(app)) as db:
            if active_admin_count(db) > 0:
                return None
            token = issue_setup_token(db)
    finally:
        # Called before the server forks its workers: they must not inherit pooled connections.
        engine.dispose()
    hours = int(SETUP_TOKEN_LIFETIME.total_seconds() // 3600)
    org = settings_of(app).organisation_name
    return (
        f"No administrator exists for {org} yet. Create the first one within {hours} hour "
        f"(the link works once): http://{host}:{port}{STAFF_PREFIX}/setup/{token}"
    )
