"""Under CI the recipe tests run for real (gap 11 of the issue 17 audit): a missing nginx,
tor or systemd-analyze fails them when CI=true instead of skipping them, and .ci/run installs
each program the recipe tests ask for before it runs the suite."""

from __future__ import annotations

import re

import pytest

from tests.deploy.helpers import ROOT, need

CI_RUN = ROOT / ".ci" / "run"
MISSING = "aktsom-test-no-such-program"
# The Debian package that provides each program the recipe tests need.
PACKAGES = {"nginx": "nginx-light", "tor": "tor", "systemd-analyze": "systemd"}


def test_a_missing_program_fails_a_recipe_test_under_ci(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    # Any outcome is caught here, so a skip shows as this test failing, not as a skip.
    with pytest.raises(BaseException, match=MISSING) as outcome:
        need(MISSING)
    assert outcome.type is pytest.fail.Exception
    assert "must run, not skip" in str(outcome.value)


def test_a_missing_program_skips_a_recipe_test_elsewhere(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=".ci/run installs it"):
        need(MISSING)


def programs_the_recipe_tests_need() -> set[str]:
    return {program for path in (ROOT / "tests" / "deploy").glob("test_*.py")
            for program in re.findall(r"\bneed\(\"([\w-]+)\"\)", path.read_text("utf-8"))}


def test_ci_installs_every_program_the_recipe_tests_need_before_the_tests() -> None:
    programs = programs_the_recipe_tests_need()
    assert programs == set(PACKAGES)
    script = CI_RUN.read_text("utf-8")
    assert re.search(r"^export CI=true$", script, re.MULTILINE)
    installs = re.search(r"^\s*DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                         r"\"\$\{missing\[@\]\}\"", script, re.MULTILINE)
    first_test = script.index("make test")
    assert installs is not None and installs.start() < first_test
    for program in sorted(programs):
        line = re.search(rf"^command -v {re.escape(program)} >/dev/null \|\| "
                         rf"missing\+=\({re.escape(PACKAGES[program])}\)$", script, re.MULTILINE)
        assert line is not None, program
        assert line.start() < installs.start(), program
