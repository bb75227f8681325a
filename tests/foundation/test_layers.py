"""The direction of imports (design §2, style habit 19), checked over every module's source.

    config  <-  crypto  <-  portal  <-  supplier_dd  <-  admin

A package may import itself and what lies below it, never what lies above. `config` imports
nothing of ours; `crypto` imports nothing of ours either (not even `config`) and, besides the
standard library, only `cryptography`, `argon2` and `nacl` (libsodium's Argon2id, issue 15 §2).
Every import statement counts, wherever it stands (inside functions, under `if TYPE_CHECKING`),
and relative imports are resolved first: a deferred import is still a dependency, it only hides
from a reader.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What each package may import, besides third-party libraries (crypto: see below).
ALLOWED = {
    "config": {"config"},
    "crypto": {"crypto"},
    "portal": {"config", "crypto", "portal"},
    "supplier_dd": {"config", "crypto", "portal", "supplier_dd"},
    "admin": {"config", "crypto", "portal", "supplier_dd", "admin"},
}
PACKAGES = tuple(ALLOWED)
# Ours but outside the installed packages: no package may import them.
NOT_IMPORTABLE = {"tests", "migrations", "benchmarks"}
CRYPTO_THIRD_PARTY = {"cryptography", "argon2", "nacl"}


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    imported: str
    reason: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.imported} ({self.reason})"


def _imported_names(node: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """The absolute module names an AST node imports ('' for a relative import that climbs
    above the top-level package, which Python refuses at run time)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        if node.level == 0:
            yield node.module or ""
            return
        # `from . import x` in a package's __init__ means the package itself.
        parts = module.split(".") if is_package else module.split(".")[:-1]
        climb = node.level - 1
        if climb >= len(parts):
            yield ""
            return
        base = parts[: len(parts) - climb]
        yield ".".join([*base, node.module] if node.module else base)
    elif isinstance(node, ast.Call) and node.args:
        # importlib.import_module("x") and __import__("x") with a literal absolute name.
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        first = node.args[0]
        literal = first.value if isinstance(first, ast.Constant) else None
        if name in ("import_module", "__import__") and isinstance(literal, str) \
                and not literal.startswith("."):
            yield literal


def layer_violations(source: str, module: str, is_package: bool = False) -> list[Violation]:
    """Every import in `source` (the module `module`) that breaks the layer order."""
    package = module.split(".")[0]
    allowed = ALLOWED[package]
    found = []
    for node in ast.walk(ast.parse(source)):
        for name in _imported_names(node, module, is_package):
            top = name.split(".")[0]
            line = getattr(node, "lineno", 0)
            if not top:
                found.append(Violation(module, line, "a relative name",
                                       "climbs above the top-level package"))
            elif top in NOT_IMPORTABLE or (top in PACKAGES and top not in allowed):
                found.append(Violation(module, line, name, f"{package} may not import {top}"))
            elif package == "crypto" and top not in allowed and not (
                top in sys.stdlib_module_names or top in CRYPTO_THIRD_PARTY
            ):
                found.append(Violation(module, line, name,
                                       "crypto uses only the standard library, cryptography, "
                                       "argon2 and nacl"))
    return found


