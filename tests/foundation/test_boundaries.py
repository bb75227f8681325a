"""No package reaches into another's insides: shared facts are named once, behind an accessor
or a constant, so moving or renaming them is one edit (and a test, not a grep, finds a relapse).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("config", "crypto", "portal", "supplier_dd", "admin")


def _strings(path: Path) -> Iterator[tuple[int, str]]:
    """String literals in the code of `path`; docstrings and other bare strings are prose."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    prose = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in prose:
            continue
        if isinstance(node.value, str):
            yield node.lineno, node.value


def _python_files(*tops: str) -> Iterator[Path]:
    for top in tops:
        yield from sorted((ROOT / top).rglob("*.py"))


def test_the_staff_prefix_is_written_once() -> None:
    # portal.paths.STAFF_PREFIX: the staff app's routes, cookie path, static URL, the WSGI
    # dispatch, mail links and log redaction all derive from it.
    found = {str(path.relative_to(ROOT))
             for path in _python_files(*PACKAGES)
             for _line, text in _strings(path) if "/admin" in text}
    assert found == {"portal/paths.py"}
    templates = [path.relative_to(ROOT) for top in PACKAGES
                 for path in sorted((ROOT / top).rglob("templates/**/*.html"))
                 if "/admin" in path.read_text(encoding="utf-8")]
    assert templates == []  # links are built with url_for


def test_the_engine_and_session_factory_are_read_through_portal_db() -> None:
    keys = ("aktsom.engine", "aktsom.sessionmaker")
    found = {str(path.relative_to(ROOT))
             for path in _python_files(*PACKAGES, "tests")
             for _line, text in _strings(path) if text in keys and path != Path(__file__).resolve()}
    assert found == {"portal/db.py"}  # engine_of(app), session_factory(app)
