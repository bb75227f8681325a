"""`make audit`: known vulnerabilities in the locked dependencies (issue 17 §2).

Runs pip-audit on each hash-pinned lock file without installing anything, then decides: a
finding fails the audit unless `requirements/audit-exceptions.toml` records it with a reason
and an expiry date that has not passed. A dependency pip-audit could not check (its advisory
service unreachable, or the package unknown to it) fails too: pip-audit itself reports "No
known vulnerabilities found" when it checked nothing, and an audit that did not run must not
pass. Exceptions that are expired, incomplete or no longer needed are reported.

    python -m admin.dependency_audit --exceptions requirements/audit-exceptions.toml \\
        requirements/run.txt requirements/dev.txt
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

#: Exit code when no vulnerability or exception problem was found but some dependencies could
#: not be checked at all (the advisory service unreachable): the audit is unverified, not clean.
UNVERIFIED = 3


class AuditError(RuntimeError):
    """The audit could not run or its report could not be read."""


@dataclass(frozen=True)
class Vulnerability:
    package: str
    version: str
    id: str
    aliases: frozenset[str]
    fix_versions: tuple[str, ...]

    def known_as(self, name: str) -> bool:
        return name == self.id or name in self.aliases


@dataclass(frozen=True)
class AuditException:
    id: str
    package: str
    reason: str
    expires: date


@dataclass(frozen=True)
class Verdict:
    failures: list[str]
    notes: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures


def parse_report(report: dict[str, Any]) -> tuple[list[Vulnerability], list[str]]:
    """The vulnerabilities and the skipped dependencies of a pip-audit JSON report."""
    if not isinstance(report.get("dependencies"), list):
        raise AuditError("not a pip-audit JSON report (no dependencies list)")
    found, skipped = [], []
    for dependency in report["dependencies"]:
        name = str(dependency.get("name", "?"))
        if "skip_reason" in dependency:
            skipped.append(f"{name}: {dependency['skip_reason']}")
            continue
        for vuln in dependency.get("vulns", []):
            found.append(Vulnerability(
                package=name, version=str(dependency.get("version", "?")),
                id=str(vuln["id"]), aliases=frozenset(map(str, vuln.get("aliases", []))),
                fix_versions=tuple(map(str, vuln.get("fix_versions", [])))))
    return found, skipped


def load_exceptions(path: Path) -> tuple[list[AuditException], list[str]]:
    """The recorded exceptions, and what is wrong with any that cannot count."""
    if not path.exists():
        return [], []
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as error:
        return [], [f"{path}: not valid TOML ({error})"]
    exceptions, errors = [], []
    for number, item in enumerate(raw.get("exception", []), start=1):
        where = f"{path}: exception {number}"
        missing = [key for key in ("id", "package", "reason", "expires")
                   if not str(item.get(key, "")).strip()]
        if missing:
            errors.append(f"{where} lacks {', '.join(missing)}")
            continue
        if not isinstance(item["expires"], date):
            errors.append(f"{where}: expires must be a TOML date (expires = 2027-01-31)")
            continue
        exceptions.append(AuditException(str(item["id"]), str(item["package"]).lower(),
                                         str(item["reason"]).strip(), item["expires"]))
    return exceptions, errors


def judge(found: Iterable[Vulnerability], skipped: Sequence[str],
          exceptions: Sequence[AuditException], exception_errors: Sequence[str],
          today: date) -> Verdict:
    """Fail on each unexcepted finding, each unchecked dependency, each bad exception."""
    failures = list(exception_errors)
    notes: list[str] = []
    used: set[AuditException] = set()
    for vuln in found:
        matching = [item for item in exceptions
                    if item.package == vuln.package.lower() and vuln.known_as(item.id)]
        valid = [item for item in matching if item.expires >= today]
        used.update(matching)
        fix = f" (fixed in {', '.join(vuln.fix_versions)})" if vuln.fix_versions else ""
        label = f"{vuln.package} {vuln.version}: {vuln.id}{fix}"
        if valid:
            notes.append(f"{label}: accepted until {valid[0].expires} ({valid[0].reason})")
        elif matching:
            failures.append(f"{label}: its exception expired on {matching[0].expires}; "
                            "upgrade (make lock UPGRADE=1) or renew it with a new reason")
        else:
            failures.append(f"{label}: upgrade (make lock UPGRADE=1), or record an exception "
                            "with a reason and an expiry date")
    failures += [f"not audited: {item}" for item in skipped]
    for item in exceptions:
        if item not in used:
            notes.append(f"exception {item.id} ({item.package}) matches no finding; remove it")
            if item.expires < today:
                failures.append(f"exception {item.id} ({item.package}) expired on "
                                f"{item.expires}; remove it")
    return Verdict(failures, notes)


def run_pip_audit(lock_file: Path) -> dict[str, Any]:
    """pip-audit's JSON report for a hash-pinned lock file; nothing is installed."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.json"
        done = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
            [sys.executable, "-m", "pip_audit", "--disable-pip", "--require-hashes",
             "--progress-spinner", "off", "--format", "json", "--output", str(out),
             "--requirement", str(lock_file)],
            capture_output=True, text=True, check=False)
        # 0: nothing found, 1: vulnerabilities found (the report says which); else it failed.
        if done.returncode not in (0, 1) or not out.exists():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise AuditError(f"pip-audit could not audit {lock_file}: {last}")
        report: dict[str, Any] = json.loads(out.read_text("utf-8"))
        return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock_files", nargs="+", type=Path)
    parser.add_argument("--exceptions", type=Path,
                        default=Path("requirements/audit-exceptions.toml"))
    parser.add_argument("--report", action="store_true",
                        help="The arguments are pip-audit JSON reports, not lock files.")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    args = parser.parse_args(argv)
    found: list[Vulnerability] = []
    skipped: list[str] = []
    try:
        for path in args.lock_files:
            report = (json.loads(path.read_text("utf-8")) if args.report
                      else run_pip_audit(path))
            more, unchecked = parse_report(report)
            found += more
            skipped += unchecked
    except (AuditError, OSError, ValueError) as error:
        print(f"AUDIT FAILED: {error}\n(pip-audit needs https://pypi.org/pypi/<name>/<version>"
              "/json or https://api.osv.dev; check the network.)")
        return 2
    exceptions, errors = load_exceptions(args.exceptions)
    # The same package and advisory appear once per lock file.
    verdict = judge(dict.fromkeys(found), list(dict.fromkeys(skipped)), exceptions, errors,
                    args.today)
    for note in verdict.notes:
        print(f"note: {note}")
    unaudited = [failure for failure in verdict.failures if failure.startswith("not audited")]
    for failure in verdict.failures:
        if failure not in unaudited[3:]:
            print(f"FAIL: {failure}")
    if len(unaudited) > 3:
        print(f"FAIL: ... and {len(unaudited) - 3} more dependencies not audited")
    if verdict.passed:
        print(f"Audit passed: {len(args.lock_files)} lock files, no unaccepted vulnerability.")
        return 0
    if skipped:
        print("hint: dependencies that could not be audited usually mean the advisory service "
              "(pypi.org JSON API, api.osv.dev) is unreachable from here.")
    print(f"Audit failed: {len(verdict.failures)} problems.")
    if len(unaudited) == len(verdict.failures):
        # Nothing was found, but not everything could be checked: a distinct code, so that a
        # caller can tell "unverified" from "vulnerable" (`.ci/run` decides what to do with it).
        return UNVERIFIED
    return 1


if __name__ == "__main__":
    sys.exit(main())
