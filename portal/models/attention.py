"""What a handler needs to find the cases that need them (issue 14 §8): when each of them
last opened a case, and who, if anyone, has taken it on.

Metadata only, like every clear column (docs/crypto.md): ids, a message number and the
handler's own times. The reporter's messages are compared by their number in the dialogue,
never by time, because a reporter's rows keep the day only (security finding 11).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, utcnow


class CaseView(Base):
    """The last time one user opened one case page, and how far the dialogue went then.

    A case shows as unread to them while a reporter's message has a higher number than
    `seen_seq`. `audited_at` is when the last `case.viewed` audit event was written for this
    pair: page views within `portal.cases.case_views.VIEW_AUDIT_INTERVAL` of it add none.
    """

    __tablename__ = "case_views"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    # The highest message number of the case when it was last opened (-1: none yet).
    seen_seq: Mapped[int] = mapped_column(Integer, default=-1)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    audited_at: Mapped[datetime | None]


class CaseAssignment(Base):
    """The one handler who has taken a case on (optional). Only a holder of the case key may
    be the assignee; an exclusion or a withdrawn membership ends it (portal.cases.assignees),
    and the list and page count it only while the assignee still holds the key."""

    __tablename__ = "case_assignments"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    assigned_by: Mapped[str | None] = mapped_column(String(32))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
