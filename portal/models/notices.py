"""Staff notices held back for a while (settings.notification_delay_minutes), so that the time
of a mail does not reveal the time a reporter acted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class PendingNotice(Base):
    __tablename__ = "pending_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(30))
    # A staff address (staff addresses are in the users table anyway); never a reporter's.
    recipient: Mapped[str] = mapped_column(String(254))
    not_before: Mapped[datetime] = mapped_column(index=True)
