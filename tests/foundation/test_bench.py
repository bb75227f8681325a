"""`make bench` (issue 15 §1) in its quick mode: every path of the benchmark runs, with tiny
sizes and cheap Argon2 costs, so the bench cannot rot. Nothing here looks at a time: the
figures are the bench's to print, not the tests' to judge."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.bench import ROWS

ROOT = Path(__file__).resolve().parents[2]


def test_issue15_quick_bench_prints_every_figure() -> None:
    postgres = os.environ.get("AKTSOM_DATABASE_URL", "")
    backend = ["--postgres-url", postgres] if postgres.startswith("postgresql") \
        else ["--skip-postgres"]
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench", "--quick", "--cheap-argon2", *backend],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    header, *rows = (
        [cell.strip() for cell in line.strip("|").split("|")] for line in lines)
    assert header[0] == "measure" and header[1] == "SQLite"
    if postgres.startswith("postgresql"):
        assert header[2].startswith("PostgreSQL")
    assert [row[0] for row in rows] == [label for _key, label, _goal in ROWS]
    for row in rows:
        # Every backend measured every figure (a dash marks one that was not).
        assert all(cell not in ("", "—") for cell in row[1:-1]), row
    # The implementations of Argon2id were measured side by side.
    assert "libsodium (PyNaCl" in result.stdout and "argon2-cffi, p=1" in result.stdout
    # The cost of synchronous=FULL (issue 15 §9) beside NORMAL.
    assert "synchronous=FULL" in result.stdout and "synchronous=NORMAL" in result.stdout


def test_issue15_only_runs_the_named_part() -> None:
    """`--only case-list` re-measures one part (the rest of the table is a dash), for a
    second look at one row without the whole run."""
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench", "--quick", "--cheap-argon2",
         "--skip-postgres", "--only", "case-list"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    cells = {cells[0]: cells[1] for cells in (
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in result.stdout.splitlines() if line.startswith("| "))}
    measured = {label for key, label, _goal in ROWS if key.startswith("list")}
    assert measured and all(cells[label] != "—" for label in measured)
    assert all(cells[label] == "—" for _key, label, _goal in ROWS if label not in measured)
    assert "reporter side over HTTP" not in result.stdout
