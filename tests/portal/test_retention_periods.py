"""Retention that can be set and is kept short (issue 11 §5): per company (CLI), shorter for
unfounded cases, never above the country's legal maximum (Sweden: two years after closing),
legal holds that lapse at their review date, and statistics rows with months only."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import DateTime, inspect, select

from config import SettingsError, load_settings
from portal.cases.legal_holds import place_legal_hold
from portal.cases.retention import retention_days_for
from portal.db import session_factory, transaction, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import AuditEvent, Case, CaseStat, LegalHold, Message, OrgUnit, User
from portal.refusals import Refusal
from tests.admin.case_support import World, new_case, open_case
from tests.admin.case_support import world as world  # noqa: F401 (fixture)


def _close(app: Flask, case_id: str, closed_at: datetime, **changes: Any) -> None:
    with app.app_context(), transaction(session_factory(app)) as db:
        case = db.get(Case, case_id)
        assert case is not None
        case.status, case.closed_at = "closed", closed_at
        for name, value in changes.items():
            setattr(case, name, value)


def _remaining(app: Flask) -> set[str]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return set(db.scalars(select(Case.id)))


def _set_unit(app: Flask, unit_id: str, **changes: Any) -> None:
    with app.app_context(), transaction(session_factory(app)) as db:
        unit = db.get(OrgUnit, unit_id)
        assert unit is not None
        for name, value in changes.items():
            setattr(unit, name, value)


def _actions(app: Flask) -> list[str]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_unfounded_cases_are_purged_sooner(world: World, portal_app: Flask,
                                           runner: FlaskCliRunner) -> None:
    now = utcnow()
    closed = now - timedelta(days=100)  # past the unfounded default (60), within 730
    start = now - timedelta(days=150)
    unfounded, _ = new_case(portal_app, world.unit_id, now=start)
    manifestly, _ = new_case(portal_app, world.unit_id, now=start)
    founded, _ = new_case(portal_app, world.unit_id, now=start)
    _close(portal_app, unfounded, closed, outcome="unfounded")
    _close(portal_app, manifestly, closed, closing_reason="manifestly_unfounded")
    _close(portal_app, founded, closed, outcome="substantiated")
    result = runner.invoke(args=["purge"])
    assert "Purged 2 cases" in result.output, result.output
    assert _remaining(portal_app) == {founded}


def test_units_retention_command_and_the_swedish_maximum(world: World, portal_app: Flask,
                                                         runner: FlaskCliRunner) -> None:
    _set_unit(portal_app, world.other_unit_id, country="SE")
    refused = runner.invoke(args=["units", "retention", "BALTIC", "--days", "731"])
    assert refused.exit_code != 0 and "at most 730 days" in refused.output
    assert runner.invoke(args=["units", "retention", "BALTIC"]).exit_code != 0
    done = runner.invoke(args=["units", "retention", "BALTIC", "--days", "365",
                               "--unfounded-days", "30"])
    assert done.exit_code == 0, done.output
    assert "365 days after closing, 30 days if closed as unfounded" in done.output
    longer = runner.invoke(args=["units", "retention", "BALTIC", "--unfounded-days", "400"])
    assert longer.exit_code != 0 and "cannot be kept longer" in longer.output
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        baltic = db.get(OrgUnit, world.other_unit_id)
        assert baltic is not None
        assert (baltic.retention_days, baltic.unfounded_retention_days) == (365, 30)
        assert retention_days_for(baltic) == 365
        assert db.scalar(select(AuditEvent.action).where(
            AuditEvent.target_id == world.other_unit_id,
            AuditEvent.action == "unit.retention_changed")) is not None
    back = runner.invoke(args=["units", "retention", "BALTIC", "--default"])
    assert back.exit_code == 0 and "730 days after closing, 60 days" in back.output


def test_the_country_maximum_caps_a_period_set_before_it(world: World, portal_app: Flask,
                                                        runner: FlaskCliRunner) -> None:
    """A Swedish company's cases go two years after closing, whatever the row says."""
    _set_unit(portal_app, world.other_unit_id, country="SE", retention_days=3000)
    now = utcnow()
    swedish, _ = new_case(portal_app, world.other_unit_id, now=now - timedelta(days=900))
    _close(portal_app, swedish, now - timedelta(days=800))
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        unit = db.get(OrgUnit, world.other_unit_id)
        assert retention_days_for(unit) == 730
        assert retention_days_for(db.get(OrgUnit, world.unit_id)) == 730
    assert "Purged 1 cases" in runner.invoke(args=["purge"]).output
    assert swedish not in _remaining(portal_app)


