"""The handler's task on every case to inform the person concerned (GDPR Art. 14): informed
on a date, deferred for a recorded reason until a review date (Art. 14(5)(b), Art. 23), or not
applicable. The reason is a code and the dates are clear metadata; why exactly is a note
sealed under the case's staff key, like an internal note, so the row says nothing of the case.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow
from portal.models.columns import state_column


class ConcernedPersonStatus(StrEnum):
    """What was decided about informing the person a report is about."""

    INFORMED = "informed"
    DEFERRED = "deferred"
    NOT_APPLICABLE = "not_applicable"


class ConcernedPersonReason(StrEnum):
    """Why informing is deferred, or why there is no one to inform."""

    # Deferred: telling them now would seriously impair the follow-up (Art. 14(5)(b)).
    INVESTIGATION = "investigation"
    # Deferred: telling them would reveal, or help to find, the reporter (Art. 23(1)(i),
    # Directive 2019/1937 Art. 16).
    REPORTER_IDENTITY = "reporter_identity"
    # Deferred: a public authority (e.g. the police) asked us to wait (Art. 23(1)(d)).
    AUTHORITY_REQUEST = "authority_request"
    # Not applicable: the report names no identifiable person.
    NO_PERSON = "no_person"
    # Not applicable: the person already has the information (Art. 14(5)(a)).
    ALREADY_INFORMED = "already_informed"
    # Not applicable: informing is impossible or would need a disproportionate effort
    # (Art. 14(5)(b)).
    IMPOSSIBLE = "impossible"


DEFERRAL_REASONS = (ConcernedPersonReason.INVESTIGATION, ConcernedPersonReason.REPORTER_IDENTITY,
                    ConcernedPersonReason.AUTHORITY_REQUEST)
NOT_APPLICABLE_REASONS = (ConcernedPersonReason.NO_PERSON,
                          ConcernedPersonReason.ALREADY_INFORMED,
                          ConcernedPersonReason.IMPOSSIBLE)


class ConcernedPersonNotice(Base):
    """The latest decision on informing the person concerned in one case; each decision is
    also in the audit chain. No row, or no status: the task is open."""

    __tablename__ = "concerned_person_notices"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         unique=True)
    # None: no decision yet (a row made only to remember a reminder).
    status: Mapped[ConcernedPersonStatus | None] = mapped_column(
        state_column(ConcernedPersonStatus, 20))
    reason: Mapped[ConcernedPersonReason | None] = mapped_column(
        state_column(ConcernedPersonReason, 30))
    # The day the person was informed (midnight UTC of that day).
    informed_on: Mapped[datetime | None]
    # A deferral is reviewed by this day; past it, the task is overdue again.
    review_on: Mapped[datetime | None] = mapped_column(index=True)
    # The handler's justification, sealed under the staff key of `note_key_generation`.
    sealed_note: Mapped[bytes | None] = mapped_column(LargeBinary)
    note_key_generation: Mapped[int | None] = mapped_column(Integer)
    # The due day `aktsom notify-deadlines` last reminded the handlers of, so each due day
    # (one month after receipt, each review day) is reminded of once.
    reminded_due: Mapped[datetime | None]
    recorded_by: Mapped[str | None] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
