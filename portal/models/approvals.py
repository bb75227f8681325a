"""Changes that wait for a second person (four eyes, security finding 14): giving a key more
authority to receive cases, and leaving a handler out of a case or taking them back in.

A row is a request; it is deleted when decided. Who asked, who decided and what is in the
audit chain, so the table holds only what is still open.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow
from portal.models.columns import state_column
from portal.states import ApprovalKind


class PendingApproval(Base):
    __tablename__ = "pending_approvals"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    kind: Mapped[ApprovalKind] = mapped_column(state_column(ApprovalKind, 30), index=True)
    # The user the change is about: whose key, or who is left out or taken back in.
    subject_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                                index=True)
    # For a key: the authority asked for (roles and units, as JSON), so what is approved is
    # exactly what was asked, whatever the rows say by then.
    authority: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
