"""The audit page's filters (issue 14 §11): by case (its reference), by who acted, by date
(UTC days, as the page shows times), a page size; newest events first, by offset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.orm import Session

from admin.audit.forms import PAGE_SIZES, AuditFilterForm
from portal.models import AuditEvent, Case, User

_CASE_ID_LENGTH = 32

# Read at each request (a test may set it lower).
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditQuery:
    conditions: list[ColumnElement[bool]]
    per_page: int
    # The case filter named no case (a wrong or unknown reference).
    unknown_case: bool = False


def _case_id(db: Session, text: str) -> str | None:
    """The case a reference names, or a purged case's id as the log keeps it."""
    wanted = text.strip()
    found = db.scalar(select(Case.id).where(Case.reference == wanted.upper()))
    if found is not None:
        return found
    lowered = wanted.lower()
    if len(lowered) == _CASE_ID_LENGTH and all(char in "0123456789abcdef" for char in lowered):
        return lowered
    return None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_query(db: Session, form: AuditFilterForm) -> AuditQuery:
    """The conditions the form asks for; a field that does not parse is left out (the form
    shows its error)."""
    form.validate()
    conditions: list[ColumnElement[bool]] = []
    unknown_case = False
    if form.case.data and not form.case.errors:
        case_id = _case_id(db, form.case.data)
        if case_id is None:
            unknown_case = True
            conditions.append(false())
        else:
            conditions.append(AuditEvent.case_id == case_id)
    if form.user.data:
        conditions.append(AuditEvent.actor_id == form.user.data)
    if form.since.data and not form.since.errors:
        conditions.append(AuditEvent.at >= _day_start(form.since.data))
    if form.until.data and not form.until.errors:
        conditions.append(AuditEvent.at < _day_start(form.until.data + timedelta(days=1)))
    size = next((size for size in PAGE_SIZES if str(size) == form.per_page.data),
                DEFAULT_PAGE_SIZE)
    return AuditQuery(conditions=conditions, per_page=size, unknown_case=unknown_case)


def user_choices(db: Session) -> list[tuple[str, str]]:
    """Everyone who has an account, by name; "" for anyone."""
    return [("", _("Anyone"))] + [
        (user_id, name) for user_id, name in db.execute(
            select(User.id, User.name).order_by(User.name, User.id))]


def count_events(db: Session, query: AuditQuery) -> int:
    return int(db.scalar(select(func.count()).select_from(AuditEvent)
                         .where(*query.conditions)) or 0)


def page_of_events(db: Session, query: AuditQuery, page: int) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(*query.conditions)
                           .order_by(AuditEvent.seq.desc())
                           .offset((page - 1) * query.per_page).limit(query.per_page)))


def kept_arguments(args: Any) -> dict[str, Any]:
    """The filters of this request, for the page links (never the page number itself)."""
    return {key: value for key, value in args.items()
            if key in {"case", "user", "since", "until", "per_page"} and value}
