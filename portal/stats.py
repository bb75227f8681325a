"""The whistleblowing channel's figures for a year (domain brief §3, design §2: each module owns
its counts; the annual account composes them).

Live cases and the statistics rows left by the retention purge are counted together, so the
figures of a year do not shrink when its cases are purged. Only clear metadata is read.
`case_counts` gives the raw counts, which the annual account protects; small numbers can
identify a reporter, so whatever is shown goes through the one small-count rule,
`portal.small_counts` (issue 13 §3), with the setting `annual_small_count` as k: the staff case
list's overview too (`case_figures`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    String,
    and_,
    case,
    func,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from portal.models import Case, CaseIdentity, CaseStat
from portal.small_counts import Cell, single, table
from portal.states import Outcome

ON_TIME = "on_time"
LATE = "late"
CLOSED_WITHOUT = "closed_without"


@dataclass(frozen=True)
class CaseFigures:
    """The staff case list's overview of the cases received in `year` (every company), each
    cell protected by the account's one small-count rule (`portal.small_counts`) with the
    account's k: a count from 1 to k-1 is `small` ("< k"), and a table's other cells are
    hidden ("–") where a small one could be worked out from the total."""

    year: int
    k: int
    received: Cell
    by_category: dict[str, Cell]
    human_rights_related: Cell
    substantiated: Cell
    partly_substantiated: Cell
    human_rights_breaches: Cell
    acknowledged_on_time: Cell
    acknowledged_late: Cell
    feedback_on_time: Cell
    feedback_late: Cell
    # Closed with no acknowledgement / no feedback message: never counted as on time (issue 11).
    closed_without_acknowledgement: Cell
    closed_without_feedback: Cell
    # The reporter's choice (issue 11 §8): anonymous, or their name given in confidence. Rows
    # purged before the choice was kept count in neither.
    reported_anonymously: Cell
    reported_with_name: Cell


def _timeliness(done: SQLColumnExpression[datetime | None], due: SQLColumnExpression[datetime],
                now: datetime) -> ColumnElement[str | None]:
    """'on_time', 'late', 'closed_without' or NULL while the deadline is still ahead
    (portal.deadlines' rule: only the real acknowledgement or feedback stops a clock; closing
    the case without it is counted apart)."""
    return case(
        (done.is_not(None), case((done <= due, ON_TIME), else_=LATE)),
        (Case.closed_at.is_not(None), CLOSED_WITHOUT),
        (due < now, LATE),
        else_=None,
    )


def _flag(value: bool | None, closed_without: bool) -> str | None:
    if closed_without:
        return CLOSED_WITHOUT
    return None if value is None else (ON_TIME if value else LATE)


def identity_counts(db: Session, year: int) -> tuple[int, int]:
    """(anonymous, named) reports received in `year`, live and purged: from the existence of
    the sealed-name row and the statistics rows' flag, never from a name."""
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    total, named = db.execute(
        select(func.count(Case.id), func.count(CaseIdentity.case_id))
        .select_from(Case).outerjoin(CaseIdentity, CaseIdentity.case_id == Case.id)
        .where(and_(Case.created_at >= start, Case.created_at < end))).one()
    anonymous = int(total) - int(named)
    named = int(named)
    for flag, count in db.execute(
            select(CaseStat.reporter_named, func.count()).where(
                CaseStat.year == year, CaseStat.reporter_named.is_not(None))
            .group_by(CaseStat.reporter_named)):
        if flag:
            named += int(count)
        else:
            anonymous += int(count)
    return anonymous, named


def case_figures(db: Session, year: int, *, now: datetime, k: int) -> CaseFigures:
    """The year's figures for the staff case list, from the account's own counts
    (`case_counts`, every company) under the account's rule: each table is protected as
    `portal.small_counts.table` protects a breakdown of its published total (the joint
    decision over every company's account is the account's; this page shows the group's
    counts only). k <= 1 shows every count."""
    counts = case_counts(db, year, now=now)
    received = single(counts.received, k)
    by_category = table(counts.by_category, k)
    human_rights = table(counts.human_rights, k)
    outcomes = table(counts.outcomes, k)
    acknowledgement = table(counts.acknowledgement, k)
    feedback = table(counts.feedback, k)
    reporter = table(counts.reporter, k)
    return CaseFigures(
        year=year,
        k=k,
        received=received,
        by_category=by_category,
        human_rights_related=human_rights["yes"],
        substantiated=outcomes[Outcome.SUBSTANTIATED.value],
        partly_substantiated=outcomes[Outcome.PARTLY_SUBSTANTIATED.value],
        human_rights_breaches=single(counts.human_rights_breaches, k),
        acknowledged_on_time=acknowledgement[ON_TIME],
        acknowledged_late=acknowledgement[LATE],
        feedback_on_time=feedback[ON_TIME],
        feedback_late=feedback[LATE],
        closed_without_acknowledgement=acknowledgement[CLOSED_WITHOUT],
        closed_without_feedback=feedback[CLOSED_WITHOUT],
        reported_anonymously=reporter["anonymous"],
        reported_with_name=reporter["named"],
    )


