"""Information requests' figures for a year (issue 13 §2: "information requests received,
answered within 3 weeks, extended, refused"), from the clear columns only, so they survive the
purge. A requester is not a reporter: these counts identify nobody, and the annual account
applies its one small-count rule to them as to every other table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.information.service import deadline_of
from portal.information.states import OPEN_STATUSES, RefusalGround, RequestStatus
from portal.models import InformationRequest


@dataclass(frozen=True)
class RequestFigures:
    """Requests received in `year` (by receipt date), and what became of them."""

    year: int
    received: int
    answered: int
    refused: int
    by_ground: dict[str, int]
    # The deadline was extended, with the notice inside the three weeks.
    extended: int
    # Answered or refused by the original three-week deadline.
    closed_within_three_weeks: int
    # Answered or refused by the deadline that applied (three weeks, or the extended date).
    closed_in_time: int
    closed_late: int
    open_overdue: int
    still_open: int


def request_figures(db: Session, year: int, *, now: datetime,
                    unit_id: str | None = None) -> RequestFigures:
    """The year's request figures for the company `unit_id`, or for every company (None)."""
    if unit_id is None:
        return request_figures_by_unit(db, year, now=now, unit_ids=())[0]
    return request_figures_by_unit(db, year, now=now, unit_ids=(unit_id,),
                                   only=unit_id)[1][unit_id]


def request_figures_by_unit(db: Session, year: int, *, now: datetime,
                            unit_ids: Iterable[str], only: str | None = None
                            ) -> tuple[RequestFigures, dict[str, RequestFigures]]:
    """The year's figures for every company together and for each of `unit_ids`, from one
    query (not one per company); `only` restricts the reading to that one company."""
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    query = select(InformationRequest).where(InformationRequest.received_at >= start,
                                             InformationRequest.received_at < end)
    if only is not None:
        query = query.where(InformationRequest.unit_id == only)
    # A "request" closed as a report for the whistleblowing channel was not a request.
    rows = [row for row in db.scalars(query) if row.status != RequestStatus.MOVED_TO_CHANNEL]
    by_unit: dict[str | None, list[InformationRequest]] = {}
    for row in rows:
        by_unit.setdefault(row.unit_id, []).append(row)
    return (_figures(year, rows, now),
            {unit: _figures(year, by_unit.get(unit, []), now) for unit in unit_ids})


def _figures(year: int, rows: list[InformationRequest], now: datetime) -> RequestFigures:
    closed = [row for row in rows if row.status not in OPEN_STATUSES and row.closed_at]
    still_open = [row for row in rows if row.status in OPEN_STATUSES]
    return RequestFigures(
        year=year,
        received=len(rows),
        answered=sum(row.status == RequestStatus.ANSWERED for row in rows),
        refused=sum(row.status == RequestStatus.REFUSED for row in rows),
        by_ground={ground.value: sum(row.refusal_ground == ground for row in rows)
                   for ground in RefusalGround},
        extended=sum(row.extended_to is not None for row in rows),
        closed_within_three_weeks=sum(row.closed_at is not None and row.closed_at < row.due_at
                                      for row in closed),
        closed_in_time=sum(row.closed_at is not None and row.closed_at < deadline_of(row)
                           for row in closed),
        closed_late=sum(row.closed_at is not None and row.closed_at >= deadline_of(row)
                        for row in closed),
        open_overdue=sum(now >= deadline_of(row) for row in still_open),
        still_open=len(still_open),
    )
