"""`make audit` (issue 17 §2): a known vulnerability fails unless an exception with a reason
and an unexpired date is recorded; an audit that checked nothing fails too (pip-audit itself
prints "No known vulnerabilities found" when every dependency was skipped)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from admin.dependency_audit import UNVERIFIED, judge, load_exceptions, main, parse_report

TODAY = date(2026, 12, 3)


def report(*, vulns: list[dict[str, object]] | None = None,
           skipped: bool = False) -> dict[str, object]:
    """A report in pip-audit's JSON format (`pip-audit -f json`)."""
    dependencies: list[dict[str, object]] = [
        {"name": "jinja2", "version": "3.1.2", "vulns": vulns or []},
        {"name": "flask", "version": "3.1.3", "vulns": []},
    ]
    if skipped:
        dependencies.append({"name": "zxcvbn", "skip_reason": "Dependency not found on PyPI "
                                                              "and could not be audited"})
    return {"dependencies": dependencies, "fixes": []}


VULN = {"id": "GHSA-h5c8-rqwp-cp95", "aliases": ["CVE-2024-22195"], "fix_versions": ["3.1.3"],
        "description": "xmlattr filter"}


def exceptions_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "audit-exceptions.toml"
    path.write_text(body, encoding="utf-8")
    return path


def verdict_for(tmp_path: Path, body: str, **kwargs: object) -> tuple[bool, str]:
    found, skipped = parse_report(report(**kwargs))  # type: ignore[arg-type]
    exceptions, errors = load_exceptions(exceptions_file(tmp_path, body))
    verdict = judge(found, skipped, exceptions, errors, TODAY)
    return verdict.passed, "\n".join(verdict.failures + verdict.notes)


def test_a_known_vulnerability_without_exception_fails(tmp_path: Path) -> None:
    passed, text = verdict_for(tmp_path, "", vulns=[VULN])
    assert not passed
    assert "jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)" in text


def test_an_exception_with_reason_and_future_date_accepts_it_by_alias(tmp_path: Path) -> None:
    passed, text = verdict_for(tmp_path, """
[[exception]]
id = "CVE-2024-22195"
package = "Jinja2"
reason = "Aktsom never passes user keys to xmlattr."
expires = 2026-12-31
""", vulns=[VULN])
    assert passed, text
    assert "accepted until 2026-12-31 (Aktsom never passes user keys to xmlattr.)" in text


def test_an_expired_exception_fails(tmp_path: Path) -> None:
    passed, text = verdict_for(tmp_path, """
[[exception]]
id = "GHSA-h5c8-rqwp-cp95"
package = "jinja2"
reason = "Waiting for 3.1.3."
expires = 2026-12-02
""", vulns=[VULN])
    assert not passed
    assert "its exception expired on 2026-12-02" in text


def test_the_expiry_day_itself_still_counts(tmp_path: Path) -> None:
    passed, _ = verdict_for(tmp_path, """
[[exception]]
id = "GHSA-h5c8-rqwp-cp95"
package = "jinja2"
reason = "Waiting for 3.1.3."
expires = 2026-12-03
""", vulns=[VULN])
    assert passed


@pytest.mark.parametrize(("entry", "message"), [
    ('id = "GHSA-h5c8-rqwp-cp95"\npackage = "jinja2"\nexpires = 2027-01-01', "lacks reason"),
    ('id = "GHSA-h5c8-rqwp-cp95"\npackage = "jinja2"\nreason = "x"', "lacks expires"),
    ('id = "GHSA-h5c8-rqwp-cp95"\npackage = "jinja2"\nreason = "  "\nexpires = 2027-01-01',
     "lacks reason"),
    ('id = "GHSA-h5c8-rqwp-cp95"\npackage = "jinja2"\nreason = "x"\nexpires = "soon"',
     "expires must be a TOML date"),
])
def test_an_exception_without_reason_or_date_does_not_count(tmp_path: Path, entry: str,
                                                            message: str) -> None:
    passed, text = verdict_for(tmp_path, f"[[exception]]\n{entry}\n", vulns=[VULN])
    assert not passed
    assert message in text
    assert "GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3): upgrade" in text


