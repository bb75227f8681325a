"""The legal clocks of a case (EU Directive 2019/1937 Art. 9(1)(b) and (f)).

Acknowledge within N days of receipt; give feedback within M months of the acknowledgement,
or, where none was sent, of the end of the acknowledgement period.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DUE_SOON = timedelta(days=2)
# Clock states of a case closed before the clock was stopped by the real thing.
CLOSED_WITHOUT_ACKNOWLEDGEMENT = "closed-without-acknowledgement"
CLOSED_WITHOUT_FEEDBACK = "closed-without-feedback"
CLOSED_WITHOUT_MEETING = "closed-without-meeting"
_DAY = timedelta(days=1)


def start_of_day(moment: datetime) -> datetime:
    """UTC midnight of `moment`'s day.

    Times a reporter causes are kept in clear at this precision only (the exact time is
    sealed with the item), so a copy of the database cannot match a report to the minute
    someone was seen at a computer (security finding 11). The legal clocks count in days.
    """
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def midnight_on_or_after(moment: datetime) -> datetime:
    """The first UTC midnight at or after `moment`: a deadline rounded this way is never
    earlier than the exact one, and no later than by a day."""
    day = start_of_day(moment)
    return day if day == moment else day + _DAY


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class Clocks:
    acknowledgement_due: datetime
    feedback_due: datetime
    acknowledged_at: datetime | None
    feedback_at: datetime | None
    closed_at: datetime | None
    # The meeting the reporter asked for (Art. 9(2)); None when none was asked for.
    meeting_due: datetime | None = None
    meeting_held_at: datetime | None = None

    # Only a real acknowledgement and a real feedback message stop a clock (issue 11 §1):
    # closing a case without them settles nothing, it is shown for what it is.
    def acknowledgement_state(self, now: datetime) -> str:
        if self.acknowledged_at is None and self.closed_at is not None:
            return CLOSED_WITHOUT_ACKNOWLEDGEMENT
        return _state(self.acknowledgement_due, self.acknowledged_at, now)

    def feedback_state(self, now: datetime) -> str:
        if self.feedback_at is None and self.closed_at is not None:
            return CLOSED_WITHOUT_FEEDBACK
        return _state(self.feedback_due, self.feedback_at, now)

    def meeting_state(self, now: datetime) -> str | None:
        """The meeting clock's state, or None when no meeting was asked for."""
        if self.meeting_due is None:
            return None
        if self.meeting_held_at is None and self.closed_at is not None:
            return CLOSED_WITHOUT_MEETING
        return _state(self.meeting_due, self.meeting_held_at, now)

    def is_overdue(self, now: datetime) -> bool:
        return "overdue" in (self.acknowledgement_state(now), self.feedback_state(now),
                             self.meeting_state(now))


def _state(due: datetime, done_at: datetime | None, now: datetime) -> str:
    if done_at is not None:
        return "done" if done_at <= due else "late"
    if now > due:
        return "overdue"
    if due - now <= DUE_SOON:
        return "due-soon"
    return "open"
