"""The joint small-count decision over the group's and the companies' accounts (issue 13 §3,
portal.small_counts.protect), on tables worked out by hand. Each test first runs the attack
on the old per-account protection (each account's tables put through `table` on their own)
and shows it recovered the hidden count; then runs the same attack, and a reader that tries
every value, on the joint decision and shows the hidden count can no longer be determined."""

from __future__ import annotations

from portal.small_counts import Cell, CellStatus, Sum, protect, table

K = 3
S, SMALL, COMP = CellStatus.SHOWN, CellStatus.SMALL, CellStatus.COMPLEMENTARY


def _grid(rows: dict[str, dict[str, int]], columns: list[str]
          ) -> tuple[dict[str, int], list[Sum]]:
    """Company x category counts with every margin published: each company's row adds up to
    its total (its own account), each category over the companies to the group's cell (the
    group's account), the companies' totals and the group's categories to the group total."""
    counts: dict[str, int] = {}
    sums: list[Sum] = []
    for company, cells in rows.items():
        for column in columns:
            counts[f"{company}.{column}"] = cells.get(column, 0)
        counts[f"{company}.total"] = sum(cells.values())
        sums.append(Sum(f"{company}.total", tuple(f"{company}.{c}" for c in columns)))
    for column in columns:
        counts[f"group.{column}"] = sum(cells.get(column, 0) for cells in rows.values())
        sums.append(Sum(f"group.{column}", tuple(f"{company}.{column}" for company in rows),
                        breakdown=False))
    counts["group.total"] = sum(counts[f"group.{column}"] for column in columns)
    sums.append(Sum("group.total", tuple(f"group.{column}" for column in columns)))
    sums.append(Sum("group.total", tuple(f"{company}.total" for company in rows)))
    return counts, sums


def _old_per_account(rows: dict[str, dict[str, int]], columns: list[str]
                     ) -> dict[str, Cell]:
    """What each account published before: its own table, protected on its own."""
    counts, _sums = _grid(rows, columns)
    published: dict[str, Cell] = {}
    for owner in [*rows, "group"]:
        cells = table({column: counts[f"{owner}.{column}"] for column in columns}, K)
        published.update({f"{owner}.{column}": cell for column, cell in cells.items()})
        published[f"{owner}.total"] = Cell(counts[f"{owner}.total"], S)
    return published


def _possible_values(published: dict[str, Cell], sums: list[Sum], target: str,
                     ceiling: int) -> set[int]:
    """A reader holding every published number and mark tries every value of the hidden
    cells (SMALL 1..k-1, a complementary cell k..ceiling, withheld 0..ceiling) and keeps those
    that fit every sum; returns the values left for `target`. (Depth first, dropping a partial
    guess as soon as a sum's known parts exceed its whole: counts are never negative.)"""
    hidden = sorted(name for name, cell in published.items() if not cell.shown)
    ranges = {name: range(1, K) if published[name].status is SMALL
              else range(K, ceiling + 1) if published[name].status is COMP
              else range(0, ceiling + 1) for name in hidden}
    value: dict[str, int | None] = {name: cell.value for name, cell in published.items()}
    found: set[int] = set()

    def fits() -> bool:
        for item in sums:
            whole = value[item.whole]
            parts = [value[part] for part in item.parts]
            known = sum(part for part in parts if part is not None)
            if whole is not None and known > whole:
                return False
            if whole is not None and None not in parts and known != whole:
                return False
        return True

    def guess(index: int) -> None:
        if index == len(hidden):
            found.add(int(value[target] or 0))
            return
        name = hidden[index]
        for candidate in ranges[name]:
            value[name] = candidate
            if fits():
                guess(index + 1)
        value[name] = None

    guess(0)
    return found


