"""The whistleblowing channel's figures for a year (domain brief §3, design §2: each module owns
its counts; the annual account composes them).

Live cases and the statistics rows left by the retention purge are counted together, so the
figures of a year do not shrink when its cases are purged. Only clear metadata is read. Small
numbers can identify a reporter, so every count from 1 to `threshold - 1` is suppressed (None),
and where a table would let a suppressed cell be worked out from its total, the next smallest
cell is suppressed too.
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
from portal.states import Outcome

DEFAULT_THRESHOLD = 5
ON_TIME = "on_time"
LATE = "late"
CLOSED_WITHOUT = "closed_without"


@dataclass(frozen=True)
class CaseFigures:
    """Counts of cases received in `year`; None is a suppressed cell."""

    year: int
    threshold: int
    received: int | None
    by_category: dict[str, int | None]
    human_rights_related: int | None
    substantiated: int | None
    partly_substantiated: int | None
    human_rights_breaches: int | None
    acknowledged_on_time: int | None
    acknowledged_late: int | None
    feedback_on_time: int | None
    feedback_late: int | None
    # Closed with no acknowledgement / no feedback message: never counted as on time (issue 11).
    closed_without_acknowledgement: int | None
    closed_without_feedback: int | None
    # The reporter's choice (issue 11 §8): anonymous, or their name given in confidence. Rows
    # purged before the choice was kept count in neither.
    reported_anonymously: int | None = None
    reported_with_name: int | None = None


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


_Key = tuple[str, bool, str | None, bool | None, str | None, str | None]


def _live_counts(db: Session, year: int, now: datetime) -> Counter[_Key]:
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    # Grouped in an outer query: PostgreSQL would not match the two copies of a CASE holding
    # a bound parameter in SELECT and GROUP BY.
    inner = select(
        Case.category, Case.human_rights, Case.outcome, Case.human_rights_breach,
        _timeliness(Case.acknowledged_at, Case.acknowledgement_due_at, now).label("ack"),
        _timeliness(Case.feedback_at, Case.feedback_due_at, now).label("fb"),
    ).where(and_(Case.created_at >= start, Case.created_at < end)).subquery()
    columns = (inner.c.category, inner.c.human_rights, inner.c.outcome,
               inner.c.human_rights_breach, inner.c.ack, inner.c.fb)
    counts: Counter[_Key] = Counter()
    for *key, count in db.execute(select(*columns, func.count()).group_by(*columns)):
        counts[tuple(key)] += int(count)
    return counts


def _flag(value: bool | None, closed_without: bool) -> str | None:
    if closed_without:
        return CLOSED_WITHOUT
    return None if value is None else (ON_TIME if value else LATE)


def _purged_counts(db: Session, year: int) -> Counter[_Key]:
    columns = (CaseStat.category, CaseStat.human_rights, CaseStat.outcome,
               CaseStat.human_rights_breach, CaseStat.acknowledged_on_time,
               CaseStat.feedback_on_time, CaseStat.closed_without_acknowledgement,
               CaseStat.closed_without_feedback)
    counts: Counter[_Key] = Counter()
    for (category, human_rights, outcome, breach, ack, fb, no_ack, no_fb, count) in db.execute(
            select(*columns, func.count()).where(CaseStat.year == year).group_by(*columns)):
        counts[(category, human_rights, outcome, breach, _flag(ack, no_ack),
                _flag(fb, no_fb))] += int(count)
    return counts


def suppress(count: int, threshold: int) -> int | None:
    """`count`, or None when it is small enough to point at a person (0 is never hidden)."""
    return None if 0 < count < threshold else count


def _suppress_table(cells: dict[str, int], threshold: int) -> dict[str, int | None]:
    """Suppress small cells; if exactly one is hidden, hide the next smallest too, so the
    total cannot give it away."""
    shown: dict[str, int | None] = {name: suppress(count, threshold)
                                    for name, count in cells.items()}
    hidden = [name for name, value in shown.items() if value is None]
    if len(hidden) == 1:
        candidates = sorted((count, name) for name, count in cells.items()
                            if shown[name] is not None and count > 0)
        if candidates:
            shown[candidates[0][1]] = None
    return shown


def _pair(first: int, second: int, threshold: int) -> tuple[int | None, int | None]:
    """Two complementary counts: if one is hidden, so is the other."""
    a, b = suppress(first, threshold), suppress(second, threshold)
    return (None, None) if a is None or b is None else (a, b)


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


def case_figures(db: Session, year: int, *, now: datetime,
                 threshold: int = DEFAULT_THRESHOLD) -> CaseFigures:
    """The year's figures for the annual account. `threshold` <= 1 shows every count."""
    counts = _live_counts(db, year, now) + _purged_counts(db, year)
    totals: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    for (category, human_rights, outcome, breach, ack, fb), count in counts.items():
        totals["received"] += count
        categories[category] += count
        totals["human_rights"] += count if human_rights else 0
        totals["breach"] += count if breach else 0
        totals[f"outcome:{outcome}"] += count
        totals[f"ack:{ack}"] += count
        totals[f"fb:{fb}"] += count
    ack_on_time, ack_late = _pair(totals[f"ack:{ON_TIME}"], totals[f"ack:{LATE}"], threshold)
    fb_on_time, fb_late = _pair(totals[f"fb:{ON_TIME}"], totals[f"fb:{LATE}"], threshold)
    anonymous, named = _pair(*identity_counts(db, year), threshold)
    return CaseFigures(
        year=year,
        threshold=threshold,
        received=suppress(totals["received"], threshold),
        by_category=_suppress_table(dict(sorted(categories.items())), threshold),
        human_rights_related=suppress(totals["human_rights"], threshold),
        substantiated=suppress(totals[f"outcome:{Outcome.SUBSTANTIATED}"], threshold),
        partly_substantiated=suppress(totals[f"outcome:{Outcome.PARTLY_SUBSTANTIATED}"],
                                      threshold),
        human_rights_breaches=suppress(totals["breach"], threshold),
        acknowledged_on_time=ack_on_time,
        acknowledged_late=ack_late,
        feedback_on_time=fb_on_time,
        feedback_late=fb_late,
        closed_without_acknowledgement=suppress(totals[f"ack:{CLOSED_WITHOUT}"], threshold),
        closed_without_feedback=suppress(totals[f"fb:{CLOSED_WITHOUT}"], threshold),
        reported_anonymously=anonymous,
        reported_with_name=named,
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
