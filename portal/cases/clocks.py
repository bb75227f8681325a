"""The legal clocks of a stored case, for one case and for the case list.

The due dates are stored on the case (set at submission, the feedback one moved earlier when
the case is acknowledged early), and so is the deadline it waits for next (`next_due_at`), so
the list sorts by urgency and filters "overdue" on one indexed column on any backend: no date
arithmetic in SQL, which SQLite and PostgreSQL spell differently. The rules themselves are
portal.deadlines'.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement

from config import Settings
from portal.deadlines import Clocks, add_months, midnight_on_or_after
from portal.models import Case

# "No deadline pending" as a date after every real one: the case list sorts and filters on a
# single indexed column, and NULL would sort first on SQLite and last on PostgreSQL.
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


def initial_due_dates(received_at: datetime, settings: Settings) -> tuple[datetime, datetime]:
    """(acknowledgement due, feedback due) of a case received at the exact `received_at`.

    Until the case is acknowledged, feedback is due `feedback_months` after the end of the
    acknowledgement period (Directive 2019/1937 Art. 9(1)(f)).

    Each is the exact deadline rounded up to the next UTC midnight: a deadline to the minute
    would give away the minute of receipt, which is kept in clear only as the day (security
    finding 11). Computed from the exact time before rounding, neither is ever earlier than
    the exact one, nor later by a day or more; a period in days then ends with the last hour
    of its last day, as EU law counts it (Regulation 1182/71 Art. 3). The feedback deadline
    is rounded on its own, not counted from the rounded acknowledgement deadline: months
    differ in length, so that could add up to three more days (28 Feb + 1 day = 1 Mar, but
    28 May + 1 day = 29 May, not 1 Jun).
    """
    acknowledgement_due = received_at + timedelta(days=settings.acknowledgement_days)
    feedback_due = add_months(acknowledgement_due, settings.feedback_months)
    return midnight_on_or_after(acknowledgement_due), midnight_on_or_after(feedback_due)


def feedback_due_after(acknowledged_at: datetime, settings: Settings, *,
                       latest: datetime) -> datetime:
    """Feedback is due `feedback_months` after the acknowledgement, but never later than
    `latest`: the case's feedback deadline from submission, receipt + 7 days + 3 months
    (rounded as `initial_due_dates` rounds it). Art. 9(1)(f) counts the three months from the
    acknowledgement *or*, if none was sent, from the end of the seven days: a late
    acknowledgement does not buy the handlers more time (issue 11 §1).
    """
    return min(add_months(acknowledged_at, settings.feedback_months), latest)


def meeting_due_after(requested_at: datetime, settings: Settings) -> datetime:
    """When the meeting a reporter asked for at the exact `requested_at` is due: within
    `meeting_days` (Art. 9(2) "within a reasonable timeframe"), rounded up to the next UTC
    midnight as the other deadlines, so the clear column gives away the day only."""
    return midnight_on_or_after(requested_at + timedelta(days=settings.meeting_days))


def clocks_of(case_row: Case) -> Clocks:
    """The clocks of `case_row`, from its stored due dates."""
    return Clocks(
        acknowledgement_due=case_row.acknowledgement_due_at,
        feedback_due=case_row.feedback_due_at,
        acknowledged_at=case_row.acknowledged_at,
        feedback_at=case_row.feedback_at,
        closed_at=case_row.closed_at,
        meeting_due=case_row.meeting_due_at,
        meeting_held_at=case_row.meeting_held_at,
    )


def meeting_pending(case_row: Case) -> bool:
    """Whether the reporter is waiting for a meeting they asked for."""
    return (case_row.meeting_due_at is not None and case_row.meeting_held_at is None
            and case_row.closed_at is None)


def pending_deadline(case_row: Case) -> datetime:
    """The earliest deadline `case_row` waits for, or NO_DEADLINE when none is pending: the
    acknowledgement, else the feedback, and a meeting asked for if that comes first."""
    if case_row.closed_at is not None:
        return NO_DEADLINE
    pending = []
    if case_row.acknowledged_at is None:
        pending.append(case_row.acknowledgement_due_at)
    elif case_row.feedback_at is None:
        pending.append(case_row.feedback_due_at)
    if meeting_pending(case_row) and case_row.meeting_due_at is not None:
        pending.append(case_row.meeting_due_at)
    return min(pending, default=NO_DEADLINE)


def refresh_next_due(case_row: Case) -> None:
    """Keep the stored sort key in step after a clock stopped or restarted."""
    case_row.next_due_at = pending_deadline(case_row)


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """Cases with a missed deadline, as one indexed comparison.

    Overdue means: open, and not acknowledged in time, no feedback in time or no meeting in
    time. The stored deadline is the earliest pending one, so any missed deadline shows in it
    (the feedback deadline lies after the acknowledgement deadline), and NO_DEADLINE is never
    in the past.
    """
    return Case.next_due_at < now