def _modules() -> Iterator[tuple[Path, str, bool]]:
    for package in PACKAGES:
        directory = ROOT / package
        assert (directory / "__init__.py").is_file(), f"{package} is not a package"
        for path in sorted(directory.rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            yield path, ".".join(parts[:-1] if is_package else parts), is_package


def test_every_module_imports_only_its_own_layer_and_below() -> None:
    modules = list(_modules())
    assert len(modules) > 50  # the walk found the code, not an empty directory
    broken = [
        str(violation)
        for path, module, is_package in modules
        for violation in layer_violations(path.read_text(encoding="utf-8"), module, is_package)
    ]
    assert broken == []


def _part(module: str) -> str | None:
    """The part of a package a module belongs to: its subpackage (`admin.auth`) or, for a
    module at the package's top, the module itself (`portal.db`); None for the package."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else None


def part_cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """Circles in the graph of parts (`a -> b -> a`), each found once, shortest first."""
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    for start in sorted(imports):
        # Breadth-first, so the circle reported is the shortest one back to `start`.
        paths = [[start]]
        visited = {start}
        while paths:
            path = paths.pop(0)
            for target in sorted(imports.get(path[-1], ())):
                if target == start and frozenset(path) not in seen:
                    seen.add(frozenset(path))
                    cycles.append([*path, start])
                elif target not in visited:
                    visited.add(target)
                    paths.append([*path, target])
    return cycles


def test_parts_of_a_package_do_not_import_each_other_in_a_circle() -> None:
    # Within a layer the order is free, but not circular: admin.auth (sign-in) builds on
    # admin.accounts (the credentials), never the other way as well. A circle means neither
    # part can be understood, tested or moved without the other.
    imports: dict[str, set[str]] = {}
    for path, module, is_package in _modules():
        source = _part(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for name in _imported_names(node, module, is_package):
                target = _part(name)
                if source and target and target != source and name.split(".")[0] in PACKAGES:
                    imports.setdefault(source, set()).add(target)
    assert part_cycles(imports) == []


def test_cycle_finder_reports_a_circle() -> None:
    imports = {"admin.auth": {"admin.accounts"}, "admin.accounts": {"admin.auth", "portal.db"}}
    assert part_cycles(imports) == [["admin.accounts", "admin.auth", "admin.accounts"]]
    assert part_cycles({"admin.auth": {"admin.accounts"}, "admin.accounts": {"portal.db"}}) == []


# The checker itself: a test that cannot fail proves nothing.


def test_checker_flags_an_upward_import_inside_a_function() -> None:
    source = "def init():\n    from admin.migrate import upgrade\n    upgrade()\n"
    (violation,) = layer_violations(source, "portal.cli")
    assert (violation.imported, violation.line) == ("admin.migrate", 2)
    assert "portal may not import admin" in str(violation)


@pytest.mark.parametrize(("module", "source"), [
    ("portal.cases.submission", "import supplier_dd.models"),
    ("supplier_dd.views", "from admin import create_app"),
    ("config.settings", "from crypto import derive_key"),
    ("crypto.kdf", "import config"),
    ("crypto.kdf", "from portal.db import Base"),
    ("portal.db", "if TYPE_CHECKING:\n    from admin.wsgi import PathDispatcher"),
    ("portal.db", "import importlib\nimportlib.import_module('admin.cli')"),
    ("admin.cli", "import tests.factories"),
])  # fmt: skip
def test_checker_flags_imports_against_the_order(module: str, source: str) -> None:
    assert len(layer_violations(source, module)) == 1


def test_checker_resolves_relative_imports() -> None:
    # Within the package: portal.cases.submission -> portal.db and portal.cases.keys.
    assert layer_violations("from ..db import Base\nfrom .keys import CASE_KEY",
                            "portal.cases.submission") == []
    assert layer_violations("from . import views", "portal.reports", is_package=True) == []
    # Three levels up from portal.cases.submission is above `portal`: not a place in our code.
    (violation,) = layer_violations("from ...admin import cli", "portal.cases.submission")
    assert "climbs above" in str(violation)
    (violation,) = layer_violations("from .. import admin", "portal.cli")
    assert "climbs above" in str(violation)


def test_checker_allows_downward_and_third_party_imports() -> None:
    source = "import flask\nfrom portal.db import Base\nfrom crypto import seal_item\nimport config"
    assert layer_violations(source, "supplier_dd.models") == []
    assert layer_violations(source.replace("supplier_dd", "admin"), "admin.cli") == []


def test_checker_keeps_crypto_to_the_standard_library_and_its_three_libraries() -> None:
    allowed = ("import hmac\nfrom cryptography.hazmat.primitives import hashes\n"
               "from argon2.low_level import hash_secret_raw\n"
               "from nacl.bindings import crypto_pwhash_alg\nfrom .errors import CryptoError")
    assert layer_violations(allowed, "crypto.kdf") == []
    (violation,) = layer_violations("import yaml", "crypto.kdf")
    assert "only the standard library" in str(violation)
    # Other layers may use any installed library.
    assert layer_violations("import yaml", "portal.db") == []
