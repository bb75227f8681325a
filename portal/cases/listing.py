"""The handler's case list: the cases a user holds a key for, filtered and sorted in SQL.

Built from the clear metadata only (design §3): no column holding ciphertext is even
selected, so the list can never decrypt or leak content. It stays fast at 100 000 cases: the
cases come in urgency order from one index (next deadline, newest), checked against the
wrap index, or from the wrap index and sorted, whichever reads less (`_walk_urgency_index`);
"overdue" is a range of the urgency index; only the page shown is loaded.

Pages follow each other by keyset (issue 15 §5): "next" and "previous" carry the sort key of
the last or first row shown (`PageCursor`), and the next page starts right after it in the
index, so page 2 000 costs what page 1 costs; the last page is read backwards from the end.
Only a page asked for by number alone (`?page=N`) is found by OFFSET.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, select, text
from sqlalchemy.exc import OperationalError
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
    # Cursors of the pages before and after this one (None at either end).
    previous: PageCursor | None = None
    next: PageCursor | None = None

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


def _has_indexed_filter(filters: CaseFilters) -> bool:
    """A filter with its own urgency index (migration 0019): then walking that index is the
    cheap way to any page, whoever the user is."""
    return bool(filters.unit_id or filters.status or filters.category or filters.channel)


def _walk_urgency_index(total: int, all_cases: int, offset: int, per_page: int) -> bool:
    """Which way to find the page: walk every case in urgency order, keeping the user's
    (cheap when they hold a large share, e.g. a group handler), or take the user's cases from
    the wrap index and sort them (cheap when they hold few). Walking reads about
    (offset + per_page) * all / total rows, sorting about total: walk while that is less.
    SQLite does not make this choice itself, and a wrong guess costs it ten times over.
    With a keyset cursor the offset is 0: the walk starts at the cursor."""
    return (offset + per_page) * all_cases < total * total


def _rows_query(user_id: str, filters: CaseFilters, *, now: datetime,
                walk_index: bool) -> Select[*tuple[Any, ...]]:
    """The user's cases under `filters`, unordered and unlimited (one of the two equivalent
    ways, see `_walk_urgency_index`); each row is `_COLUMNS` and the row's next deadline,
    which its cursor needs."""
    query = select(*_COLUMNS, Case.next_due_at).where(*_filters(filters, now))
    if walk_index:
        query = query.where(exists().where(_wrap_of(user_id)))
    else:
        # The unique (case, key kind, recipient) constraint yields each case once.
        query = query.join(CaseKeyWrap, _wrap_of(user_id))
    return query.outerjoin(OrgUnit, OrgUnit.id == Case.unit_id)


# The order of the ix_cases_urgency index: overdue first (the oldest deadline), then the
# nearest deadline, then cases with none pending, newest first; the id makes it total.
_URGENCY = (Case.next_due_at, Case.created_at.desc(), Case.id)
_URGENCY_REVERSED = (Case.next_due_at.desc(), Case.created_at, Case.id.desc())


def page_query(user_id: str, filters: CaseFilters, *, now: datetime, offset: int,
               per_page: int, walk_index: bool) -> Select[*tuple[Any, ...]]:
    """The page's rows by OFFSET (a page asked for by number alone)."""
    return (_rows_query(user_id, filters, now=now, walk_index=walk_index)
            .order_by(*_URGENCY).limit(per_page).offset(offset))


def _case_row(row: Any, now: datetime) -> CaseRow:
    (case_id, unit_name, category, human_rights, channel, status, outcome, legal_hold,
     created_at, acknowledged_at, feedback_at, closed_at, acknowledgement_due,
     feedback_due, meeting_due, meeting_held_at, reference) = row
    clocks = Clocks(acknowledgement_due=acknowledgement_due, feedback_due=feedback_due,
                    acknowledged_at=acknowledged_at, feedback_at=feedback_at,
                    closed_at=closed_at, meeting_due=meeting_due,
                    meeting_held_at=meeting_held_at)
    return CaseRow(
        id=case_id, unit_name=unit_name, category=category, human_rights=human_rights,
        channel=channel, status=status, outcome=outcome, legal_hold=legal_hold,
        created_at=created_at, clocks=clocks,
        acknowledgement_state=clocks.acknowledgement_state(now),
        feedback_state=clocks.feedback_state(now),
        meeting_state=clocks.meeting_state(now), reference=reference,
    )


