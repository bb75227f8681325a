"""The retention purge: content, files, keys and the code go; the statistics stay; legal hold
and per-unit periods are respected; a dry run changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete, func, select

from portal.cases.submission import open_case_with_code
from portal.db import session_factory, transaction, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import (
    Attachment,
    AuditEvent,
    Case,
    CaseKeyWrap,
    CaseStat,
    LegalHold,
    Message,
    OrgUnit,
    ServerSession,
)
from portal.stats import case_figures
from portal.storage import file_store
from tests.admin.case_support import World, new_case
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.portal.helpers import follow_up


def _close(app: Flask, case_id: str, closed_at: datetime, **changes: Any) -> None:
    with app.app_context(), transaction(session_factory(app)) as db:
        case = db.get(Case, case_id)
        assert case is not None
        case.status, case.closed_at = "closed", closed_at
        for name, value in changes.items():
            setattr(case, name, value)


def _hold(app: Flask, case_id: str, review_at: datetime) -> None:
    """A legal hold as the case page places it since issue 11 §5: with a reason and a review
    date (a bare flag is a lapsed hold)."""
    with app.app_context(), transaction(session_factory(app)) as db:
        case = db.get(Case, case_id)
        assert case is not None
        case.legal_hold = True
        db.add(LegalHold(case_id=case_id, reason="legal_proceedings", review_at=review_at))


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context(), transaction(session_factory(app)) as db:
        counts = {model.__name__: int(db.scalar(select(func.count()).select_from(model)) or 0)
                  for model in (Case, Message, Attachment, CaseKeyWrap, CaseStat)}
    counts["files"] = len(file_store(app).all_names())
    return counts


def _scenario(app: Flask, world: World) -> dict[str, tuple[str, str]]:
    now = utcnow()
    long_ago = now - timedelta(days=900)
    with app.app_context(), transaction(session_factory(app)) as db:
        baltic = db.get(OrgUnit, world.other_unit_id)
        assert baltic is not None
        baltic.retention_days = 30  # a country with a short period
    cases = {
        "expired": new_case(app, world.unit_id, "EXPIRED", now=long_ago,
                            files={"a.txt": b"one", "b.txt": b"two"}),
        "held": new_case(app, world.unit_id, "HELD", now=long_ago),
        "recent": new_case(app, world.unit_id, "RECENT", now=now - timedelta(days=200)),
        "open": new_case(app, world.unit_id, "OPEN", now=long_ago),
        "short": new_case(app, world.other_unit_id, "SHORT", now=now - timedelta(days=60),
                          category="corruption", human_rights=False),
        "short_recent": new_case(app, world.other_unit_id, "SHORT-RECENT",
                                 now=now - timedelta(days=20)),
    }
    _close(app, cases["expired"][0], now - timedelta(days=800), outcome="substantiated",
           human_rights_breach=True, supplier_id="SUP-9",
           acknowledged_at=long_ago + timedelta(days=2))
    _close(app, cases["held"][0], now - timedelta(days=800))
    _hold(app, cases["held"][0], now + timedelta(days=30))
    _close(app, cases["recent"][0], now - timedelta(days=100))
    _close(app, cases["short"][0], now - timedelta(days=40), outcome="unfounded")
    _close(app, cases["short_recent"][0], now - timedelta(days=10))
    return cases


def test_dry_run_changes_nothing(world: World, portal_app: Flask,
                                 runner: FlaskCliRunner) -> None:
    _scenario(portal_app, world)
    before = _counts(portal_app)
    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would purge 2 cases; 1 under legal hold" in result.output
    assert _counts(portal_app) == before


def test_purge_keeps_statistics_and_removes_everything_else(
        world: World, portal_app: Flask, runner: FlaskCliRunner, client: FlaskClient) -> None:
    cases = _scenario(portal_app, world)
    expired_id, expired_code = cases["expired"]
    follow_up(client, expired_code)  # a reporter session that must end with the case
    assert client.get("/case").status_code == 200
    year = (utcnow() - timedelta(days=900)).year
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        before = case_figures(db, year, now=utcnow(), k=1)
        expired_files = set(db.scalars(select(Attachment.stored_name).where(
            Attachment.case_id == expired_id)))
    assert len(expired_files) == 2 and expired_files <= set(file_store(portal_app).all_names())

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Purged 2 cases and removed 2 files; kept 1 under legal hold" in result.output

    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        remaining = set(db.scalars(select(Case.id)))
        assert remaining == {cases[name][0] for name in
                             ("held", "recent", "open", "short_recent")}
        for model in (Message, Attachment, CaseKeyWrap):
            assert db.scalar(select(func.count()).select_from(model).where(
                model.case_id == expired_id)) == 0
        assert db.scalar(select(func.count()).select_from(ServerSession)) == 0
        stats = {row.category: row for row in db.scalars(select(CaseStat))}
        assert set(stats) == {"forced_labour", "corruption"}
        kept = stats["forced_labour"]
        assert (kept.year, kept.unit_id, kept.outcome, kept.human_rights_breach,
                kept.supplier_id, kept.acknowledged_on_time, kept.channel) == (
            year, world.unit_id, "substantiated", True, "SUP-9", True, "web")
        assert kept.feedback_on_time is False  # closed long after the feedback was due
        assert stats["corruption"].outcome == "unfounded"
        assert db.scalar(select(func.count()).where(AuditEvent.action == "case.purged")) == 2
        # The annual figures did not change.
        assert case_figures(db, year, now=utcnow(), k=1) == before
        # The code opens nothing any more.
        assert open_case_with_code(db, settings=settings_of(portal_app),
                                   server_keys=server_keys_of(portal_app),
                                   code=expired_code) is None
    assert not expired_files & set(file_store(portal_app).all_names())
    assert client.get("/case").status_code == 303
    # Nothing left to do the second time.
    assert "Purged 0 cases" in runner.invoke(args=["purge"]).output


def test_released_hold_is_purged_next_time(world: World, portal_app: Flask,
                                           runner: FlaskCliRunner) -> None:
    cases = _scenario(portal_app, world)
    runner.invoke(args=["purge"])
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        held = db.get(Case, cases["held"][0])
        assert held is not None
        held.legal_hold = False
        db.execute(delete(LegalHold).where(LegalHold.case_id == held.id))
    result = runner.invoke(args=["purge"])
    assert "Purged 1 cases" in result.output


def test_only_closed_cases_are_purged(world: World, portal_app: Flask,
                                       runner: FlaskCliRunner) -> None:
    case_id, _ = new_case(portal_app, world.unit_id,
                          now=datetime(2020, 1, 1, tzinfo=UTC))
    _close(portal_app, case_id, datetime(2020, 2, 1, tzinfo=UTC), status="in_progress")
    assert "Purged 0 cases" in runner.invoke(args=["purge"]).output
