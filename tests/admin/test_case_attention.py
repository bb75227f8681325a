"""Issue 14 §8, "what needs me": unread marks per handler (a reporter's new message marks the
case until the handler opens it), the last activity, the optional assignee and the list's
"assigned to me" and "unread" filters, which survive a language switch."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select

from portal.cases.case_views import seen_states
from portal.db import session_factory, transaction
from portal.models import AuditEvent, CaseAssignment, CaseView, Role
from tests.admin.case_support import (
    World,
    exclude_with_four_eyes,
    make_person,
    new_case,
    post,
    signed_in,
)
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.factories import csrf_token
from tests.portal.helpers import follow_up

LINK = re.compile(r'href="/admin/cases/([0-9a-f]{32})"')
NEW_MESSAGE = "new message from the reporter"
NOT_OPENED = "not opened by you yet"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _listed(client: FlaskClient, query: str = "") -> str:
    return client.get("/admin/cases" + query).get_data(as_text=True)


def _reporter_writes(client: FlaskClient, code: str, body: str) -> None:
    follow_up(client, code)
    response = client.post("/case/messages", data={"csrf_token": csrf_token(client, "/case"),
                                                   "body": body},
                           content_type="multipart/form-data")
    assert response.status_code == 303


def _actions(app: Flask, case_id: str) -> list[tuple[str, str | None, str | None]]:
    with transaction(session_factory(app)) as db:
        return [(row.action, row.actor_id, row.target_id) for row in db.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id)
            .order_by(AuditEvent.seq))]


def test_a_reporter_message_marks_the_case_unread_until_the_handler_opens_it(
        world: World, portal_app: Flask, admin_app: Flask, client: FlaskClient) -> None:
    case_id, code = new_case(portal_app, world.unit_id, "UNREAD-REPORT-TEXT")
    alice, bob = signed_in(admin_app, world.alice), signed_in(admin_app, world.bob)
    # A case never opened is "new to you", and the "unread" filter finds it.
    assert NOT_OPENED in _listed(alice)
    assert LINK.findall(_listed(alice, "?unread=y")) == [case_id]
    alice.get(f"/admin/cases/{case_id}")
    page = _listed(alice)
    assert NOT_OPENED not in page and NEW_MESSAGE not in page
    assert LINK.findall(_listed(alice, "?unread=y")) == []
    # The reporter writes: unread again for Alice, until she opens the case.
    _reporter_writes(client, code, "UNREAD-MESSAGE-TEXT")
    page = _listed(alice)
    assert NEW_MESSAGE in page
    assert "UNREAD-MESSAGE-TEXT" not in page and "UNREAD-REPORT-TEXT" not in page
    assert LINK.findall(_listed(alice, "?unread=y")) == [case_id]
    # Per handler: Bob never opened it; his mark is his own.
    assert NOT_OPENED in _listed(bob)
    assert "UNREAD-MESSAGE-TEXT" in alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert NEW_MESSAGE not in _listed(alice)
    assert LINK.findall(_listed(alice, "?unread=y")) == []
    # A handler's own reply marks nothing.
    post(alice, f"/admin/cases/{case_id}/messages", {"body": "Thanks.", "is_feedback": "update"})
    assert LINK.findall(_listed(alice, "?unread=y")) == []


def test_the_view_row_holds_no_content(world: World, portal_app: Flask, admin_app: Flask,
                                       client: FlaskClient) -> None:
    case_id, code = new_case(portal_app, world.unit_id, "VIEW-ROW-SECRET")
    _reporter_writes(client, code, "VIEW-ROW-MESSAGE")
    signed_in(admin_app, world.alice).get(f"/admin/cases/{case_id}")
    columns = {column.name for column in inspect(CaseView).columns}
    assert columns == {"case_id", "user_id", "seen_seq", "seen_at", "audited_at"}
    with transaction(session_factory(portal_app)) as db:
        row = db.get(CaseView, (case_id, world.alice.id))
        assert row is not None
        # The message numbers (the report's first message is 0): nothing but numbers.
        assert row.seen_seq >= 0 and row.audited_at is not None


def test_the_last_activity_is_the_newest_message_or_clock_stop(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    quiet, _ = new_case(portal_app, world.unit_id, now=T0)
    busy, _ = new_case(portal_app, world.unit_id, now=T0)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{busy}/notes", {"body": "A note."})
    with transaction(session_factory(portal_app)) as db:
        states = seen_states(db, world.alice.id, [quiet, busy])
    assert states[quiet].last_activity == T0.replace(hour=0)
    assert states[busy].last_activity > datetime.now(UTC) - timedelta(minutes=5)
    assert 'class="last-activity"' in _listed(alice)


def test_the_assignee_is_set_and_cleared_by_a_holder_with_csrf_and_audited(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    url = f"/admin/cases/{case_id}/assignee"
    alice, bob = signed_in(admin_app, world.alice), signed_in(admin_app, world.bob)
    assert alice.post(url, data={"assignee-user_id": world.bob.id}).status_code == 400
    response = post(alice, url, {"assignee-user_id": world.bob.id})
    assert response.status_code == 303
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "Assigned to Bob." in page
    # "Assigned to me": Bob's case, not Alice's.
    assert LINK.findall(_listed(bob, "?mine=y")) == [case_id]
    assert LINK.findall(_listed(alice, "?mine=y")) == []
    assert ("case.assigned", world.alice.id, world.bob.id) in _actions(portal_app, case_id)
    post(alice, url, {"assignee-user_id": ""})
    assert LINK.findall(_listed(bob, "?mine=y")) == []
    assert ("case.unassigned", world.alice.id, world.bob.id) in _actions(portal_app, case_id)


def test_only_someone_who_can_read_the_case_can_be_its_assignee(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    # Olga (Baltic) holds no key of the case; Mona is a manager; neither is offered or taken.
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    offered = page.split('id="assignee-heading"')[1].split("</section>")[0]
    assert f'value="{world.bob.id}"' in offered
    assert f'value="{world.olga.id}"' not in offered
    assert f'value="{world.mona.id}"' not in offered
    for outsider in (world.olga, world.mona):
        response = post(alice, f"/admin/cases/{case_id}/assignee",
                        {"assignee-user_id": outsider.id})
        assert response.status_code == 303
        with transaction(session_factory(portal_app)) as db:
            assert db.get(CaseAssignment, case_id) is None
    # And Olga cannot set anything on a case she cannot open.
    olga = signed_in(admin_app, world.olga)
    assert post(olga, f"/admin/cases/{case_id}/assignee",
                {"assignee-user_id": world.olga.id}).status_code == 404


def test_a_handler_left_out_of_the_case_stops_being_its_assignee(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/assignee", {"assignee-user_id": world.bob.id})
    approver_person = make_person(portal_app, "Hana", (Role.HANDLER,), ("NORDIC",))
    exclude_with_four_eyes(admin_app, alice, case_id, world.bob.id, approver_person)
    with transaction(session_factory(portal_app)) as db:
        assert db.get(CaseAssignment, case_id) is None
    assert ("case.unassigned", world.bob.id) in {
        (action, target) for action, _actor, target in _actions(portal_app, case_id)}
    assert "Nobody is assigned to this case." in alice.get(
        f"/admin/cases/{case_id}").get_data(as_text=True)


def test_the_language_links_keep_the_list_filters(world: World, portal_app: Flask,
                                                  admin_app: Flask) -> None:
    alice = signed_in(admin_app, world.alice)
    page = _listed(alice, "?mine=y&unread=y&status=new")
    link = re.search(r'href="(/admin/language/nb\?next=[^"]+)"', page)
    assert link is not None
    response = alice.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/cases?mine=y&unread=y&status=new"
    translated = alice.get(response.headers["Location"]).get_data(as_text=True)
    assert 'lang="nb"' in translated
    assert re.search(r'name="mine"[^>]*checked|checked[^>]*name="mine"', translated)


def test_a_handler_whose_membership_is_withdrawn_stops_being_the_assignee(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/assignee", {"assignee-user_id": world.bob.id})
    admin = signed_in(admin_app, world.adam)
    path = f"/admin/users/{world.bob.id}"
    # Bob leaves Nordic for Baltic, confirmed after the warning (security finding 13).
    response = admin.post(path, data={"csrf_token": csrf_token(admin, path),
                                      "roles": ["handler"], "units": [world.other_unit_id],
                                      "confirmed_loss": "1"})
    assert response.status_code == 303
    with transaction(session_factory(portal_app)) as db:
        assert db.get(CaseAssignment, case_id) is None
    assert ("case.unassigned", world.adam.id, world.bob.id) in _actions(portal_app, case_id)
