"""`aktsom purge` also deletes server-side sessions idle past their limit (issue 14 note: the
rows were never removed; sealed and useless without the cookie, each still tied a time to a
case)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, update

from portal.db import session_factory, transaction, utcnow
from portal.models import ServerSession
from portal.server_sessions import start_session


def _kinds(app: Flask) -> list[str]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return sorted(db.scalars(select(ServerSession.kind)))


def test_purge_removes_idle_sessions_and_keeps_fresh_ones(admin_app: Flask,
                                                         runner: FlaskCliRunner) -> None:
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        for kind in ("reporter", "submitted", "staff", "enrolment"):
            start_session(db, kind=kind, payload=b"x")
            start_session(db, kind=kind, payload=b"y")
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        # One of each kind was last seen three days ago: past every idle limit.
        stale = [db.scalars(select(ServerSession.lookup).where(ServerSession.kind == kind)
                            .order_by(ServerSession.lookup)).first()
                 for kind in ("reporter", "submitted", "staff", "enrolment")]
        db.execute(update(ServerSession).where(ServerSession.lookup.in_(stale))
                   .values(last_seen_at=utcnow() - timedelta(days=3)))
    output = runner.invoke(args=["purge"]).output
    assert "Removed 4 expired sessions." in output
    assert _kinds(admin_app) == ["enrolment", "reporter", "staff", "submitted"]
    assert "expired sessions" not in runner.invoke(args=["purge", "--dry-run"]).output