def test_a_legal_hold_needs_a_reason_and_a_review_date(world: World,
                                                       portal_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    now = utcnow()
    with portal_app.app_context():
        db, opened = open_case(portal_app, case_id, world.alice)
        assert opened is not None
        alice = db.get(User, world.alice.id)
        keys, settings = server_keys_of(portal_app), settings_of(portal_app)

        def hold(**values: Any) -> LegalHold:
            arguments: dict[str, Any] = {"reason": "legal_proceedings", "note": "",
                                         "review_at": now + timedelta(days=30)}
            arguments.update(values)
            return place_legal_hold(db, keys, settings, opened=opened, user=alice, now=now,
                                    **arguments)

        for values in ({"reason": "bogus"}, {"reason": "other"},
                       {"review_at": now - timedelta(days=1)},
                       {"review_at": now + timedelta(days=settings.legal_hold_max_days + 2)}):
            with pytest.raises(Refusal):
                hold(**values)
        assert opened.case.legal_hold is False
        placed = hold(reason="other", note="HOLD-NOTE-MARKER")
        assert opened.case.legal_hold and placed.note_id is not None
        renewed = hold(review_at=now + timedelta(days=90))
        assert renewed.review_at == now + timedelta(days=90)
        db.commit()
        # The note is a sealed internal note, nowhere in clear.
        for message in db.scalars(select(Message).where(Message.case_id == case_id)):
            assert b"HOLD-NOTE-MARKER" not in message.sealed_body
        db.close()
    assert {"case.legal_hold_set", "case.legal_hold_renewed"} <= set(_actions(portal_app))


def test_a_hold_past_its_review_date_lapses_and_the_purge_applies(
        world: World, portal_app: Flask, runner: FlaskCliRunner) -> None:
    now = utcnow()
    lapsed, _ = new_case(portal_app, world.unit_id, now=now - timedelta(days=900))
    held, _ = new_case(portal_app, world.unit_id, now=now - timedelta(days=900))
    for case_id in (lapsed, held):
        _close(portal_app, case_id, now - timedelta(days=800), legal_hold=True)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        db.add(LegalHold(case_id=lapsed, reason="legal_proceedings",
                         review_at=now - timedelta(days=1)))
        db.add(LegalHold(case_id=held, reason="legal_proceedings",
                         review_at=now + timedelta(days=5)))
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert "Would purge 1 cases; 1 under legal hold" in dry.output, dry.output
    assert "1 legal holds are past their review date" in dry.output
    result = runner.invoke(args=["purge"])
    assert "Purged 1 cases" in result.output and "1 legal holds passed" in result.output
    # The reminder: the other hold's review date is near.
    assert "Reminder: 1 legal holds reach their review date" in result.output
    assert _remaining(portal_app) == {held}
    assert "case.legal_hold_lapsed" in _actions(portal_app)


def test_a_bare_hold_flag_holds_nothing(world: World, portal_app: Flask,
                                        runner: FlaskCliRunner) -> None:
    """No endless hold: a flag without a review date (a row written outside Aktsom) lapses."""
    now = utcnow()
    case_id, _ = new_case(portal_app, world.unit_id, now=now - timedelta(days=900))
    _close(portal_app, case_id, now - timedelta(days=800), legal_hold=True)
    assert "Purged 1 cases" in runner.invoke(args=["purge"]).output
    assert _remaining(portal_app) == set()


def test_statistics_rows_keep_months_only(world: World, portal_app: Flask,
                                          runner: FlaskCliRunner) -> None:
    assert not [column.name for column in CaseStat.__table__.columns
                if isinstance(column.type, DateTime)]
    now = utcnow()
    created = now - timedelta(days=900)
    case_id, _ = new_case(portal_app, world.unit_id, now=created)
    closed = now - timedelta(days=800)
    _close(portal_app, case_id, closed)
    assert "Purged 1 cases" in runner.invoke(args=["purge"]).output
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        row = db.scalars(select(CaseStat)).one()
        assert (row.year, row.received_month, row.closed_month, row.purged_month) == (
            created.year, f"{created:%Y-%m}", f"{closed:%Y-%m}", f"{now:%Y-%m}")


def test_retention_settings_are_validated() -> None:
    settings = load_settings(environ={"AKTSOM_RETENTION_MAX_DAYS": "se=730, DK=1825"})
    assert dict(settings.retention_max_days) == {"SE": 730, "DK": 1825}
    assert dict(load_settings(environ={}).retention_max_days) == {"SE": 730}
    for bad in ("SWE=730", "SE=two", "SE=0"):
        with pytest.raises(SettingsError):
            load_settings(environ={"AKTSOM_RETENTION_MAX_DAYS": bad})
    with pytest.raises(SettingsError, match="RETENTION_UNFOUNDED_DAYS"):
        load_settings(environ={"AKTSOM_RETENTION_UNFOUNDED_DAYS": "800"})


def test_migration_0004_keeps_months_of_old_statistics_rows(tmp_path: Path) -> None:
    """Rows written before month precision lose their exact times on upgrade, and a hold set
    before review dates existed gets one ahead instead of lapsing at once."""
    from sqlalchemy import create_engine, text

    from portal.schema import downgrade, upgrade

    url = f"sqlite:///{tmp_path}/old.sqlite3"
    upgrade(url, "0001")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO case_stats (year, unit_id, category, human_rights, channel, "
                "closed_without_acknowledgement, closed_without_feedback, created_at, "
                "closed_at, purged_at) VALUES (2024, NULL, 'fraud', 0, 'web', 0, 0, "
                "'2024-03-17 09:41:12.123456', '2024-05-02 13:00:00.000000', "
                "'2026-06-30 23:59:59.000000')"))
            day = "'2025-01-01 00:00:00.000000'"
            connection.execute(text(
                "INSERT INTO cases (id, category, human_rights, channel, status, "
                "routed_to_group, legal_hold, created_at, acknowledgement_due_at, "
                "feedback_due_at, next_due_at, lookup_id, reporter_key, "
                "reporter_key_certificate, key_generation, sealed_answers) VALUES "
                f"('{'a' * 32}', 'fraud', 0, 'web', 'closed', 0, 1, {day}, {day}, {day}, "
                f"{day}, x'00', x'00', x'00', 0, x'00')"))
        upgrade(url)
        with engine.connect() as connection:
            row = connection.execute(text(
                "SELECT year, received_month, closed_month, purged_month FROM case_stats"
            )).one()
            assert tuple(row) == (2024, "2024-03", "2024-05", "2026-06")
            columns = {column["name"] for column in inspect(engine).get_columns("case_stats")}
            assert not {"created_at", "closed_at", "purged_at"} & columns
            case_id, reason, review_at = connection.execute(text(
                "SELECT case_id, reason, review_at FROM legal_holds")).one()
            assert (case_id, reason) == ("a" * 32, "other")
            assert str(review_at) > f"{utcnow() + timedelta(days=80):%Y-%m-%d}"
        downgrade(url, "0001")
        upgrade(url)
    finally:
        engine.dispose()
