"""deploy/systemd (issue 17 §3): the service and a timer for each scheduled job, checked by
`systemd-analyze verify` with the ExecStart paths pointed at this checkout's virtualenv."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from admin.cli import cli
from admin.scheduled_jobs import SCHEDULED_JOBS
from tests.deploy.helpers import DEPLOY, ROOT, need

UNITS = DEPLOY / "systemd"
SPLIT = DEPLOY / "split-host"
VENV = Path(sys.executable).parents[1]


def verify(units: list[Path], folder: Path) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify` on copies whose paths exist on this machine."""
    program = need("systemd-analyze")
    (folder / "aktsom.env").write_text("AKTSOM_ENV=production\n", encoding="utf-8")
    (folder / "onion.env").write_text((DEPLOY / "onion.env").read_text("utf-8"),
                                      encoding="utf-8")
    copies = []
    for unit in units:
        text = unit.read_text("utf-8")
        if unit.suffix == ".service":
            assert "/opt/aktsom/.venv" in text and "/etc/aktsom/aktsom.env" in text, unit.name
        copy = folder / unit.name
        copy.write_text(text.replace("/opt/aktsom/.venv", str(VENV))
                        .replace("/opt/aktsom", str(ROOT))
                        .replace("/etc/aktsom/aktsom.env", str(folder / "aktsom.env"))
                        .replace("/etc/aktsom/onion.env", str(folder / "onion.env")),
                        encoding="utf-8")
        copies.append(str(copy))
    return subprocess.run([program, "verify", "--man=no", *copies], capture_output=True,
                          text=True, check=False, cwd=folder)


def scheduled_commands() -> list[str]:
    """The jobs doctor expects and this release has (`backup` arrives with issue 15); each
    has its timer already."""
    return [job.command for job in SCHEDULED_JOBS if job.command in cli.commands]


def test_every_scheduled_job_has_its_units_even_before_its_command_exists() -> None:
    for job in SCHEDULED_JOBS:
        assert (UNITS / f"aktsom-{job.command}.timer").exists(), job.command
        assert (UNITS / f"aktsom-{job.command}.service").exists(), job.command


def test_every_unit_verifies_cleanly(tmp_path: Path) -> None:
    units = sorted(UNITS.glob("*.service")) + sorted(UNITS.glob("*.timer"))
    done = verify(units, tmp_path)
    assert done.returncode == 0, done.stderr
    # Unknown keys are only warned about; a recipe must have none.
    assert done.stderr.strip() == "", done.stderr


def test_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    """The check is not empty: a misspelt calendar fails it."""
    broken = tmp_path / "broken"
    broken.mkdir()
    timer = broken / "aktsom-purge.timer"
    timer.write_text((UNITS / "aktsom-purge.timer").read_text("utf-8")
                     .replace("OnCalendar=*-*-* 03:15:00", "OnCalendar=every night"))
    (broken / "aktsom-purge.service").write_text(
        (UNITS / "aktsom-purge.service").read_text("utf-8"))
    done = verify([timer, broken / "aktsom-purge.service"], tmp_path)
    assert done.returncode != 0
    assert "calendar" in done.stderr


@pytest.mark.parametrize("command", scheduled_commands())
def test_each_scheduled_job_has_a_timer_and_a_oneshot_service(command: str) -> None:
    timer = (UNITS / f"aktsom-{command}.timer").read_text("utf-8")
    service = (UNITS / f"aktsom-{command}.service").read_text("utf-8")
    assert "Persistent=true" in timer
    assert "Type=oneshot" in service
    assert re.search(rf"^ExecStart=.*/opt/aktsom/\.venv/bin/aktsom {command}\b", service,
                     re.MULTILINE)


def test_the_timers_cover_every_job_doctor_expects() -> None:
    """doctor calls a job stopped after two missed runs: each timer must run at least that
    often (daily timers for 50 hours, the 5-minute one for an hour)."""
    for command in scheduled_commands():
        job = next(item for item in SCHEDULED_JOBS if item.command == command)
        timer = (UNITS / f"aktsom-{command}.timer").read_text("utf-8")
        calendar = re.search(r"^OnCalendar=(.+)$", timer, re.MULTILINE)
        assert calendar is not None
        daily = re.fullmatch(r"\*-\*-\* \d\d:\d\d:\d\d", calendar.group(1))
        assert daily or calendar.group(1) == "*:0/5", command
        assert job.stale_after.total_seconds() >= (2 * 86400 if daily else 2 * 300)


def test_the_apps_listen_on_loopback_only_and_are_sandboxed() -> None:
    for unit in [*UNITS.glob("aktsom*.service"), *SPLIT.glob("*.service")]:
        text = unit.read_text("utf-8")
        for line in re.findall(r"^ExecStart=.* serve .*$", text, re.MULTILINE):
            assert "--host 127.0.0.1" in line, unit.name
        for setting in ("NoNewPrivileges=yes", "ProtectSystem=strict", "UMask=0077",
                        "CapabilityBoundingSet=", "User=aktsom"):
            assert setting in text, (unit.name, setting)


def test_the_split_host_units_verify(tmp_path: Path) -> None:
    done = verify(sorted(SPLIT.glob("*.service")), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr
    portal = (SPLIT / "aktsom-portal.service").read_text("utf-8")
    assert "--app portal" in portal
    # The portal host lacks the signing key: `aktsom init` runs on the internal host.
    assert "aktsom init" not in portal.replace("`aktsom init` runs", "")
    assert "--app admin" in (SPLIT / "aktsom-admin.service").read_text("utf-8")
