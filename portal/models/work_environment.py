"""The task on a case with a known reporter: check that their working environment is fully
satisfactory (AML §2A-3(2)). Clear columns are the task's state only; a handler's note is
sealed under the case's staff key."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow
from portal.models.columns import state_column
from portal.workplace_states import NotApplicableReason, WorkEnvironmentStatus


class WorkEnvironmentCheck(Base):
    __tablename__ = "work_environment_checks"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    # One task per case.
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         unique=True)
    status: Mapped[WorkEnvironmentStatus] = mapped_column(
        state_column(WorkEnvironmentStatus, 20), default=WorkEnvironmentStatus.OPEN, index=True)
    checked_on: Mapped[date | None] = mapped_column(Date)
    not_applicable_reason: Mapped[NotApplicableReason | None] = mapped_column(
        state_column(NotApplicableReason, 30))
    # The handler's optional note, sealed under the staff key of `note_key_generation`.
    sealed_note: Mapped[bytes | None] = mapped_column(LargeBinary)
    note_key_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # the day only
    updated_at: Mapped[datetime | None]
    updated_by: Mapped[str | None] = mapped_column(String(32))
    # When the handlers were reminded of a task left open (`aktsom notify-deadlines`), once.
    reminded_at: Mapped[datetime | None]
