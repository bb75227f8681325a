"""The one small-count rule (portal/small_counts.py), on tables worked out by hand."""

from __future__ import annotations

from itertools import product

import pytest

from config import SettingsError, load_settings
from portal.small_counts import Cell, CellStatus, change, single, table

S, SMALL, COMP, WITHHELD = (CellStatus.SHOWN, CellStatus.SMALL, CellStatus.COMPLEMENTARY,
                            CellStatus.WITHHELD)


def _statuses(cells: dict[str, Cell]) -> dict[str, CellStatus]:
    return {name: cell.status for name, cell in cells.items()}


def test_single_counts_hide_one_to_k_minus_one_and_show_zero() -> None:
    assert [single(n, 3).display(3) for n in range(5)] == ["0", "< 3", "< 3", "3", "4"]
    assert [single(n, 5).display(5) for n in (1, 4, 5)] == ["< 5", "< 5", "5"]
    assert single(1, 1) == Cell(1, S)  # k = 1: everything shown


def test_k_two_is_refused() -> None:
    with pytest.raises(ValueError, match="annual_small_count"):
        single(1, 2)
    with pytest.raises(ValueError, match="annual_small_count"):
        table({"a": 1}, 2)


def test_no_small_cell_no_suppression() -> None:
    cells = table({"a": 4, "b": 5, "c": 0}, 3)
    assert cells == {"a": Cell(4, S), "b": Cell(5, S), "c": Cell(0, S)}


def test_one_small_cell_hides_the_next_smallest() -> None:
    # Total 16 is published: 1 alone could be read as 16 - 5 - 10. The complementary cell is
    # the smallest non-zero shown one (5); then 1 + 5 = 6 with a in [1, 2], b in [3, 6]: two
    # values each.
    cells = table({"a": 1, "b": 5, "c": 10, "d": 0}, 3)
    assert _statuses(cells) == {"a": SMALL, "b": COMP, "c": S, "d": S}
    assert cells["c"].value == 10 and cells["b"].value is None
    assert cells["a"].display(3) == "< 3" and cells["b"].display(3) == "–"


def test_complementary_cell_that_still_gives_the_small_one_away() -> None:
    # a = 1, b = 3, c = 10 (total 14), k = 3. Hiding a and b leaves a + b = 4, and b >= 3
    # (it is not marked small), so a <= 1: a = 1 exactly. c must go as well:
    # a + b + c = 14, a in [1, 2], b and c in [3, 13]: nothing exact.
    cells = table({"a": 1, "b": 3, "c": 10}, 3)
    assert _statuses(cells) == {"a": SMALL, "b": COMP, "c": COMP}


def test_two_small_cells_summing_to_two_need_a_third() -> None:
    # a = b = 1: their sum 2 with each >= 1 gives both exactly. Hide c (10): sum 12.
    cells = table({"a": 1, "b": 1, "c": 10, "d": 20}, 3)
    assert _statuses(cells) == {"a": SMALL, "b": SMALL, "c": COMP, "d": S}


def test_two_small_cells_with_room_need_nothing_more() -> None:
    # a = 1, b = 2: sum 3, a in [1, 2], b in [1, 2]: neither exact.
    cells = table({"a": 1, "b": 2, "c": 10}, 3)
    assert _statuses(cells) == {"a": SMALL, "b": SMALL, "c": S}


def test_table_that_cannot_be_protected_is_withheld_whole() -> None:
    # a = 1, b = 3 (total 4): hiding both still gives a = 4 - b <= 1. Everything goes,
    # zeros too (which cells are non-zero would tell).
    cells = table({"a": 1, "b": 3, "c": 0}, 3)
    assert _statuses(cells) == {"a": WITHHELD, "b": WITHHELD, "c": WITHHELD}
    assert all(cell.value is None for cell in cells.values())


def test_breakdown_of_a_hidden_total_is_withheld() -> None:
    # Total 2 (< 3) with two non-zero cells would pin both at 1.
    cells = table({"a": 1, "b": 1, "c": 0}, 3)
    assert set(_statuses(cells).values()) == {WITHHELD}


def _candidates(cells: dict[str, Cell], total: int, k: int) -> list[dict[str, int]]:
    """Every assignment of the hidden cells that a reader cannot rule out."""
    names = [name for name, cell in cells.items() if not cell.shown]
    shown = sum(cell.value or 0 for cell in cells.values() if cell.shown)
    ranges = []
    for name in names:
        status = cells[name].status
        ranges.append(range(1, k) if status is SMALL else
                      range(k, total + 1) if status is COMP else range(0, total + 1))
    return [dict(zip(names, values, strict=True)) for values in product(*ranges)
            if sum(values) + shown == total]


@pytest.mark.parametrize("k", [3, 4])
def test_no_hidden_cell_can_be_worked_out_from_the_total(k: int) -> None:
    """Brute force over every table of three cells up to 7: whatever the reader knows (the
    total, the shown cells, what each mark means), every hidden cell has two possible values."""
    for counts in product(range(8), repeat=3):
        cells = table(dict(zip("abc", counts, strict=True)), k)
        total = sum(counts)
        if 0 < total < k:
            assert all(not cell.shown for cell in cells.values())
            continue
        options = _candidates(cells, total, k)
        for name, cell in cells.items():
            if not cell.shown:
                assert len({option[name] for option in options}) >= 2, (counts, cells)


def test_year_on_year_change_only_between_shown_cells() -> None:
    assert change(Cell(10, S), Cell(7, S)) == 3
    # Previous year 7 and this year "< 3": a change would give this year's cell.
    assert change(Cell(None, SMALL), Cell(7, S)) is None
    assert change(Cell(7, S), Cell(None, COMP)) is None


def test_the_setting_defaults_to_three_and_refuses_two() -> None:
    assert load_settings(environ={}).annual_small_count == 3
    assert load_settings(environ={"AKTSOM_ANNUAL_SMALL_COUNT": "5"}).annual_small_count == 5
    for bad in ("2", "0"):
        with pytest.raises(SettingsError, match="ANNUAL_SMALL_COUNT"):
            load_settings(environ={"AKTSOM_ANNUAL_SMALL_COUNT": bad})
