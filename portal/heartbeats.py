"""Heartbeats of the scheduled jobs (`purge`, `notify`, `notify-deadlines`, `backup`): each
records that it ran, and `aktsom doctor` tells an operator when one has stopped running."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models.heartbeats import JobHeartbeat


def record_heartbeat(db: Session, job: str, now: datetime) -> None:
    """Mark `job` as having run to its end at `now` (the caller commits)."""
    beat = db.get(JobHeartbeat, job)
    if beat is None:
        db.add(JobHeartbeat(job=job, last_run_at=now))
    else:
        beat.last_run_at = now


def last_runs(db: Session) -> dict[str, datetime]:
    """Each job's last successful run."""
    return {beat.job: beat.last_run_at for beat in db.scalars(select(JobHeartbeat))}
