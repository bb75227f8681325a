"""Server-side sessions for reporters and staff (design §4).

The cookie holds a session id and a random per-session key; the row holds only HMAC(id) and
the payload (a case key or an unlocked private key) sealed under the cookie's key. Neither the
database nor the cookie alone opens it. Kind, case id, user id and generation are bound to the
payload as associated data (`portal.server_sessions`), so changing one makes the row unusable.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, utcnow


class ServerSession(Base):
    __tablename__ = "server_sessions"

    lookup: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "reporter" or "staff"
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_generation: Mapped[int] = mapped_column(Integer, default=0)
    sealed_payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
