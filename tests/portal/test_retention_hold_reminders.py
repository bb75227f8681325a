"""No endless hold (issue 11 §5): `aktsom notify-deadlines` reminds a case's handlers, once per
review date and without content, that a legal hold is due for review; renewing it starts a
new reminder."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskCliRunner

from portal.cases.legal_holds import place_legal_hold
from portal.db import session_factory, transaction, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import Case, LegalHold, User
from tests.admin.case_support import World, new_case, open_case
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.mail_sink import Sink
from tests.mail_sink import settings as settings  # noqa: F401 (fixture)
from tests.mail_sink import sink as sink  # noqa: F401 (fixture)


def _hold(app: Flask, case_id: str, days_ahead: int) -> None:
    now = utcnow()
    with app.app_context(), transaction(session_factory(app)) as db:
        case = db.get(Case, case_id)
        assert case is not None
        # Old enough that no acknowledgement or feedback reminder is due as well.
        case.acknowledgement_reminded_at = case.feedback_reminded_at = now
        case.legal_hold = True
        db.add(LegalHold(case_id=case_id, reason="legal_proceedings",
                         review_at=now + timedelta(days=days_ahead)))


def test_a_hold_near_its_review_date_is_reminded_of_once(
        world: World, portal_app: Flask, runner: FlaskCliRunner,
        sink: tuple[Sink, int]) -> None:
    soon, _ = new_case(portal_app, world.unit_id, "HOLD-CONTENT-MARKER")
    later, _ = new_case(portal_app, world.other_unit_id)
    _hold(portal_app, soon, 10)
    _hold(portal_app, later, 60)
    sink[0].mails.clear()
    result = runner.invoke(args=["notify-deadlines"])
    assert result.exit_code == 0, result.output
    assert "Reminded 2 handlers of 1 cases" in result.output
    assert sink[0].recipients() == [world.alice.email, world.bob.email]
    for _recipients, mail in sink[0].mails:
        assert "legal hold" in mail["Subject"]
        assert "HOLD-CONTENT-MARKER" not in mail.as_string() and soon not in mail.as_string()
    sink[0].mails.clear()
    assert "No case needs a reminder" in runner.invoke(args=["notify-deadlines"]).output
    # Renewed with a new date: reminded again when that one comes near.
    with portal_app.app_context():
        db, opened = open_case(portal_app, soon, world.alice)
        assert opened is not None
        place_legal_hold(db, server_keys_of(portal_app), settings_of(portal_app),
                         opened=opened, user=db.get(User, world.alice.id), reason="other",
                         note="renewed for the appeal", review_at=utcnow() + timedelta(days=5))
        db.commit()
        db.close()
    assert "Reminded 2 handlers of 1 cases" in runner.invoke(args=["notify-deadlines"]).output
