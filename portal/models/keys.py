"""The organisation's recovery key: only its public half is here, certified like staff keys.
The private half exists only on the printed recovery sheet (design §3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow


class RecoveryKey(Base):
    __tablename__ = "recovery_keys"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    certificate: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
