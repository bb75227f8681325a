"""The one small-count rule (issue 13 §3): a published count from 1 to k-1 could point at a
person, so it is shown as "< k"; and wherever a table's cells add up to a total that is shown,
further cells are hidden ("complementary" suppression) until no hidden cell can be worked out
exactly from the total and the cells still shown. A difference with the previous year is shown
only when both years' cells are shown.

It lives in `portal` so that every layer (the channel's own pages, the supplier module, the
annual account in `admin`) can use it; every output format of the account renders the cells
this module produced and never the raw counts, and so does the staff case list's overview of
the year (`portal.stats.case_figures`): there is no other small-count rule.

The rule:

* k comes from the setting `annual_small_count` (default 3, as issue 13 asks). k <= 1 shows
  every count.
* 0 is shown: "nobody" points at nobody. Because 0 is shown, a hidden small cell is known to be
  from 1 to k-1; with k = 2 that would give it away, so k = 2 is refused (ValueError).
* A cell hidden because it is small is `SMALL` ("< k"); a cell hidden only to protect another is
  `COMPLEMENTARY` (shown as "–", it is not below k). A reader knows the hidden cells' sum (the
  total less the cells shown), each SMALL cell's range [1, k-1] and each COMPLEMENTARY cell's
  range [k, sum]; cells are hidden (smallest first) until every hidden cell has at least two
  possible values. When even hiding every non-zero cell does not achieve that, the whole table
  is `WITHHELD` (every cell "–", zeros too), which leaves every cell open from 0 to the total.
  A breakdown of a total that is itself hidden is withheld whole.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

DEFAULT_K = 3


class CellStatus(StrEnum):
    SHOWN = "shown"
    SMALL = "small"
    COMPLEMENTARY = "complementary"
    WITHHELD = "withheld"


@dataclass(frozen=True)
class Cell:
    """One published count: `value` is None unless `status` is SHOWN."""

    value: int | None
    status: CellStatus

    @property
    def shown(self) -> bool:
        return self.status is CellStatus.SHOWN

    def display(self, k: int) -> str:
        if self.status is CellStatus.SHOWN:
            return str(self.value)
        if self.status is CellStatus.SMALL:
            return f"< {k}"
        return "–"


def check_k(k: int) -> int:
    if k == 2:
        raise ValueError("annual_small_count = 2 would reveal every hidden cell (0 is shown)")
    return k


def is_small(count: int, k: int) -> bool:
    return 0 < count < k


def single(count: int, k: int) -> Cell:
    """A count that is not part of any table with a published total."""
    check_k(k)
    return Cell(None, CellStatus.SMALL) if is_small(count, k) else Cell(count, CellStatus.SHOWN)


def _ranges(counts: Mapping[str, int], status: Mapping[str, CellStatus], k: int,
            hidden_sum: int) -> dict[str, tuple[int, int]]:
    """What a reader can tell of each hidden cell: its smallest and largest possible value."""
    bounds = {name: ((1, k - 1) if status[name] is CellStatus.SMALL else (k, hidden_sum))
              for name in counts if status[name] is not CellStatus.SHOWN}
    result = {}
    for name, (low, high) in bounds.items():
        others_low = sum(lo for other, (lo, _) in bounds.items() if other != name)
        others_high = sum(hi for other, (_, hi) in bounds.items() if other != name)
        result[name] = (max(low, hidden_sum - others_high), min(high, hidden_sum - others_low))
    return result


def table(counts: Mapping[str, int], k: int) -> dict[str, Cell]:
    """Protect a table whose cells add up to a total that is published (as `single(total)`).
    When that total is itself hidden, the breakdown is withheld whole: which cells are
    non-zero would otherwise pin the small total and its cells down."""
    check_k(k)
    if k <= 1:
        return {name: Cell(count, CellStatus.SHOWN) for name, count in counts.items()}
    status = {name: (CellStatus.SMALL if is_small(count, k) else CellStatus.SHOWN)
              for name, count in counts.items()}
    if is_small(sum(counts.values()), k):
        status = dict.fromkeys(counts, CellStatus.WITHHELD)
    else:
        while True:
            hidden_sum = sum(count for name, count in counts.items()
                             if status[name] is not CellStatus.SHOWN)
            ranges = _ranges(counts, status, k, hidden_sum)
            if all(low < high for low, high in ranges.values()):
                break
            candidates = sorted((count, name) for name, count in counts.items()
                                if status[name] is CellStatus.SHOWN and count > 0)
            if not candidates:
                status = dict.fromkeys(counts, CellStatus.WITHHELD)
                break
            status[candidates[0][1]] = CellStatus.COMPLEMENTARY
    return {name: (Cell(count, CellStatus.SHOWN) if status[name] is CellStatus.SHOWN
                   else Cell(None, status[name])) for name, count in counts.items()}


def by_line(counts: Mapping[str, int], line_of: Mapping[str, str], margins: Mapping[str, Cell],
            k: int) -> dict[str, Cell]:
    """Protect a cross-table whose cells, line by line, add up to the published cells
    `margins` (cell name -> its line in `line_of`), while the other margins (the columns) are
    not published. The lines are then independent of one another, and each is protected as a
    `table` of its own margin; a line whose margin is not shown is withheld whole (as a
    breakdown of a hidden total), and so is a line that does not add up to its margin."""
    check_k(k)
    result: dict[str, Cell] = {}
    lines: dict[str, dict[str, int]] = {}
    for name, count in counts.items():
        lines.setdefault(line_of[name], {})[name] = count
    for line, cells in lines.items():
        margin = margins.get(line)
        if margin is None or margin.value is None or margin.value != sum(cells.values()):
            result.update(dict.fromkeys(cells, Cell(None, CellStatus.WITHHELD)))
        else:
            result.update(table(cells, k))
    return {name: result[name] for name in counts}


def change(current: Cell, previous: Cell) -> int | None:
    """The difference with the previous year, only when both cells are shown (otherwise it
    would give a hidden cell away from the other year's)."""
    if current.value is None or previous.value is None:
        return None
    return current.value - previous.value


# --- The joint rule: many tables published side by side (issue 13 §3) ----------------------
#
# The group's account and every company's account are published for the same year: a
# company's breakdown row, the group's breakdown (the sums over the companies), the companies'
# totals (the group's `reports.by_company`) and the group total are tied by sums. A cell
# hidden in one table could be worked out from the others (the group's cell less the other
# companies' shown cells). `protect` decides for every cell of every account at once: the
# 1-dimensional `table` rule generalised to any set of published sums.
#
# The reader is assumed to hold every published number, every cell's mark (SMALL is 1 to k-1,
# COMPLEMENTARY at least k, WITHHELD anything from 0) and every sum. A small cell (1 to k-1)
# is protected when that reader is left with at least two possible values for it; a cell
# hidden for its sake (0 or at least k) need not be (primary and secondary suppression in
# statistical disclosure control). That is checked exactly, cell by cell, by minimising and
# maximising it over the integer points the reader cannot rule out (`scipy.optimize.milp`).
# While a small cell is pinned, another cell tied to it is hidden (`_next_to_hide` says
# which); the parts of a breakdown whose whole is small are withheld, as in `table`; at the
# end every cell hidden for another's sake is shown again where it was not needed after all.
# `hidden_before` (the year's frozen decision) stay hidden whatever their count is now.


@dataclass(frozen=True)
class Sum:
    """A published relation: the cells `parts` add up to the cell `whole`. `breakdown` is
    True where the parts are a breakdown of the whole (a company's reports by category): they
    are withheld whole when the whole is small, as in `table`; False for a cross-sum (the
    group's category cell over the companies)."""

    whole: str
    parts: tuple[str, ...]
    breakdown: bool = True


def _bounds(status: CellStatus, k: int, cap: int) -> tuple[int, int]:
    if status is CellStatus.SMALL:
        return 1, k - 1
    if status is CellStatus.COMPLEMENTARY:
        return k, cap
    return 0, cap


def _components(hidden: list[str], sums: list[Sum]) -> list[list[str]]:
    """The hidden cells grouped by the sums that tie them together."""
    parent = {name: name for name in hidden}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for item in sums:
        members = [name for name in (item.whole, *item.parts) if name in parent]
        for other in members[1:]:
            parent[root(other)] = root(members[0])
    groups: dict[str, list[str]] = {}
    for name in hidden:
        groups.setdefault(root(name), []).append(name)
    return sorted(groups.values())


def _solution_point(component: list[str], values: Any, counts: Mapping[str, int],
                    status: Mapping[str, CellStatus], sums: list[Sum], k: int,
                    cap: int) -> dict[str, int]:
    """The solver's solution as the cells where it differs from the true counts, checked
    exactly in integers: every sum holds and every cell is within its bounds. A solution that
    does not stops the decision rather than open a cell on a rounding."""
    point = {name: round(float(values[place])) for place, name in enumerate(component)
             if round(float(values[place])) != counts[name]}
    for name, value in point.items():
        low, high = _bounds(status[name], k, cap)
        if not low <= value <= high:
            raise RuntimeError("the small-count audit got a solution outside the bounds")
    for item in sums:
        if point.keys().isdisjoint((item.whole, *item.parts)):
            continue
        if point.get(item.whole, counts[item.whole]) != sum(
                point.get(part, counts[part]) for part in item.parts):
            raise RuntimeError("the small-count audit got a solution that does not add up")
    return point


def _first_pinned(component: list[str], counts: Mapping[str, int],
                  status: Mapping[str, CellStatus], sums: list[Sum], k: int, cap: int,
                  open_cells: set[str]) -> str | None:
    """The first small cell of `component` a reader can work out exactly (one possible
    value), or None. Only the small cells are protected: a cell hidden for another's sake is
    not itself at risk (its count is 0 or at least k). `open_cells` holds the cells already
    shown to have two values: hiding more never pins a cell again, so they are not checked
    twice; every solution the solver returns is a second possible value for each cell where
    it differs from the true count."""
    # Imported here: scipy is only needed when a decision is made, not by every page.
    import numpy as np
    from scipy.optimize import (  # type: ignore[import-untyped]
        Bounds,
        LinearConstraint,
        milp,
    )

    index = {name: number for number, name in enumerate(component)}
    rows, rhs = [], []
    for item in sums:
        members = [(item.whole, -1), *((part, 1) for part in item.parts)]
        if not any(name in index for name, _sign in members):
            continue
        row = np.zeros(len(component))
        constant = 0.0
        for name, sign in members:
            if name in index:
                row[index[name]] += sign
            else:
                constant += sign * counts[name]
        rows.append(row)
        rhs.append(-constant)
    low, high = zip(*(_bounds(status[name], k, cap) for name in component), strict=True)
    bounds = Bounds(np.array(low, dtype=float), np.array(high, dtype=float))
    constraints = [LinearConstraint(np.array(rows), np.array(rhs), np.array(rhs))] if rows else []
    integrality = np.ones(len(component))

    def solve(goal: Any) -> None:
        result = milp(goal, constraints=constraints, bounds=bounds, integrality=integrality)
        if result.status != 0 or result.x is None:  # pragma: no cover - true counts fit
            raise RuntimeError("the small-count audit found no solution")
        open_cells.update(_solution_point(component, result.x, counts, status, sums, k, cap))

    # Two probes first: push every small cell not yet known open down together, then up. Each
    # solution is a second possible value for every cell where it differs from the true counts,
    # so one solve opens many cells at once; the cell-by-cell minimum and maximum below are
    # left for the few cells the probes did not move (a pinned cell among them). Which cells
    # are pinned does not depend on the order of the solves: the decision is the same.
    for direction in (1.0, -1.0):
        pending = [index[name] for name in component
                   if name not in open_cells and is_small(counts[name], k)]
        if len(pending) < 2:
            break
        goal = np.zeros(len(component))
        goal[pending] = direction
        solve(goal)
    for name, number in index.items():
        for direction in (-1.0, 1.0):
            if name in open_cells or not is_small(counts[name], k):
                break
            goal = np.zeros(len(component))
            goal[number] = direction
            solve(goal)
        if name not in open_cells and is_small(counts[name], k):
            return name
    return None


def _withhold_breakdowns(counts: Mapping[str, int], status: dict[str, CellStatus],
                         sums: list[Sum]) -> None:
    """The parts of a breakdown whose whole is hidden as small (or withheld) are withheld."""
    changed = True
    while changed:
        changed = False
        for item in sums:
            if item.breakdown and status[item.whole] in (CellStatus.SMALL,
                                                         CellStatus.WITHHELD):
                for part in item.parts:
                    if status[part] is not CellStatus.WITHHELD:
                        status[part] = CellStatus.WITHHELD
                        changed = True


def _hidden_mark(count: int, k: int) -> CellStatus:
    """How a cell hidden for another's sake is marked: by its own count."""
    if is_small(count, k):
        return CellStatus.SMALL
    return CellStatus.COMPLEMENTARY if count >= max(k, 1) else CellStatus.WITHHELD


def _next_to_hide(pinned: str, sums_of: Mapping[str, list[Sum]], counts: Mapping[str, int],
                  status: Mapping[str, CellStatus], fixed: Collection[str]) -> str | None:
    """The cell to hide next for `pinned`'s sake: the nearest shown cell (sharing a sum with
    it; if none, a sum further away, and so on) that is not a total, and only if there is
    none a total (the whole of a breakdown: a company's reports received, the group total).
    Among the nearest: non-zero before zero (a zero can only move up), then one that closes
    a cycle (it is in another sum with a hidden cell, so the two sums can trade), then the
    smallest."""
    def is_total(name: str) -> bool:
        return any(item.whole == name and item.breakdown for item in sums_of[name])

    for totals in (False, True):
        seen, frontier = {pinned}, [pinned]
        while frontier:
            candidates = []
            for cell in frontier:
                for item in sums_of.get(cell, []):
                    for name in (item.whole, *item.parts):
                        if status[name] is not CellStatus.SHOWN or name in fixed \
                                or is_total(name) != totals:
                            continue
                        closes = any(
                            other not in (name, cell) and status[other] is not CellStatus.SHOWN
                            for elsewhere in sums_of[name] if elsewhere is not item
                            for other in (elsewhere.whole, *elsewhere.parts))
                        candidates.append((counts[name] == 0, not closes, counts[name], name))
            if candidates:
                return min(candidates)[3]
            frontier = sorted({name for cell in frontier for item in sums_of.get(cell, [])
                               for name in (item.whole, *item.parts) if name not in seen})
            seen.update(frontier)
    return None


def _protected(counts: Mapping[str, int], status: Mapping[str, CellStatus], sums: list[Sum],
               k: int, cap: int) -> bool:
    hidden = sorted(name for name, mark in status.items() if mark is not CellStatus.SHOWN)
    return all(_first_pinned(component, counts, status, sums, k, cap, set()) is None
               for component in _components(hidden, sums)
               if any(is_small(counts[name], k) for name in component))


# The decisions made lately, by their inputs: one account's page and each of its downloads
# ask for the same two years' decisions, which take seconds to tens of seconds for a large
# group (docs/annual-account.md). The inputs are aggregate counts; nothing is kept on disk.
_DECISIONS: OrderedDict[str, dict[str, Cell]] = OrderedDict()
_DECISIONS_KEPT = 16
_DECISIONS_LOCK = threading.Lock()


def protect(counts: Mapping[str, int], sums: list[Sum], k: int, *,
            hidden_before: Collection[str] = (), fixed: Collection[str] = ()) -> dict[str, Cell]:
    """Protect every cell of `counts` jointly against every published sum in `sums` (whose
    wholes and parts are keys of `counts`); `hidden_before` stay hidden. `fixed` cells are
    not published on their own but are taken as known to the reader: they are never hidden
    for another's sake (that would protect nothing). See above. The same inputs give the
    decision made for them lately, without solving again."""
    check_k(k)
    key = hashlib.sha256(repr((
        sorted(counts.items()), [(item.whole, item.parts, item.breakdown) for item in sums], k,
        sorted(hidden_before), sorted(fixed))).encode()).hexdigest()
    with _DECISIONS_LOCK:
        if key in _DECISIONS:
            _DECISIONS.move_to_end(key)
            return dict(_DECISIONS[key])
    cells = _decide(counts, sums, k, hidden_before, fixed)
    with _DECISIONS_LOCK:
        _DECISIONS[key] = dict(cells)
        while len(_DECISIONS) > _DECISIONS_KEPT:
            _DECISIONS.popitem(last=False)
    return cells


def _decide(counts: Mapping[str, int], sums: list[Sum], k: int, hidden_before: Collection[str],
            fixed: Collection[str]) -> dict[str, Cell]:
    status = {name: (CellStatus.SMALL if is_small(count, k) else CellStatus.SHOWN)
              for name, count in counts.items()}
    for before in hidden_before:
        if before in status and status[before] is CellStatus.SHOWN:
            status[before] = _hidden_mark(counts[before], k)
    _withhold_breakdowns(counts, status, sums)
    cap = 2 * sum(counts.values()) + k + 1
    sums_of: dict[str, list[Sum]] = {}
    for item in sums:
        for name in dict.fromkeys((item.whole, *item.parts)):
            sums_of.setdefault(name, []).append(item)
    open_cells: set[str] = set()
    chosen: list[str] = []
    while True:
        hidden = sorted(name for name, mark in status.items() if mark is not CellStatus.SHOWN)
        pinned: list[str] = []
        for component in _components(hidden, sums):
            if all(name in open_cells or not is_small(counts[name], k) for name in component):
                continue
            first = _first_pinned(component, counts, status, sums, k, cap, open_cells)
            if first is not None:
                pinned.append(first)
                break
        if not pinned:
            break
        hide = _next_to_hide(pinned[0], sums_of, counts, status, fixed)
        if hide is None:
            # Nothing left to hide that is tied to the pinned cell: withhold everything
            # (with every cell open from 0, the true counts are one point among many).
            status = dict.fromkeys(counts, CellStatus.WITHHELD)
            break
        status[hide] = _hidden_mark(counts[hide], k)
        chosen.append(hide)
        _withhold_breakdowns(counts, status, sums)
    # The greedy search may have hidden cells that turned out not to be needed: show each
    # again (largest first) where every small cell stays protected without it.
    for again in sorted(chosen, key=lambda cell: (-counts[cell], cell)):
        if status[again] is CellStatus.SHOWN or status[again] is CellStatus.SMALL or any(
                item.breakdown and again in item.parts and status[item.whole] in (
                    CellStatus.SMALL, CellStatus.WITHHELD) for item in sums_of[again]):
            continue
        trial = dict(status)
        trial[again] = CellStatus.SHOWN
        if _protected(counts, trial, sums, k, cap):
            status = trial
    return {name: (Cell(count, CellStatus.SHOWN) if status[name] is CellStatus.SHOWN
                   else Cell(None, status[name])) for name, count in counts.items()}