# --- pagination mechanics (issue 15 §5) ---------------------------------------------------


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"(-?[0-9]{1,19})\.(-?[0-9]{1,19})\.([0-9a-f]{32})")


@dataclass(frozen=True)
class PageCursor:
    """A row's place in the urgency order: its next deadline, receipt time and id. Written
    into the list's links as three numbers and the id; clear metadata of the user's own
    cases, nothing else (a forged cursor only moves within the user's cases)."""

    next_due_at: datetime
    created_at: datetime
    case_id: str

    def __str__(self) -> str:
        return f"{_micros(self.next_due_at)}.{_micros(self.created_at)}.{self.case_id}"

    @classmethod
    def parse(cls, value: str | None) -> PageCursor | None:
        """The cursor in a link, or None if there is none or it is not one of ours."""
        match = _CURSOR.fullmatch(value or "")
        if match is None:
            return None
        try:
            due, created = (_EPOCH + timedelta(microseconds=int(match.group(number)))
                            for number in (1, 2))
        except OverflowError:
            return None
        return cls(due, created, match.group(3))


def _micros(moment: datetime) -> int:
    if moment.tzinfo is None:  # SQLite hands back what was stored: UTC
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _after(cursor: PageCursor) -> list[ColumnElement[bool]]:
    """The rows after `cursor` in urgency order, as three disjoint ranges in that order, each
    a plain range of the urgency index (one OR over the three would make either database
    scan from the start of the cursor's deadline, and most closed cases share one)."""
    due, created, case_id = cursor.next_due_at, cursor.created_at, cursor.case_id
    return [and_(Case.next_due_at == due, Case.created_at == created, Case.id > case_id),
            and_(Case.next_due_at == due, Case.created_at < created),
            Case.next_due_at > due]


def _before(cursor: PageCursor) -> list[ColumnElement[bool]]:
    """The rows before `cursor`, nearest first (the reverse order), as `_after` does."""
    due, created, case_id = cursor.next_due_at, cursor.created_at, cursor.case_id
    return [and_(Case.next_due_at == due, Case.created_at == created, Case.id < case_id),
            and_(Case.next_due_at == due, Case.created_at > created),
            Case.next_due_at < due]


def _seek(db: Session, query: Select[*tuple[Any, ...]], ranges: list[ColumnElement[bool]],
          order: tuple[Any, ...], limit: int) -> list[Any]:
    """Up to `limit` rows from the ranges in turn, each read in `order` from its start."""
    rows: list[Any] = []
    for condition in ranges:
        if len(rows) >= limit:
            break
        rows += db.execute(query.where(condition).order_by(*order)
                           .limit(limit - len(rows))).all()
    return rows