def years_with_cases(db: Session) -> list[int]:
    """Years in which cases were received, live or purged, newest first."""
    years = set(db.scalars(select(CaseStat.year).distinct()))
    first = db.scalar(select(func.min(Case.created_at)))
    last = db.scalar(select(func.max(Case.created_at)))
    if first is not None and last is not None:
        years.update(range(first.year, last.year + 1))
    return sorted(years, reverse=True)


@dataclass(frozen=True)
class CaseCounts:
    """Raw (unsuppressed) counts of cases received in `year`, live and purged together, for a
    company (`unit_id`) or every company; the annual account suppresses them with
    `portal.small_counts`. Keys are the clear values ("None" for an empty one)."""

    year: int
    received: int
    by_category: dict[str, int]
    by_channel: dict[str, int]
    by_unit: dict[str, int]
    human_rights: dict[str, int]      # "yes" / "no"
    outcomes: dict[str, int]          # Outcome values and "none" (still open, or no outcome)
    human_rights_breaches: int
    acknowledgement: dict[str, int]   # on_time, late, closed_without, pending
    feedback: dict[str, int]
    reporter: dict[str, int]          # anonymous, named, unknown (purged before the choice)
    # Medians over the cases whose dates are still held (a purged case keeps months only, so
    # these are not in the statistics rows); with how many cases each median is taken over.
    median_days_to_acknowledgement: float | None
    acknowledged_cases_with_dates: int
    median_days_to_feedback: float | None
    feedback_cases_with_dates: int


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    middle = len(values) // 2
    if len(values) % 2:
        return round(values[middle], 1)
    return round((values[middle - 1] + values[middle]) / 2, 1)


def case_counts(db: Session, year: int, *, now: datetime,
                unit_id: str | None = None) -> CaseCounts:
    """The year's raw counts for the company `unit_id`, or for every company (None)."""
    if unit_id is None:
        return case_counts_by_unit(db, year, now=now, unit_ids=())[0]
    return case_counts_by_unit(db, year, now=now, unit_ids=(unit_id,), only=unit_id)[1][unit_id]


