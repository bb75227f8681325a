"""`aktsom notify-deadlines` also reminds the handlers, once and without detail, of a check of
a known reporter's working environment (AML §2A-3(2)) left open for two weeks."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal.db import session_factory, transaction, utcnow
from portal.models import Case, WorkEnvironmentCheck
from portal.workplace_states import WorkEnvironmentStatus
from tests.admin.case_support import World, new_case
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.mail_sink import Sink
from tests.mail_sink import settings as settings  # noqa: F401 (fixture)
from tests.mail_sink import sink as sink  # noqa: F401 (fixture)

CONTACT = "CONTACT-MARKER Kari Nordmann"


def test_an_open_check_is_reminded_of_once(world: World, portal_app: Flask,
                                           runner: FlaskCliRunner,
                                           sink: tuple[Sink, int]) -> None:
    now = utcnow()
    stale, code = new_case(portal_app, world.unit_id, contact=CONTACT,
                           now=now - timedelta(days=20))
    fresh, _ = new_case(portal_app, world.unit_id, contact=CONTACT, now=now - timedelta(days=3))
    done, _ = new_case(portal_app, world.other_unit_id, contact=CONTACT,
                       now=now - timedelta(days=20))
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        # The legal clocks are not what this test is about: no reminder of them is due.
        for case in db.scalars(select(Case)):
            case.acknowledged_at = case.feedback_at = now
        check = db.scalar(select(WorkEnvironmentCheck)
                          .where(WorkEnvironmentCheck.case_id == done))
        assert check is not None
        check.status = WorkEnvironmentStatus.CHECKED
    sink[0].mails.clear()
    result = runner.invoke(args=["notify-deadlines"])
    assert result.exit_code == 0, result.output
    assert "Reminded 2 handlers of 1 cases" in result.output
    assert sink[0].recipients() == [world.alice.email, world.bob.email]
    for _recipients, mail in sink[0].mails:
        text = mail.as_string()
        for secret in ("CONTACT-MARKER", "Nordmann", stale, fresh, code, "working"):
            assert secret not in text
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        reminded = {check.case_id: check.reminded_at
                    for check in db.scalars(select(WorkEnvironmentCheck))}
        assert reminded[stale] is not None
        assert reminded[fresh] is None and reminded[done] is None
    sink[0].mails.clear()
    assert "No case needs a reminder" in runner.invoke(args=["notify-deadlines"]).output
    assert sink[0].mails == []
