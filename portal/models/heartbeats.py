"""When each scheduled job last ran to its end, for `aktsom doctor` (issue 17 §4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class JobHeartbeat(Base):
    """One row per job name, overwritten at every successful run: a timestamp and nothing
    about what the run did (no counts that would date a report)."""

    __tablename__ = "job_heartbeats"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_run_at: Mapped[datetime]
