"""The handler's case list: the cases a user holds a key for, filtered and sorted in SQL.

Built from the clear metadata only (design §3): no column holding ciphertext is even
selected, so the list can never decrypt or leak content. It stays fast at 100 000 cases: the
cases come in urgency order from one index (next deadline, newest), checked against the
wrap index, or from the wrap index and sorted, whichever reads less (`_walk_urgency_index`);
"overdue" is a range of the urgency index; only the page shown is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, select
from sqlalchemy.orm import Session

from portal.cases.assignees import assigned_condition
from portal.cases.case_views import unread_condition
from portal.cases.clocks import overdue_condition
from portal.cases.references import reference_condition
from portal.deadlines import Clocks
from portal.models import Case, CaseKeyWrap, OrgUnit
from portal.states import CaseStatus, Channel, KeyKind, Outcome

PAGE_SIZE = 50


@dataclass(frozen=True)
class CaseFilters:
    """What the list is narrowed to; None means "any"."""

    unit_id: str | None = None
    status: str | None = None
    category: str | None = None
    channel: str | None = None
    overdue: bool = False
    # A case reference or part of one (issue 14 §7); "" means no search.
    query: str = ""
    # What needs the user (issue 14 §8): cases assigned to this user id, cases unread by it.
    assigned_to: str | None = None
    unread_by: str | None = None


@dataclass(frozen=True)
class CaseRow:
    """One line of the list: metadata and both clocks, no content."""

    id: str
    unit_name: str | None
    category: str
    human_rights: bool
    channel: Channel
    status: CaseStatus
    outcome: Outcome | None
    legal_hold: bool
    created_at: datetime
    clocks: Clocks
    acknowledgement_state: str
    feedback_state: str
    # None when the reporter asked for no meeting.
    meeting_state: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


_COLUMNS = (
    Case.id, OrgUnit.name, Case.category, Case.human_rights, Case.channel, Case.status,
    Case.outcome, Case.legal_hold, Case.created_at, Case.acknowledged_at, Case.feedback_at,
    Case.closed_at, Case.acknowledgement_due_at, Case.feedback_due_at, Case.meeting_due_at,
    Case.meeting_held_at, Case.reference,
)


def _filters(filters: CaseFilters, now: datetime) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.unit_id:
        conditions.append(Case.unit_id == filters.unit_id)
    if filters.status:
        conditions.append(Case.status == filters.status)
    if filters.category:
        conditions.append(Case.category == filters.category)
    if filters.channel:
        conditions.append(Case.channel == filters.channel)
    if filters.overdue:
        conditions.append(overdue_condition(now))
    searched = reference_condition(filters.query)
    if searched is not None:
        conditions.append(searched)
    conditions.extend(_attention_filters(filters))
    return conditions


def _attention_filters(filters: CaseFilters) -> list[ColumnElement[bool]]:
    """"Assigned to me" and "unread" (issue 14 §8): per user, from their own rows."""
    conditions: list[ColumnElement[bool]] = []
    if filters.assigned_to:
        conditions.append(assigned_condition(filters.assigned_to))
    if filters.unread_by:
        conditions.append(unread_condition(filters.unread_by))
    return conditions


def _wrap_of(user_id: str) -> ColumnElement[bool]:
    return and_(CaseKeyWrap.case_id == Case.id, CaseKeyWrap.recipient_id == user_id,
                CaseKeyWrap.key_kind == KeyKind.CASE)


def _walk_urgency_index(total: int, all_cases: int, offset: int, per_page: int) -> bool:
    """Which way to find the page: walk every case in urgency order, keeping the user's
    (cheap when they hold a large share, e.g. a group handler), or take the user's cases from
    the wrap index and sort them (cheap when they hold few). Walking reads about
    (offset + per_page) * all / total rows, sorting about total: walk while that is less.
    SQLite does not make this choice itself, and a wrong guess costs it ten times over."""
    return (offset + per_page) * all_cases < total * total


def page_query(user_id: str, filters: CaseFilters, *, now: datetime, offset: int,
               per_page: int, walk_index: bool) -> Select[*tuple[Any, ...]]:
    """The page's rows, one of the two equivalent ways (see `_walk_urgency_index`)."""
    query = select(*_COLUMNS).where(*_filters(filters, now))
    if walk_index:
        query = query.where(exists().where(_wrap_of(user_id)))
    else:
        # The unique (case, key kind, recipient) constraint yields each case once.
        query = query.join(CaseKeyWrap, _wrap_of(user_id))
    return (query.outerjoin(OrgUnit, OrgUnit.id == Case.unit_id)
            # The order of the ix_cases_urgency index: overdue first (the oldest deadline),
            # then the nearest deadline, then cases with none pending, newest first.
            .order_by(Case.next_due_at, Case.created_at.desc(), Case.id)
            .limit(per_page).offset(offset))


def list_cases(db: Session, user_id: str, filters: CaseFilters, *, now: datetime,
               page: int = 1, per_page: int = PAGE_SIZE) -> CasePage:
    """One page of the cases `user_id` holds, most urgent first: overdue cases, then the
    nearest pending deadline, then cases with no deadline pending (newest first)."""
    total = int(db.scalar(select(func.count(Case.id)).join(CaseKeyWrap, _wrap_of(user_id))
                          .where(*_filters(filters, now))) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    offset = (page - 1) * per_page
    all_cases = int(db.scalar(select(func.count()).select_from(Case)) or 0)
    query = page_query(user_id, filters, now=now, offset=offset, per_page=per_page,
                       walk_index=_walk_urgency_index(total, all_cases, offset, per_page))
    rows = []
    for (case_id, unit_name, category, human_rights, channel, status, outcome, legal_hold,
         created_at, acknowledged_at, feedback_at, closed_at, acknowledgement_due,
         feedback_due, meeting_due, meeting_held_at, reference) in db.execute(query):
        clocks = Clocks(acknowledgement_due=acknowledgement_due, feedback_due=feedback_due,
                        acknowledged_at=acknowledged_at, feedback_at=feedback_at,
                        closed_at=closed_at, meeting_due=meeting_due,
                        meeting_held_at=meeting_held_at)
        rows.append(CaseRow(
            id=case_id, unit_name=unit_name, category=category, human_rights=human_rights,
            channel=channel, status=status, outcome=outcome, legal_hold=legal_hold,
            created_at=created_at, clocks=clocks,
            acknowledgement_state=clocks.acknowledgement_state(now),
            feedback_state=clocks.feedback_state(now),
            meeting_state=clocks.meeting_state(now), reference=reference,
        ))
    return CasePage(rows=rows, total=total, page=page, per_page=per_page)
