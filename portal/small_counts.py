"""The one small-count rule (issue 13 §3): a published count from 1 to k-1 could point at a
person, so it is shown as "< k"; and wherever a table's cells add up to a total that is shown,
further cells are hidden ("complementary" suppression) until no hidden cell can be worked out
exactly from the total and the cells still shown. A difference with the previous year is shown
only when both years' cells are shown.

It lives in `portal` so that every layer (the channel's own pages, the supplier module, the
annual account in `admin`) can use it; every output format of the account renders the cells
this module produced and never the raw counts.

The rule:

* k comes from the setting `annual_small_count` (default 3, as issue 13 asks). k <= 1 shows
  every count. `portal.stats.DEFAULT_THRESHOLD` (5) is the older, stricter threshold of the
  staff overview of cases; it is not used by the account.
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

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

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
