"""`aktsom notify-deadlines` reminds the case's handlers when the person concerned is due to be
informed (one month after receipt) or a deferral is due for review (GDPR Art. 14, issue 11
§4): once per due day, content-free, never for a task already decided."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskCliRunner

from portal.db import session_factory, transaction, utcnow
from portal.models import Case, ConcernedPersonNotice
from portal.models.concerned_person import ConcernedPersonReason, ConcernedPersonStatus
from tests.admin.case_support import World, new_case
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.mail_sink import Sink
from tests.mail_sink import settings as settings  # noqa: F401 (fixture)
from tests.mail_sink import sink as sink  # noqa: F401 (fixture)

SECRET = "CASE-MARKER-7310 the foreman hits workers"


def _quiet_other_clocks(app: Flask, *case_ids: str) -> None:
    with app.app_context(), transaction(session_factory(app)) as db:
        for case_id in case_ids:
            case = db.get(Case, case_id)
            assert case is not None
            case.acknowledgement_reminded_at = utcnow()


def test_open_and_review_days_are_reminded_once(world: World, portal_app: Flask,
                                                runner: FlaskCliRunner,
                                                sink: tuple[Sink, int]) -> None:
    now = utcnow()
    open_due, _code = new_case(portal_app, world.unit_id, SECRET, now=now - timedelta(days=40))
    recent, _code = new_case(portal_app, world.unit_id, SECRET, now=now - timedelta(days=2))
    decided, _code = new_case(portal_app, world.unit_id, SECRET, now=now - timedelta(days=40))
    review, _code = new_case(portal_app, world.other_unit_id, SECRET,
                             now=now - timedelta(days=80))
    _quiet_other_clocks(portal_app, open_due, recent, decided, review)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        db.add(ConcernedPersonNotice(case_id=decided, status=ConcernedPersonStatus.INFORMED,
                                     informed_on=now - timedelta(days=10)))
        db.add(ConcernedPersonNotice(case_id=review, status=ConcernedPersonStatus.DEFERRED,
                                     reason=ConcernedPersonReason.INVESTIGATION,
                                     review_on=now + timedelta(days=1)))
    sink[0].mails.clear()
    result = runner.invoke(args=["notify-deadlines"])
    assert result.exit_code == 0, result.output
    assert "of 2 cases" in result.output
    # Nordic's handlers for the open task, Baltic's for the deferral under review.
    assert sink[0].recipients() == sorted([world.alice.email, world.bob.email,
                                           world.olga.email])
    for _rcpts, mail in sink[0].mails:
        assert "person concerned" in mail["Subject"]
        text = mail.as_string()
        for secret in (SECRET, open_due, review):
            assert secret not in text
    sink[0].mails.clear()
    assert "No case needs a reminder" in runner.invoke(args=["notify-deadlines"]).output
    assert sink[0].mails == []
    # The open task's reminder row records no decision: the task stays open and overdue.
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        notice = db.query(ConcernedPersonNotice).filter_by(case_id=open_due).one()
        assert notice.status is None and notice.reminded_due is not None
        # A new review day is reminded of again.
        later = db.query(ConcernedPersonNotice).filter_by(case_id=review).one()
        later.review_on = now + timedelta(days=2)
    runner.invoke(args=["notify-deadlines"])
    assert sink[0].recipients() == [world.olga.email]
