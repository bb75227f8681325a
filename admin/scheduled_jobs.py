"""The jobs a deployment runs on a timer (deploy/systemd/*.timer), how often, and the
heartbeat each writes when it has run to its end, which `aktsom doctor` reads."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.db import session_factory, transaction, utcnow
from portal.heartbeats import record_heartbeat


@dataclass(frozen=True)
class ScheduledJob:
    command: str
    # The timer's interval (deploy/systemd) and the age past which doctor calls it stopped:
    # one missed run is tolerated, two are a problem.
    interval: str
    stale_after: timedelta


SCHEDULED_JOBS: tuple[ScheduledJob, ...] = (
    ScheduledJob("purge", "daily", timedelta(hours=50)),
    ScheduledJob("notify-deadlines", "daily", timedelta(hours=50)),
    ScheduledJob("notify", "every 5 minutes", timedelta(hours=1)),
    ScheduledJob("backup", "daily", timedelta(hours=50)),
)


SCHEDULED_COMMANDS = frozenset(job.command for job in SCHEDULED_JOBS)


def with_heartbeat(command: click.Command) -> click.Command:
    """Make `command` record its heartbeat after it ran without error (once: a command that
    already does is returned as it is). A dry run is not a run of the job: no heartbeat."""
    callback = command.callback
    if callback is None or getattr(callback, "records_heartbeat", False):
        return command

    @functools.wraps(callback)
    def run_and_beat(*args: Any, **kwargs: Any) -> Any:
        result = callback(*args, **kwargs)
        if not kwargs.get("dry_run"):
            with transaction(session_factory(current_app)) as db:
                record_heartbeat(db, command.name or "", utcnow())
        return result

    wrapped = with_appcontext(run_and_beat)
    wrapped.records_heartbeat = True  # type: ignore[attr-defined]
    command.callback = wrapped
    return command
