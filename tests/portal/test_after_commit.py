"""Side effects follow the request's one commit (issue 8 §2): a mail goes out only after a
successful commit, and a file written for a transaction that does not commit is deleted.

Each path is tried with a failure injected after the service has run and before the commit
(an `after_request` hook that raises) and with the commit itself failing (a `before_commit`
listener that raises): no mail, no file, no row, and no case code on the page.
"""

from __future__ import annotations

import dataclasses
import io
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from config import Settings
from portal.db import (
    after_commit,
    db_session,
    discard_changes,
    engine_of,
    on_rollback,
    session_factory,
    utcnow,
)
from portal.db import transaction as db_transaction
from portal.models import Attachment, Case, Message, OrgUnit, PendingNotice
from portal.notifications import ACKNOWLEDGEMENT_DUE
from portal.storage import file_store
from tests.admin.case_support import World, new_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.factories import csrf_token
from tests.mail_sink import Sink, free_port
from tests.mail_sink import settings as settings  # noqa: F401 (fixture)
from tests.mail_sink import sink as sink  # noqa: F401 (fixture)
from tests.portal.helpers import CODE, follow_up, post_report


class InjectedFailure(RuntimeError):
    """The failure a test injects; never raised by the application itself."""


def _failure_after_the_view(app: Flask) -> Callable[[], None]:
    """A switch that makes requests raise after the view (and its service) ran, before the
    request's commit: Flask runs `after_request` hooks in reverse order, so this one runs
    before `init_db`'s. Hooks must be added before the app's first request."""
    armed: list[bool] = []

    @app.after_request
    def _explode(response: Response) -> Response:
        if armed:
            raise InjectedFailure
        return response

    return lambda: armed.append(True)


@pytest.fixture
def failing_commit() -> Iterator[Callable[[Flask], None]]:
    """Make every commit of an app's sessions fail, as a lost database connection would."""
    armed: list[Any] = []

    def _arm(app: Flask) -> None:
        factory = session_factory(app)

        def _refuse(_session: Any) -> None:
            raise InjectedFailure

        event.listen(factory, "before_commit", _refuse)
        armed.append((factory, _refuse))

    yield _arm
    for factory, listener in armed:
        event.remove(factory, "before_commit", listener)


def _count(app: Flask, model: Any) -> int:
    # A session of its own, outside the app's factory whose commits a test may have broken.
    with Session(engine_of(app)) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _nothing_left(app: Flask, sink: Sink) -> None:
    assert sink.mails == []
    assert file_store(app).all_names() == []
    assert _count(app, Attachment) == 0


@pytest.mark.parametrize("inject", ["after_the_view", "in_the_commit"])
def test_a_report_that_does_not_commit_sends_no_mail_and_leaves_no_file(
        inject: str, world: World, portal_app: Flask, sink: tuple[Sink, int],
        failing_commit: Callable[[Flask], None]) -> None:
    portal_app.config["PROPAGATE_EXCEPTIONS"] = False
    arm = _failure_after_the_view(portal_app)
    client = portal_app.test_client()
    token = csrf_token(client, "/report")
    if inject == "after_the_view":
        arm()
    else:
        failing_commit(portal_app)
    response = client.post("/report", data={
        "csrf_token": token, "category": "forced_labour", "unit": world.unit_id,
        "description": "Passports are kept.",
        "attachments": [(io.BytesIO(b"evidence " * 1000), "evidence.txt")]},
        content_type="multipart/form-data")
    assert response.status_code == 500
    # The code is never shown for a case that was not stored.
    assert CODE.search(response.get_data(as_text=True)) is None
    assert _count(portal_app, Case) == 0
    _nothing_left(portal_app, sink[0])


