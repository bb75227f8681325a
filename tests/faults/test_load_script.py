"""Issue 15 §7: `make load` (`python -m loadtest.run`) is part of what must run from a fresh
clone, so a small run of it is a test: a few reporters and one handler for a few seconds
against a real `aktsom serve` on loopback, then every case read back by its code and by a
handler. What the run prints is its own verdict; this checks that the script still works end
to end and reports zero 5xx, not how fast anything was."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_issue15_a_small_load_run_passes_end_to_end() -> None:
    postgres = os.environ.get("AKTSOM_DATABASE_URL", "")
    backend = ["--database-url", postgres] if postgres.startswith("postgresql") else []
    result = subprocess.run(
        [sys.executable, "-m", "loadtest.run", "--reporters", "3", "--handlers", "1",
         "--seconds", "4", "--check-seconds", "120", *backend],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "5xx answers: 0;" in result.stdout
    stored = re.search(r"cases stored: (\d+)", result.stdout)
    assert stored and int(stored.group(1)) > 0, result.stdout
    for check in ("codes shown", "opened by code", "opened by a handler"):
        assert f"{check}: {stored.group(1)}" in result.stdout, result.stdout
