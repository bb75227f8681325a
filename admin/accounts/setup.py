"""First run: while no administrator exists, `aktsom serve` prints a one-time link that makes
the first one in the browser. It expires after an hour and works once.

A database writer must not be able to make such a link (finding 1): the token carries its own
expiry and an HMAC under the set-up key from the server-keys file, so a hash planted in the
database opens nothing. Once an administrator exists this is recorded beside the server-keys
file, so disabling or deleting every admin in the database does not open set-up again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session

from admin.accounts.services import CreatedUser, active_admin_count, create_user
from config import Argon2Costs
from portal.db import engine_of, session_factory, transaction, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import Role, SetupToken, User
from portal.outside_records import mark_setup_done, setup_is_done
from portal.paths import STAFF_PREFIX
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys

SETUP_TOKEN_LIFETIME = timedelta(hours=1)
_LABEL = b"aktsom/setup-link/v1\0"
_NONCE_SIZE = 16
_MAC_SIZE = 32
# nonce ‖ expiry (Unix seconds, 8 bytes) ‖ HMAC-SHA256(set-up key, label ‖ nonce ‖ expiry)
_TOKEN_SIZE = _NONCE_SIZE + 8 + _MAC_SIZE


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def _link_mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, _LABEL + body, hashlib.sha256).digest()


def _signed_expiry(keys: ServerKeys, token: str) -> datetime | None:
    """The expiry the token carries, if the set-up key made it; None for anything else."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, binascii.Error):
        return None
    if len(raw) != _TOKEN_SIZE:
        return None
    body, mac = raw[:-_MAC_SIZE], raw[-_MAC_SIZE:]
    if not hmac.compare_digest(mac, _link_mac(keys.setup_link, body)):
        return None
    return datetime.fromtimestamp(int.from_bytes(body[_NONCE_SIZE:], "big"), UTC)


def issue_setup_token(db: Session, keys: ServerKeys, *, now: datetime | None = None) -> str:
    """A new one-time first-administrator token; earlier unused ones stop working."""
    now = now or utcnow()
    expires = int((now + SETUP_TOKEN_LIFETIME).timestamp())
    body = secrets.token_bytes(_NONCE_SIZE) + expires.to_bytes(8, "big")
    token = base64.urlsafe_b64encode(body + _link_mac(keys.setup_link, body)).decode().rstrip("=")
    db.execute(delete(SetupToken))
    # The row keeps "one link at a time, used once"; the MAC keeps the database from making one.
    db.add(SetupToken(token_hash=_token_hash(token),
                      expires_at=datetime.fromtimestamp(expires, UTC), created_at=now))
    db.flush()
    return token


def find_setup_token(
    db: Session, keys: ServerKeys, token: str, *, now: datetime | None = None
) -> SetupToken | None:
    """The stored token if `token` was made with the set-up key, is unexpired, is the current
    one and no administrator exists yet. The caller checks `setup_is_done` first."""
    now = now or utcnow()
    signed_expiry = _signed_expiry(keys, token)
    if signed_expiry is None or now >= signed_expiry:
        return None
    row = db.scalar(select(SetupToken).where(SetupToken.token_hash == _token_hash(token)))
    if row is None or now >= row.expires_at or active_admin_count(db) > 0:
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
    """Redeem the one-time token: make the first administrator (admin role only).

    The token is spent first, by a conditional DELETE that only one transaction can win: two
    redemptions at once both found the token, and both made an administrator. The loser waits
    for the winner's row lock (PostgreSQL) or write lock (SQLite), then deletes nothing and is
    refused before it creates anyone.
    """
    spent = db.execute(
        delete(SetupToken).where(SetupToken.id == token.id)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(spent, "rowcount", 0) or 0) != 1:
        raise Refusal(N_("This link has been used already."))
    db.expunge(token)
    # create_user noted the new admin: once this commits, the link never opens again.
    return create_user(db, costs=costs, keys=keys, email=email, name=name,
                       password=password, roles=[Role.ADMIN])


def first_admin_hint(app: Flask, host: str, port: int) -> str | None:
    """The one-time first-administrator link to print at `aktsom serve`, or None when an
    administrator exists or ever existed (or the schema is not made yet: `aktsom init` comes
    first)."""
    settings = settings_of(app)
    if setup_is_done(settings):
        return None
    engine = engine_of(app)
    try:
        if not inspect(engine).has_table(User.__tablename__):
            return None
        with transaction(session_factory(app)) as db:
            if active_admin_count(db) > 0:
                token = None
            else:
                token = issue_setup_token(db, server_keys_of(app))
    finally:
        # Called before the server forks its workers: they must not inherit pooled connections.
        engine.dispose()
    if token is None:
        # An installation from before the mark existed: record it now.
        mark_setup_done(settings)
        return None
    hours = int(SETUP_TOKEN_LIFETIME.total_seconds() // 3600)
    return (
        f"No administrator exists for {settings.organisation_name} yet. Create the first one "
        f"within {hours} hour (the link works once): "
        f"http://{host}:{port}{STAFF_PREFIX}/setup/{token}"
    )