def test_the_same_report_commits_mails_and_keeps_its_file(world: World, portal_app: Flask,
                                                         sink: tuple[Sink, int]) -> None:
    """The control: without a failure the code is shown, the file kept, the mail sent."""
    response = post_report(portal_app.test_client(), world.unit_id, "Passports are kept.",
                           attachments=[(io.BytesIO(b"evidence"), "evidence.txt")])
    assert response.status_code == 200
    assert CODE.search(response.get_data(as_text=True)) is not None
    assert len(file_store(portal_app).all_names()) == 1
    assert sink[0].recipients() == [world.alice.email, world.bob.email]


@pytest.mark.parametrize("inject", ["after_the_view", "in_the_commit"])
def test_a_reporter_message_that_does_not_commit_sends_no_mail_and_leaves_no_file(
        inject: str, world: World, portal_app: Flask, sink: tuple[Sink, int],
        failing_commit: Callable[[Flask], None]) -> None:
    _case_id, code = new_case(portal_app, world.unit_id)
    sink[0].mails.clear()
    portal_app.config["PROPAGATE_EXCEPTIONS"] = False
    arm = _failure_after_the_view(portal_app)
    client = portal_app.test_client()
    assert follow_up(client, code).status_code == 303
    token = csrf_token(client, "/case")
    if inject == "after_the_view":
        arm()
    else:
        failing_commit(portal_app)
    response = client.post("/case/messages", data={
        "csrf_token": token, "body": "More.",
        "attachments": [(io.BytesIO(b"second file"), "more.txt")]},
        content_type="multipart/form-data")
    assert response.status_code == 500
    assert _count(portal_app, Message) == 0
    _nothing_left(portal_app, sink[0])


def test_an_escalation_whose_commit_fails_mails_nobody(
        world: World, portal_app: Flask, admin_app: Flask, sink: tuple[Sink, int],
        failing_commit: Callable[[Flask], None]) -> None:
    case_id, _code = new_case(portal_app, world.unit_id)
    sink[0].mails.clear()
    admin_app.config["PROPAGATE_EXCEPTIONS"] = False
    alice = signed_in(admin_app, world.alice)
    token = csrf_token(alice, f"/admin/cases/{case_id}")
    failing_commit(admin_app)
    response = alice.post(f"/admin/cases/{case_id}/escalate", data={
        "csrf_token": token, "manager_id": world.mona.id, "summary": "A breach."})
    assert response.status_code == 500
    assert sink[0].mails == []


def test_a_password_reset_that_does_not_commit_tells_nobody(
        world: World, admin_app: Flask, sink: tuple[Sink, int]) -> None:
    """The reset mail was sent before the commit: an admin saw "done", the holder was told,
    and the change itself could still be lost."""
    admin_app.config["PROPAGATE_EXCEPTIONS"] = False
    arm = _failure_after_the_view(admin_app)
    admin = signed_in(admin_app, world.adam)
    path = f"/admin/users/{world.bob.id}/reset"
    token = csrf_token(admin, path)
    arm()
    response = admin.post(path, data={"csrf_token": token, "password": "a fresh passphrase 7"})
    assert response.status_code == 500
    assert sink[0].mails == []


def _layer_app(portal_app: Flask) -> FlaskClient:
    portal_app.config.update(WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False)
    return portal_app.test_client()


def test_a_refusal_answered_with_a_redirect_keeps_nothing(portal_app: Flask) -> None:
    """A 303 used to commit whatever a refusing service had changed before refusing."""
    effects: list[str] = []

    @portal_app.post("/refuse")
    def refuse() -> tuple[str, int]:
        db = db_session()
        db.add(OrgUnit(code="REFUSED", name="Refused"))
        after_commit(db, lambda: effects.append("mail"))
        on_rollback(db, lambda: effects.append("undone"))
        discard_changes()
        return "", 303

    @portal_app.post("/accept")
    def accept() -> tuple[str, int]:
        db = db_session()
        db.add(OrgUnit(code="KEPT", name="Kept"))
        after_commit(db, lambda: effects.append("mail"))
        on_rollback(db, lambda: effects.append("undone"))
        return "", 303

    client = _layer_app(portal_app)
    assert client.post("/refuse").status_code == 303
    assert effects == ["undone"]
    assert client.post("/accept").status_code == 303
    assert effects == ["undone", "mail"]
    with portal_app.app_context(), db_transaction(session_factory(portal_app)) as db:
        assert set(db.scalars(select(OrgUnit.code))) == {"KEPT"}


