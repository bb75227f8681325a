"""`make run`'s first steps lead to a channel that can receive (issue 14 §5): the printed
text says the channel cannot receive reports until the recovery key, a company, an
administrator and a certified handler exist, and the commands it prints, run as printed,
leave `aktsom doctor` with nothing missing for the channel."""

from __future__ import annotations

import re
import shlex

from flask import Flask

from tests.conftest import AktsomRunner
from tests.deploy.helpers import ROOT
from tests.factories import make_recovery_key

CHANNEL_PROBLEMS = ("No administrator exists.", "No company (org unit) exists",
                    "cannot receive reports", "No certified recovery key")


def printed_lines() -> list[str]:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    recipe = makefile[makefile.index("\nrun: "):].split("\n\n", 1)[0]
    return [match.group(1) for match in re.finditer(r'^\t@echo "(.*)"$', recipe, re.MULTILINE)]


def printed_commands() -> list[tuple[list[str], str | None]]:
    """Each `aktsom` command the text prints: its arguments and what it reads on stdin."""
    commands = []
    for line in printed_lines():
        if "$(BIN)/aktsom " not in line or "aktsom doctor" in line:
            continue
        before, _, command = line.partition("$(BIN)/aktsom ")
        stdin = None
        if "|" in before:
            stdin = shlex.split(before.split("|")[0])[-1]
        commands.append((shlex.split(command), stdin))
    return commands


def test_the_text_says_the_channel_cannot_receive_yet() -> None:
    text = "\n".join(printed_lines())
    assert "The channel CANNOT RECEIVE REPORTS until all four of these exist:" in text
    for step in ("the recovery key", "a company", "an administrator", "certified case handler",
                 "aktsom doctor", "/admin/approvals"):
        assert step in text


def test_the_printed_commands_make_the_channel_ready(admin_app: Flask) -> None:
    runner = AktsomRunner(admin_app)
    make_recovery_key(admin_app)  # what `aktsom init` did on the first run
    before = runner.invoke(args=["doctor"]).output
    assert "No administrator exists." in before
    assert "No company (org unit) exists" in before
    commands = printed_commands()
    assert [args[:2] for args, _ in commands] == [["units", "create"], ["users", "create"]]
    for args, stdin in commands:
        result = runner.invoke(args=args, input=stdin)
        assert result.exit_code == 0, result.output
    after = runner.invoke(args=["doctor"]).output
    for problem in CHANNEL_PROBLEMS:
        assert problem not in after, after
