"""Security finding 4: a session row is bound to its user, generation and case.

The attacker can write to the database but does not hold the server-keys file. Before the fix
the row's `user_id`, `user_generation` and `case_id` were clear columns outside the sealed
payload, so such a writer could repoint their own session at an administrator (or at another
reporter's case) and act as them.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from portal.db import session_factory, transaction
from portal.models import Case, Message, ServerSession, User
from tests.admin.case_support import World, report_over_http, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.helpers import csrf_token
from tests.portal.helpers import follow_up


def _rows(app: Flask, kind: str) -> list[ServerSession]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return list(db.scalars(select(ServerSession).where(ServerSession.kind == kind)))


def _generation(app: Flask, user_id: str) -> int:
    with app.app_context(), transaction(session_factory(app)) as db:
        user = db.get(User, user_id)
        assert user is not None
        return user.session_generation


def test_finding4_staff_session_repointed_to_an_admin_is_signed_out(
        world: World, admin_app: Flask) -> None:
    """A handler rewrites their own session row to name the admin: not signed in as the admin."""
    olga = signed_in(admin_app, world.olga)
    assert olga.get("/admin/users").status_code == 403
    (row,) = _rows(admin_app, "staff")
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        db.execute(update(ServerSession).where(ServerSession.lookup == row.lookup).values(
            user_id=world.adam.id, user_generation=_generation(admin_app, world.adam.id)))
    response = olga.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")
    assert _rows(admin_app, "staff") == []  # the tampered session is ended, not kept


def test_finding4_staff_session_repointed_to_another_handler_reads_nothing(
        world: World, admin_app: Flask) -> None:
    """Repointing at a handler of another company does not sign in as that handler either."""
    olga = signed_in(admin_app, world.olga)
    (row,) = _rows(admin_app, "staff")
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        db.execute(update(ServerSession).where(ServerSession.lookup == row.lookup)
                   .values(user_id=world.alice.id))
    assert olga.get("/admin/account").status_code == 302


def test_finding4_a_restored_session_row_stays_signed_out_after_sign_out_everywhere(
        world: World, admin_app: Flask) -> None:
    """A copied row put back after "sign out everywhere", with its generation raised to the
    user's new one, does not open: the generation is sealed with the payload."""
    alice = signed_in(admin_app, world.alice)
    cookie = alice.get_cookie("aktsom_staff", path="/admin")
    assert cookie is not None
    (row,) = _rows(admin_app, "staff")
    assert alice.post("/admin/logout-everywhere", data={
        "csrf_token": csrf_token(alice, "/admin/account")}).status_code == 303
    assert _rows(admin_app, "staff") == []
    generation = _generation(admin_app, world.alice.id)
    assert generation == row.user_generation + 1
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        db.add(ServerSession(lookup=row.lookup, kind=row.kind, case_id=None,
                             user_id=row.user_id, user_generation=generation,
                             sealed_payload=row.sealed_payload, created_at=row.created_at,
                             last_seen_at=row.last_seen_at))
    alice.set_cookie("aktsom_staff", cookie.value, path="/admin")
    assert alice.get("/admin/account").status_code == 302


def test_finding4_reporter_session_repointed_to_another_case_is_refused(
        world: World, portal_app: Flask) -> None:
    """A reporter's session row rewritten to another case id opens neither case."""
    reporter: FlaskClient = portal_app.test_client()
    own = report_over_http(reporter, world.unit_id, "My own report")
    report_over_http(portal_app.test_client(), world.unit_id, "Someone else's report")
    assert follow_up(reporter, own).status_code == 303
    token = csrf_token(reporter, "/case")
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        # The own case is the one the reporter's session opened (two cases made in the same
        # instant have no order by creation time).
        own_id = db.scalar(select(ServerSession.case_id).where(ServerSession.kind == "reporter"))
        other_id = db.scalar(select(Case.id).where(Case.id != own_id))
        db.execute(update(ServerSession).where(ServerSession.kind == "reporter")
                   .values(case_id=other_id))
    response = reporter.get("/case")
    assert response.status_code != 200
    assert "Someone else" not in response.get_data(as_text=True)
    assert _rows(portal_app, "reporter") == []
    posted = reporter.post("/case/messages", data={"csrf_token": token, "body": "planted"},
                           content_type="multipart/form-data")
    # Not posted: the code form comes back with the text (issue 14 §2), nothing is stored.
    assert posted.status_code == 401 and 'action="/followup"' in posted.get_data(as_text=True)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalars(select(Message).where(Message.case_id == other_id)).all() == []
        assert own_id != other_id
