"""Append-only audit events in a keyed hash chain (design §3): who, what, which case, when.

Never content. The chain is HMAC-SHA256 under a key outside the database, so rewriting history
needs more than database access.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(10))  # user, reporter, system
    # Indexed for the audit page's filters by user and by date (issue 14 §11).
    actor_id: Mapped[str | None] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[str | None] = mapped_column(String(32), index=True)
    target_id: Mapped[str | None] = mapped_column(String(64))
    mac: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpoint(Base):
    """How far the audit page last found the chain intact, so the next load checks only what
    came after. `seal` is an HMAC under the audit key: a database writer cannot move the
    checkpoint past events they edited. `aktsom audit verify` always checks everything."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer)
    mac: Mapped[bytes] = mapped_column(LargeBinary(32))
    checked_at: Mapped[datetime] = mapped_column()
    seal: Mapped[bytes] = mapped_column(LargeBinary(32))