def estimated_case_count(db: Session) -> int:
    """About how many cases there are, from the planner's statistics where the database has
    them (ANALYZE: `aktsom serve` and the purge run it), else counted. It only chooses
    between two equivalent plans (`_walk_urgency_index`), so an estimate is enough, and
    counting 100 000 rows on every list would cost more than the page."""
    if db.get_bind().dialect.name == "postgresql":
        estimate = db.scalar(text("SELECT reltuples::bigint FROM pg_class "
                                  "WHERE oid = to_regclass('cases')"))
    else:
        try:
            # Every row of a table's indexes starts with the number of rows.
            stat = db.scalar(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'cases' LIMIT 1"))
        except OperationalError:  # no sqlite_stat1 before the first ANALYZE
            stat = None
        estimate = int(str(stat).split()[0]) if stat else None
    if estimate is not None and int(estimate) > 0:
        return int(estimate)
    return int(db.scalar(select(func.count()).select_from(Case)) or 0)


def count_cases(db: Session, user_id: str, filters: CaseFilters, *, now: datetime,
                all_cases: int | None = None) -> int:
    """How many of the user's cases match: from the wrap index alone when nothing filters
    on the case (the usual list). With a filter, from the filter's urgency index with a wrap
    check per entry when the user holds a large share of the cases (a group handler), else
    from the user's wraps joined to the cases (a company handler)."""
    conditions = _filters(filters, now)
    held = int(db.scalar(select(func.count()).select_from(CaseKeyWrap).where(
        CaseKeyWrap.recipient_id == user_id, CaseKeyWrap.key_kind == KeyKind.CASE)) or 0)
    if not conditions:
        return held
    if all_cases is not None and held * 4 >= all_cases:
        return int(db.scalar(select(func.count()).select_from(Case).where(
            *conditions, exists().where(_wrap_of(user_id)))) or 0)
    return int(db.scalar(select(func.count(Case.id)).join(CaseKeyWrap, _wrap_of(user_id))
                         .where(*conditions)) or 0)


def list_cases(db: Session, user_id: str, filters: CaseFilters, *, now: datetime,
               page: int = 1, per_page: int = PAGE_SIZE, after: PageCursor | None = None,
               before: PageCursor | None = None) -> CasePage:
    """One page of the cases `user_id` holds, most urgent first: overdue cases, then the
    nearest pending deadline, then cases with no deadline pending (newest first).

    `after` (or `before`) is the cursor of the row just before (after) the page wanted:
    the page is read from there by keyset; `page` is then only its number as the link said.
    Without a cursor, page 1 and the last page are read from either end of the order, any
    other page by OFFSET."""
    all_cases = estimated_case_count(db)
    total = count_cases(db, user_id, filters, now=now, all_cases=all_cases)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    if after is None and before is None and 1 < page < pages:
        offset = (page - 1) * per_page
        query = page_query(user_id, filters, now=now, offset=offset, per_page=per_page,
                           walk_index=_has_indexed_filter(filters)
                           or _walk_urgency_index(total, all_cases, offset, per_page))
        raw = db.execute(query).all()
    else:
        query = _rows_query(user_id, filters, now=now,
                            walk_index=_has_indexed_filter(filters)
                            or _walk_urgency_index(total, all_cases, 0, per_page))
        if before is not None:
            raw = _seek(db, query, _before(before), _URGENCY_REVERSED, per_page)[::-1]
            if len(raw) < per_page:  # back at the start: the first page, whole
                page, raw = 1, _seek(db, query, [Case.id.is_not(None)], _URGENCY, per_page)
        elif after is not None:
            page = max(page, 2)
            raw = _seek(db, query, _after(after), _URGENCY, per_page)
            if not raw:  # past the end (cases closed or removed meanwhile): the last page
                page = pages
                last = total - (pages - 1) * per_page
                raw = _seek(db, query, [Case.id.is_not(None)], _URGENCY_REVERSED, last)[::-1]
        elif page == pages and pages > 1:
            last = total - (pages - 1) * per_page
            raw = _seek(db, query, [Case.id.is_not(None)], _URGENCY_REVERSED, last)[::-1]
        else:
            raw = _seek(db, query, [Case.id.is_not(None)], _URGENCY, per_page)
    rows = [_case_row(tuple(row)[:-1], now) for row in raw]
    cursors = [PageCursor(row[-1], case.created_at, case.id)
               for case, row in zip(rows, raw, strict=True)]
    return CasePage(rows=rows, total=total, page=page, per_page=per_page,
                    previous=cursors[0] if cursors and page > 1 else None,
                    next=cursors[-1] if len(cursors) == per_page and page < pages else None)
