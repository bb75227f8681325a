"""Server-side sessions (design §4) for reporters and staff.

The cookie carries a random session id and a random per-session key. The row is found by
SHA-256(id) and holds the payload (the case key, or a handler's unlocked private key) sealed
under the cookie's key. A copy of the database alone, or the cookie alone, opens nothing.

The clear columns the application trusts (kind, case id, user id, the user's session
generation) are bound to the payload as associated data, so someone who can write to the
database cannot point their own session at another user or case, nor put back a copied row
after "sign out everywhere" with its generation raised: such a row no longer opens and is
ended as if signed out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crypto import InvalidCiphertext, open_with_key, seal_with_key
from portal.db import utcnow
from portal.models import ServerSession

_ID_BYTES = 32
_KEY_BYTES = 32


@dataclass(frozen=True)
class OpenSession:
    row: ServerSession
    payload: bytes


def _split(cookie_value: str) -> tuple[bytes, bytes] | None:
    try:
        raw = base64.urlsafe_b64decode(cookie_value.encode("ascii") + b"==")
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    if len(raw) != _ID_BYTES + _KEY_BYTES:
        return None
    return raw[:_ID_BYTES], raw[_ID_BYTES:]


def _lookup(session_id: bytes) -> bytes:
    return hashlib.sha256(b"aktsom-session\0" + session_id).digest()


def _binding(kind: str, lookup: bytes, case_id: str | None, user_id: str | None,
             generation: int) -> bytes:
    """The associated data of a session's payload: every clear column a reader trusts.

    Each part is length-prefixed so no two different rows give the same bytes; a missing id is
    the empty string, which no real id is.
    """
    parts = (b"aktsom/session/v2", kind.encode(), lookup, (case_id or "").encode(),
             (user_id or "").encode(), str(generation).encode())
    return b"".join(struct.pack(">I", len(part)) + part for part in parts)


def start_session(
    db: Session,
    *,
    kind: str,
    payload: bytes,
    case_id: str | None = None,
    user_id: str | None = None,
    user_generation: int = 0,
) -> str:
    """Store a new session and return the cookie value that alone can open it."""
    session_id = secrets.token_bytes(_ID_BYTES)
    key = secrets.token_bytes(_KEY_BYTES)
    lookup = _lookup(session_id)
    now = utcnow()
    db.add(
        ServerSession(
            lookup=lookup,
            kind=kind,
            case_id=case_id,
            user_id=user_id,
            user_generation=user_generation,
            sealed_payload=seal_with_key(
                key, payload, aad=_binding(kind, lookup, case_id, user_id, user_generation)
            ),
            created_at=now,
            last_seen_at=now,
        )
    )
    return base64.urlsafe_b64encode(session_id + key).decode("ascii").rstrip("=")


def resume_session(
    db: Session,
    cookie_value: str | None,
    *,
    kind: str,
    idle: timedelta,
    absolute: timedelta | None = None,
    now: datetime | None = None,
    on_expired: Callable[[ServerSession], None] | None = None,
) -> OpenSession | None:
    """Open the session behind `cookie_value`, or None if absent, expired or tampered with.

    An expired session is deleted on the spot, so its sealed payload does not linger; so is a
    row whose payload does not open with its own columns (repointed at another user or case).
    `on_expired` is told of an expired row whose payload still opens with the cookie and its
    columns: whose session it was is then known, not merely claimed by a row.
    """
    if not cookie_value:
        return None
    parts = _split(cookie_value)
    if parts is None:
        return None
    session_id, key = parts
    lookup = _lookup(session_id)
    row = db.scalar(select(ServerSession).where(ServerSession.lookup == lookup))
    if row is None or row.kind != kind:
        return None
    now = now or utcnow()
    expired = now - row.last_seen_at > idle or (
        absolute is not None and now - row.created_at > absolute
    )
    aad = _binding(kind, lookup, row.case_id, row.user_id, row.user_generation)
    if expired:
        if on_expired is not None and _opens(key, row.sealed_payload, aad):
            on_expired(row)
        db.delete(row)
        return None
    try:
        payload = open_with_key(key, row.sealed_payload, aad=aad)
    except InvalidCiphertext:
        db.delete(row)
        return None
    row.last_seen_at = now
    return OpenSession(row=row, payload=payload)


def _opens(key: bytes, sealed: bytes, aad: bytes) -> bool:
    try:
        open_with_key(key, sealed, aad=aad)
    except InvalidCiphertext:
        return False
    return True


def end_session(db: Session, cookie_value: str | None) -> None:
    """Delete the session row: after this the cookie opens nothing, even if it was copied."""
    parts = _split(cookie_value or "")
    if parts is not None:
        db.execute(delete(ServerSession).where(ServerSession.lookup == _lookup(parts[0])))


def end_user_sessions(db: Session, user_id: str) -> None:
    """Sign a user out everywhere."""
    db.execute(delete(ServerSession).where(ServerSession.user_id == user_id))


def purge_expired_sessions(db: Session, *, kind: str, idle: timedelta) -> int:
    cutoff = utcnow() - idle
    result = db.execute(
        delete(ServerSession).where(
            ServerSession.kind == kind, ServerSession.last_seen_at < cutoff
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