def test_an_exception_for_another_package_does_not_count(tmp_path: Path) -> None:
    passed, _ = verdict_for(tmp_path, """
[[exception]]
id = "GHSA-h5c8-rqwp-cp95"
package = "flask"
reason = "wrong package"
expires = 2027-01-01
""", vulns=[VULN])
    assert not passed


def test_unused_exceptions_are_reported_and_fail_once_expired(tmp_path: Path) -> None:
    body = """
[[exception]]
id = "GHSA-old"
package = "jinja2"
reason = "long fixed"
expires = {expires}
"""
    passed, text = verdict_for(tmp_path, body.format(expires="2027-01-01"))
    assert passed
    assert "exception GHSA-old (jinja2) matches no finding; remove it" in text
    passed, text = verdict_for(tmp_path, body.format(expires="2026-01-01"))
    assert not passed
    assert "expired on 2026-01-01; remove it" in text


def test_a_dependency_that_could_not_be_audited_fails(tmp_path: Path) -> None:
    passed, text = verdict_for(tmp_path, "", skipped=True)
    assert not passed
    assert "not audited: zxcvbn" in text


def test_command_exit_codes_from_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps(report()), encoding="utf-8")
    dirty = tmp_path / "dirty.json"
    dirty.write_text(json.dumps(report(vulns=[VULN])), encoding="utf-8")
    none = exceptions_file(tmp_path, "")
    assert main(["--report", "--exceptions", str(none), "--today", "2026-12-03",
                 str(clean)]) == 0
    assert main(["--report", "--exceptions", str(none), "--today", "2026-12-03",
                 str(clean), str(dirty)]) == 1
    assert "FAIL: jinja2 3.1.2: GHSA-h5c8-rqwp-cp95" in capsys.readouterr().out


def test_the_repository_exceptions_file_is_valid() -> None:
    path = Path(__file__).parents[2] / "requirements" / "audit-exceptions.toml"
    exceptions, errors = load_exceptions(path)
    assert errors == []
    for item in exceptions:
        assert item.reason and item.expires


def test_pip_audit_that_cannot_run_fails_clearly(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The real pip-audit, given a lock file it cannot read: exit 2 and a clear line, not a
    pass."""
    assert main(["--exceptions", str(exceptions_file(tmp_path, "")),
                 str(tmp_path / "missing.txt")]) == 2
    assert "AUDIT FAILED: pip-audit could not audit" in capsys.readouterr().out


def test_an_unreachable_advisory_service_fails_with_one_clear_hint(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What this machine shows: pypi.org's JSON API answers 404 for every package, so
    pip-audit skips them all and says "No known vulnerabilities found"."""
    skipped = {"dependencies": [
        {"name": f"package{number}", "skip_reason": "Dependency not found on PyPI and could "
                                                    "not be audited"}
        for number in range(40)], "fixes": []}
    path = tmp_path / "skipped.json"
    path.write_text(json.dumps(skipped), encoding="utf-8")
    assert main(["--report", "--exceptions", str(exceptions_file(tmp_path, "")),
                 str(path)]) == UNVERIFIED != 0
    out = capsys.readouterr().out
    assert out.count("FAIL: not audited") == 3
    assert "FAIL: ... and 37 more dependencies not audited" in out
    assert "advisory service" in out
    assert "Audit failed: 40 problems." in out


def test_a_finding_beside_unaudited_packages_still_fails_as_vulnerable(
        tmp_path: Path) -> None:
    """An unreachable service for some packages must not turn a real finding into the
    softer "unverified" code that `.ci/run` tolerates on a closed network."""
    mixed = report(vulns=[VULN], skipped=True)
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(mixed), encoding="utf-8")
    assert main(["--report", "--exceptions", str(exceptions_file(tmp_path, "")),
                 "--today", "2026-12-03", str(path)]) == 1
