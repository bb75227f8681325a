"""A year's small-count decision is made once for the same counts (portal.small_counts.protect).

Measured before: the account's page asks for the decisions of the year and the year before,
and each download (HTML, PDF, CSV, JSON) asked again; at 13 companies with many small counts
one year's decision took 25 to 35 s, at 24 companies 40 s, so each view and each download of
the group's account took about a minute of solving."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import scipy.optimize  # type: ignore[import-untyped]

from portal.small_counts import CellStatus, Sum, protect


def _grid(prefix: str, rows: list[list[int]]) -> tuple[dict[str, int], list[Sum]]:
    """Companies x categories with each company's total and the group's column totals."""
    counts: dict[str, int] = {}
    sums: list[Sum] = []
    columns = range(len(rows[0]))
    for number, row in enumerate(rows):
        names = tuple(f"{prefix}c{number}.{column}" for column in columns)
        counts.update(zip(names, row, strict=True))
        counts[f"{prefix}c{number}.total"] = sum(row)
        sums.append(Sum(f"{prefix}c{number}.total", names))
    for column in columns:
        counts[f"{prefix}group.{column}"] = sum(row[column] for row in rows)
        sums.append(Sum(f"{prefix}group.{column}",
                        tuple(f"{prefix}c{number}.{column}" for number in range(len(rows))),
                        breakdown=False))
    return counts, sums


@pytest.fixture
def solves(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per integer program solved from here on."""
    made: list[int] = []
    original = scipy.optimize.milp

    def counting(*args: Any, **kwargs: Any) -> Any:
        made.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(scipy.optimize, "milp", counting)
    return made


ROWS = [[1, 5, 0, 7], [4, 1, 6, 0], [5, 5, 2, 9]]


def test_the_same_counts_are_decided_once(solves: list[int]) -> None:
    counts, sums = _grid(uuid.uuid4().hex, ROWS)
    first = protect(counts, sums, 3)
    assert solves, "the first decision is solved"
    assert any(cell.status is CellStatus.SMALL for cell in first.values())
    solves.clear()
    again = protect(counts, sums, 3)
    assert again == first
    assert solves == []


def test_other_counts_or_another_k_are_decided_anew(solves: list[int]) -> None:
    counts, sums = _grid(uuid.uuid4().hex, ROWS)
    protect(counts, sums, 3)
    solves.clear()
    changed = dict(counts)
    cell = next(name for name in counts if name.endswith("c0.1"))
    changed[cell] += 1
    changed[cell.replace(".1", ".total")] += 1
    changed[cell.split("c0.")[0] + "group.1"] += 1
    protect(changed, sums, 3)
    assert solves
    solves.clear()
    protect(counts, sums, 4)
    assert solves
    solves.clear()
    protect(counts, sums, 3, hidden_before=[next(iter(counts))])
    assert solves


def test_a_caller_changing_its_copy_does_not_change_the_next_answer() -> None:
    counts, sums = _grid(uuid.uuid4().hex, ROWS)
    first = protect(counts, sums, 3)
    kept = dict(first)
    first.clear()
    assert protect(counts, sums, 3) == kept


def test_a_solver_answer_that_does_not_hold_in_integers_opens_no_cell() -> None:
    """Before, each cell where the rounded solution differed was taken as open, whether the
    rounded point added up or not; now such an answer stops the decision."""
    from portal.small_counts import _solution_point

    counts = {"t": 3, "a": 1, "b": 2}
    sums = [Sum("t", ("a", "b"))]
    status = {"t": CellStatus.SHOWN, "a": CellStatus.SMALL, "b": CellStatus.SMALL}
    assert _solution_point(["a", "b"], [2.0, 1.0], counts, status, sums, 3, 10) == {
        "a": 2, "b": 1}
    with pytest.raises(RuntimeError, match="does not add up"):
        _solution_point(["a", "b"], [1.6, 2.0], counts, status, sums, 3, 10)
    with pytest.raises(RuntimeError, match="outside the bounds"):
        _solution_point(["a", "b"], [0.0, 3.0], counts, status, sums, 3, 10)
