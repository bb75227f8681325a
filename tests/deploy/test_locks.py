"""Reproducible installs (issue 17 §1): the hash-pinned lock files cover every dependency of
pyproject.toml at a version its bounds allow, so adding a dependency without `make lock`
fails here; and every install path (make run, make test, CI) goes through them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parents[2]
RUN_LOCK = ROOT / "requirements" / "run.txt"
DEV_LOCK = ROOT / "requirements" / "dev.txt"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def pins(lock_text: str) -> dict[str, set[str]]:
    """Package -> the versions pinned for it (a universal lock may pin one per platform)."""
    found: dict[str, set[str]] = {}
    for name, version in _PIN.findall(lock_text):
        found.setdefault(canonicalize_name(name), set()).add(version)
    return found


def lock_gaps(requirements: list[str], lock_text: str) -> list[str]:
    """Each requirement the lock lacks, or pins at a version outside its bounds."""
    locked = pins(lock_text)
    gaps = []
    for line in requirements:
        requirement = Requirement(line)
        versions = locked.get(canonicalize_name(requirement.name))
        if not versions:
            gaps.append(f"{requirement.name}: not in the lock")
        elif not all(requirement.specifier.contains(version, prereleases=True)
                     for version in versions):
            gaps.append(f"{requirement.name}: locked {sorted(versions)} outside "
                        f"{requirement.specifier}")
    return gaps


def project() -> dict[str, list[str]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    return {"run": data["dependencies"], "dev": data["optional-dependencies"]["dev"]}


def test_run_lock_covers_every_runtime_dependency() -> None:
    assert lock_gaps(project()["run"], RUN_LOCK.read_text("utf-8")) == []


def test_dev_lock_covers_every_runtime_and_test_dependency() -> None:
    deps = project()
    assert lock_gaps(deps["run"] + deps["dev"], DEV_LOCK.read_text("utf-8")) == []


def test_a_dependency_added_without_make_lock_is_caught() -> None:
    """What happens when someone adds a dependency to pyproject.toml and forgets `make lock`."""
    text = RUN_LOCK.read_text("utf-8")
    assert "not-a-locked-package" not in pins(text)
    assert lock_gaps(["not-a-locked-package>=1.5"], text) == [
        "not-a-locked-package: not in the lock"]
    assert lock_gaps(["flask>=99"], text) == [
        f"flask: locked {sorted(pins(text)['flask'])} outside >=99"]


def test_run_lock_pins_what_the_dev_lock_pins() -> None:
    """`make test` installs the dev lock over the run lock: they must agree."""
    run, dev = pins(RUN_LOCK.read_text("utf-8")), pins(DEV_LOCK.read_text("utf-8"))
    assert {name: dev.get(name) for name in run} == run


@pytest.mark.parametrize("lock", [RUN_LOCK, DEV_LOCK], ids=["run", "dev"])
def test_every_pin_has_hashes_and_the_lock_is_universal(lock: Path) -> None:
    text = lock.read_text("utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    assert len(entries) == sum(len(versions) for versions in pins(text).values())
    for entry in entries:
        assert "--hash=sha256:" in entry, entry.splitlines()[0]
    header = text.splitlines()[1]
    for flag in ("--universal", "--python-version 3.11", "--generate-hashes"):
        assert flag in header
    # The Makefile's `make lock` makes it with the same flags.
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes" in makefile


def test_installs_go_through_the_locks() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "$(BIN)/pip install --quiet --require-hashes -r $(RUN_LOCK)" in makefile
    assert "$(BIN)/pip install --quiet --no-deps -e ." in makefile
    assert "$(BIN)/pip install --quiet --require-hashes -r $(DEV_LOCK)" in makefile
    # No install resolves from pyproject.toml on its own any more.
    assert 'pip install --quiet -e ".[dev]"' not in makefile
    # CI runs the audit itself, to tell "unverified" (exit 3) from a finding.
    assert "-m admin.dependency_audit" in (ROOT / ".ci" / "run").read_text("utf-8")
