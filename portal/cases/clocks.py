"""The legal clocks of a stored case, in Python for one case and in SQL for the case list.

The due dates are stored on the case (set at submission, the feedback one moved when the case
is acknowledged), so the list can filter "overdue" and sort by urgency with plain indexed
comparisons on any backend: no date arithmetic in SQL, which SQLite and PostgreSQL spell
differently. The rules themselves are portal.deadlines'.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, or_

from config import Settings
from portal.deadlines import Clocks, add_months
from portal.models import Case


def initial_due_dates(created_at: datetime, settings: Settings) -> tuple[datetime, datetime]:
    """(acknowledgement due, feedback due) of a case received at `created_at`.

    Until the case is acknowledged, feedback is due `feedback_months` after the end of the
    acknowledgement period (Directive 2019/1937 Art. 9(1)(f)).
    """
    acknowledgement_due = created_at + timedelta(days=settings.acknowledgement_days)
    return acknowledgement_due, add_months(acknowledgement_due, settings.feedback_months)


def feedback_due_after(acknowledged_at: datetime, settings: Settings) -> datetime:
    """Feedback is due `feedback_months` after the acknowledgement."""
    return add_months(acknowledged_at, settings.feedback_months)


def clocks_of(case_row: Case) -> Clocks:
    """Both clocks of `case_row`, from its stored due dates."""
    return Clocks(
        acknowledgement_due=case_row.acknowledgement_due_at,
        feedback_due=case_row.feedback_due_at,
        acknowledged_at=case_row.acknowledged_at,
        feedback_at=case_row.feedback_at,
        closed_at=case_row.closed_at,
    )


def next_due_expression() -> ColumnElement[datetime | None]:
    """The deadline a case is waiting for next, or NULL when none is pending (closed, or
    feedback given). Sorting by it puts overdue cases first, then the nearest due date."""
    return case(
        (Case.closed_at.is_not(None), None),
        (Case.acknowledged_at.is_(None), Case.acknowledgement_due_at),
        (Case.feedback_at.is_(None), Case.feedback_due_at),
        else_=None,
    )


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """Open cases with a missed deadline: not acknowledged in time, or no feedback in time.

    The feedback deadline always lies after the acknowledgement deadline, so an unacknowledged
    case with missed feedback is already caught by the first branch.
    """
    return and_(
        Case.closed_at.is_(None),
        or_(
            and_(Case.acknowledged_at.is_(None), Case.acknowledgement_due_at < now),
            and_(Case.feedback_at.is_(None), Case.feedback_due_at < now),
        ),
    )