def test_a_failing_side_effect_keeps_the_commit_and_logs_no_detail(
        portal_app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ran: list[str] = []

    @portal_app.post("/write")
    def write() -> str:
        db = db_session()
        db.add(OrgUnit(code="KEPT", name="Kept"))

        def broken() -> None:
            raise OSError("smtp.example.org refused alice@example.org")

        after_commit(db, broken)
        after_commit(db, lambda: ran.append("second"))
        return "ok"

    assert _layer_app(portal_app).post("/write").status_code == 200
    assert ran == ["second"]
    with portal_app.app_context(), db_transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(OrgUnit.code)) == "KEPT"
    assert "after-commit action failed" in caplog.text
    assert "alice@example.org" not in caplog.text and "smtp.example.org" not in caplog.text


def test_a_session_closed_without_commit_undoes_and_sends_nothing(portal_app: Flask) -> None:
    effects: list[str] = []
    with portal_app.app_context():
        session = session_factory(portal_app)()
        session.add(OrgUnit(code="LOST", name="Lost"))
        session.flush()
        after_commit(session, lambda: effects.append("mail"))
        on_rollback(session, lambda: effects.append("undone"))
        session.close()
    assert effects == ["undone"]


def test_a_reminder_that_could_not_be_sent_waits_in_the_outbox(
        world: World, portal_app: Flask, admin_app: Flask, runner: FlaskCliRunner,
        sink: tuple[Sink, int]) -> None:
    """notify-deadlines commits the reminders to the outbox before sending: a mail server
    that is down (or a crash before sending) loses nothing, and nothing goes out twice."""
    new_case(portal_app, world.unit_id, now=utcnow() - timedelta(days=6))
    sink[0].mails.clear()
    working: Settings = admin_app.extensions["aktsom.settings"]
    admin_app.extensions["aktsom.settings"] = dataclasses.replace(
        working, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    assert "Sending failed" in runner.invoke(args=["notify-deadlines"]).output
    with portal_app.app_context(), db_transaction(session_factory(portal_app)) as db:
        waiting = sorted(db.scalars(select(PendingNotice.recipient).where(
            PendingNotice.kind == ACKNOWLEDGEMENT_DUE)))
    assert waiting == [world.alice.email, world.bob.email]
    assert "Sending failed" in runner.invoke(args=["notify-deadlines"]).output
    assert _count(portal_app, PendingNotice) == 2  # not queued twice
    admin_app.extensions["aktsom.settings"] = working
    result = runner.invoke(args=["notify-deadlines"])
    assert "Reminded 2 handlers of 1 cases" in result.output, result.output
    assert sink[0].recipients() == [world.alice.email, world.bob.email]
    assert _count(portal_app, PendingNotice) == 0


def test_a_session_opened_outside_a_request_is_closed_with_its_app_context(
        app: Flask) -> None:
    """A full PostgreSQL run hung at 92 % (session 4): a session opened where no request ran
    kept its connection idle inside a transaction after the language-switch query, and the
    next TRUNCATE waited on it for ever. The app context's end now closes it."""
    with app.app_context():
        session = db_session()
        session.execute(select(OrgUnit.id).limit(1))
        assert session.in_transaction()
    assert not session.in_transaction()


def test_the_request_session_is_still_closed_after_a_request(client: FlaskClient,
                                                             app: Flask) -> None:
    seen: list[Session] = []

    @app.after_request
    def _keep(response: Response) -> Response:
        # Registered last, so it runs first: the session is still in the request's `g`.
        from flask import g

        if "db_session" in g:
            seen.append(g.db_session)
        return response

    assert client.get("/").status_code == 200
    assert seen and not seen[0].in_transaction()