def case_counts_by_unit(db: Session, year: int, *, now: datetime, unit_ids: Iterable[str],
                        only: str | None = None) -> tuple[CaseCounts, dict[str, CaseCounts]]:
    """The year's raw counts for every company together and for each of `unit_ids`, from one
    grouped pass over the live cases and one over the statistics rows (grouped by company
    too, then summed here), so the number of queries does not grow with the companies
    (issue 15: 1 000 000 statistics rows over 24 companies took 18-21 s read company by
    company, 1.3 s in one pass with the covering index of migration 0024).
    `only` restricts the reading to that one company (the group's counts are then its)."""
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    live_filter = [Case.created_at >= start, Case.created_at < end]
    stat_filter = [CaseStat.year == year]
    if only is not None:
        live_filter.append(Case.unit_id == only)
        stat_filter.append(CaseStat.unit_id == only)
    inner = select(
        Case.unit_id, Case.category, Case.channel, Case.human_rights, Case.outcome,
        Case.human_rights_breach,
        _timeliness(Case.acknowledged_at, Case.acknowledgement_due_at, now).label("ack"),
        _timeliness(Case.feedback_at, Case.feedback_due_at, now).label("fb"),
        CaseIdentity.case_id.is_not(None).label("named"),
    ).outerjoin(CaseIdentity, CaseIdentity.case_id == Case.id).where(*live_filter).subquery()
    columns = tuple(inner.c)
    rows: list[tuple[Any, ...]] = []
    for *key, count in db.execute(select(*columns, func.count()).group_by(*columns)):
        rows.append((*key, int(count)))
    # Grouped in the order of ix_case_stats_figures (migration 0024), which covers every
    # column read: SQLite groups while walking the index, with no sort and no table read.
    grouped = (CaseStat.unit_id, CaseStat.category, CaseStat.channel, CaseStat.human_rights,
               CaseStat.outcome, CaseStat.human_rights_breach, CaseStat.acknowledged_on_time,
               CaseStat.feedback_on_time, CaseStat.closed_without_acknowledgement,
               CaseStat.closed_without_feedback, CaseStat.reporter_named)
    # Read as plain strings: the counts key on the value, and converting tens of thousands
    # of groups to enum members took a fifth of the time.
    selected = (*grouped[:2], type_coerce(CaseStat.channel, String), grouped[3],
                type_coerce(CaseStat.outcome, String), *grouped[5:])
    for (unit, category, channel, human_rights, outcome, breach, ack, fb, no_ack, no_fb,
         named, count) in db.execute(
            select(*selected, func.count()).where(*stat_filter).group_by(*grouped)):
        rows.append((unit, category, channel, human_rights, outcome, breach,
                     _flag(ack, no_ack), _flag(fb, no_fb), named, int(count)))
    tallies: dict[str | None, _Tally] = {}
    for (unit, category, channel, human_rights, outcome, breach, ack, fb, named,
         count) in rows:
        tally = tallies.get(unit)
        if tally is None:
            tally = tallies[unit] = _Tally()
        tally.add(unit, category, channel, human_rights, outcome, breach, ack, fb, named,
                  count)
    # Whole calendar days: a case's receipt time is kept to the day only.
    ack_days: dict[str | None, list[float]] = {}
    fb_days: dict[str | None, list[float]] = {}
    for days, done_column in ((ack_days, Case.acknowledged_at), (fb_days, Case.feedback_at)):
        for unit, created, done in db.execute(
                select(Case.unit_id, Case.created_at, done_column).where(
                    *live_filter, done_column.is_not(None))):
            if done is not None:
                days.setdefault(unit, []).append(float((done.date() - created.date()).days))
    group = _Tally()
    for tally in tallies.values():
        group.merge(tally)
    every = [value for values in ack_days.values() for value in values]
    every_fb = [value for values in fb_days.values() for value in values]
    by_unit = {unit: (tallies.get(unit) or _Tally()).counts(
        year, ack_days.get(unit, []), fb_days.get(unit, [])) for unit in unit_ids}
    return group.counts(year, every, every_fb), by_unit


_TIMELINESS = (ON_TIME, LATE, CLOSED_WITHOUT, "pending")


class _Tally:
    """Counts of one company's cases (or of the group's), dimension by dimension."""

    def __init__(self) -> None:
        self.received = self.breaches = 0
        self.dims: dict[str, Counter[str]] = {name: Counter() for name in (
            "category", "channel", "unit", "hr", "outcome", "ack", "fb", "reporter")}

    def add(self, unit: Any, category: Any, channel: Any, human_rights: Any, outcome: Any,
            breach: Any, ack: Any, fb: Any, named: Any, count: int) -> None:
        dims = self.dims
        self.received += count
        dims["unit"][str(unit)] += count
        dims["category"][str(category)] += count
        dims["channel"][str(channel)] += count
        dims["hr"]["yes" if human_rights else "no"] += count
        dims["outcome"][str(outcome) if outcome else "none"] += count
        dims["ack"][str(ack) if ack else "pending"] += count
        dims["fb"][str(fb) if fb else "pending"] += count
        dims["reporter"]["unknown" if named is None else
                         ("named" if named else "anonymous")] += count
        self.breaches += count if breach else 0

    def merge(self, other: _Tally) -> None:
        """Add a company's counts to the group's."""
        self.received += other.received
        self.breaches += other.breaches
        for name, counter in other.dims.items():
            self.dims[name].update(counter)

    def counts(self, year: int, ack_days: list[float], fb_days: list[float]) -> CaseCounts:
        dims = self.dims
        return CaseCounts(
            year=year, received=self.received,
            by_category=dict(sorted(dims["category"].items())),
            by_channel=dict(sorted(dims["channel"].items())),
            by_unit=dict(sorted(dims["unit"].items())),
            human_rights={"yes": dims["hr"]["yes"], "no": dims["hr"]["no"]},
            outcomes={**{outcome.value: dims["outcome"][outcome.value] for outcome in Outcome},
                      "none": dims["outcome"]["none"]},
            human_rights_breaches=self.breaches,
            acknowledgement={name: dims["ack"][name] for name in _TIMELINESS},
            feedback={name: dims["fb"][name] for name in _TIMELINESS},
            reporter={name: dims["reporter"][name] for name in ("anonymous", "named", "unknown")},
            median_days_to_acknowledgement=_median(ack_days),
            acknowledged_cases_with_dates=len(ack_days),
            median_days_to_feedback=_median(fb_days),
            feedback_cases_with_dates=len(fb_days),
        )