def test_a_company_cell_from_the_group_cell_less_the_other_companies() -> None:
    """A: fraud 1, corruption 9 (10); B: fraud 4, corruption 6 (10); the group: fraud 5,
    corruption 15 (20). Each account alone: A hides fraud (< 3) and corruption with it; B and
    the group show everything (no small cell of their own). Attack: A's fraud = the group's
    fraud 5 - B's fraud 4 = 1."""
    rows = {"A": {"fraud": 1, "corruption": 9}, "B": {"fraud": 4, "corruption": 6}}
    columns = ["fraud", "corruption"]
    counts, sums = _grid(rows, columns)
    old = _old_per_account(rows, columns)
    assert old["A.fraud"].status is SMALL
    assert (old["group.fraud"].value, old["B.fraud"].value) == (5, 4)
    assert old["group.fraud"].value - old["B.fraud"].value == counts["A.fraud"]  # it worked

    joint = protect(counts, sums, K)
    assert joint["A.fraud"].status is SMALL
    # The same attack: one of the two numbers it needs is no longer published.
    assert joint["group.fraud"].value is None or joint["B.fraud"].value is None
    # And no other way: A's fraud has two possible values for a reader trying every value.
    assert _possible_values(joint, sums, "A.fraud", counts["group.total"]) == {1, 2}


def test_a_company_total_from_the_group_total_less_the_other_totals() -> None:
    """A: 2 reports (both fraud); B: 6 fraud, 4 corruption; C: 5 fraud, 5 corruption; the
    group 22 (fraud 13, corruption 9). Before, A's own account hid its total (< 3) and
    withheld its breakdown, and B, C and the group showed theirs. Attack: A's total =
    22 - 10 - 10 = 2, and A's fraud = the group's fraud 13 - 6 - 5 = 2."""
    rows = {"A": {"fraud": 2}, "B": {"fraud": 6, "corruption": 4},
            "C": {"fraud": 5, "corruption": 5}}
    columns = ["fraud", "corruption"]
    counts, sums = _grid(rows, columns)
    old = _old_per_account(rows, columns)
    old["A.total"] = Cell(None, SMALL)
    old.update({f"A.{column}": Cell(None, CellStatus.WITHHELD) for column in columns})
    assert old["group.total"].value - old["B.total"].value - old["C.total"].value == 2
    assert old["group.fraud"].value - old["B.fraud"].value - old["C.fraud"].value == 2

    joint = protect(counts, sums, K)
    assert joint["A.total"].status is SMALL
    published_totals = [joint[name].value for name in ("group.total", "B.total", "C.total")]
    assert None in published_totals  # the subtraction can no longer be done
    fraud = [joint[name].value for name in ("group.fraud", "B.fraud", "C.fraud")]
    assert None in fraud
    for target in ("A.total", "A.fraud"):
        assert len(_possible_values(joint, sums, target, counts["group.total"])) >= 2, target


def test_a_later_decision_keeps_every_cell_hidden_before() -> None:
    """The year's decision frozen in March: A's corruption 1 (< 3) and its complement. In
    June more cases are in (A's corruption is now 4, fraud 9): nothing is small any more, yet
    the cells hidden in March stay hidden, so the two publications cannot be set against each
    other (March's A total 10 less June's... would need a cell shown in one and hidden in the
    other)."""
    columns = ["fraud", "corruption"]
    march, sums = _grid({"A": {"fraud": 9, "corruption": 1},
                         "B": {"fraud": 5, "corruption": 5}}, columns)
    first = protect(march, sums, K)
    hidden_in_march = {name for name, cell in first.items() if not cell.shown}
    assert "A.corruption" in hidden_in_march
    june, _sums = _grid({"A": {"fraud": 9, "corruption": 4},
                         "B": {"fraud": 5, "corruption": 5}}, columns)
    unfrozen = protect(june, sums, K)
    assert all(cell.shown for cell in unfrozen.values())  # what June alone would show
    later = protect(june, sums, K, hidden_before=hidden_in_march)
    assert hidden_in_march <= {name for name, cell in later.items() if not cell.shown}
    # Hidden for March's sake, and marked by what the count is now (not small: "–").
    assert later["A.corruption"].status is COMP


def test_cells_no_account_shows_are_never_used_as_complements() -> None:
    """Reports with no company given are in the group's cells only: a reader can take them
    as known, so hiding them would protect nothing. A: fraud 1, corruption 9; no company:
    fraud 0, corruption 3."""
    rows = {"A": {"fraud": 1, "corruption": 9}, "none": {"corruption": 3}}
    columns = ["fraud", "corruption"]
    counts, sums = _grid(rows, columns)
    fixed = [name for name in counts if name.startswith("none.")]
    joint = protect(counts, sums, K, fixed=fixed)
    assert all(joint[name].shown for name in fixed)
    assert len(_possible_values(joint, sums, "A.fraud", counts["group.total"])) >= 2
