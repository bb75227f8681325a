"""A channel case filed in the wrong place becomes an information request (issue 13 §1):
the description becomes the question, the contact the answer address; the request is sealed
for the compliance officers; the case is closed with its own reason and the reporter told in
the case dialogue; audited on both sides with ids only."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from admin.cases.forms import StatusForm
from portal.cases.handling import change_status
from portal.cases.reading import open_case_view
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.information import service
from portal.information.states import ContactKind, InformationAction, RequestStatus
from portal.models import AuditEvent, Case, InformationRequest, User
from portal.refusals import Refusal
from portal.states import AuditAction, AuthorKind, CaseStatus, ClosingReason, MessageKind
from tests.admin.case_support import World, case_row, new_case, open_case, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)

QUESTION = "Which of your suppliers make the uniforms, and how do you check their wages?"


def _move(app: Flask, world: World, case_id: str) -> Any:
    client = signed_in(app, world.people["alice"])
    return post(client, f"/admin/cases/{case_id}/move-to-information-request")


def _the_request(app: Flask) -> InformationRequest:
    with app.app_context(), transaction(session_factory(app)) as db:
        row = db.scalars(select(InformationRequest)).one()
        db.expunge(row)
        return row


def _reporter_messages(app: Flask, world: World, case_id: str) -> list[str]:
    with app.app_context():
        db, opened = open_case(app, case_id, world.people["alice"])
        assert opened is not None
        view = open_case_view(db, opened.case, opened.keys)
        db.close()
    return [message.body or "" for message in view.messages
            if message.author_kind == AuthorKind.HANDLER and message.kind == MessageKind.MESSAGE
            and not message.internal]


def test_a_case_with_an_email_becomes_a_sealed_request(world: World, admin_app: Flask) -> None:
    case_id, _code = new_case(admin_app, world.unit_id, QUESTION, contact="asker@example.org")
    response = _move(admin_app, world, case_id)
    assert response.status_code == 303
    request = _the_request(admin_app)
    assert request.status == RequestStatus.RECEIVED
    assert request.contact_kind == ContactKind.EMAIL and not request.named
    assert request.unit_id == world.unit_id
    # Sealed: neither the question nor the address is in a clear column.
    assert QUESTION.encode() not in request.sealed and b"asker@" not in request.sealed
    # A compliance officer opens it: the description is the question, the contact the address.
    carl = world.people["carl"]
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        opened = service.open_request(db, request.id, carl.id, carl.private_key)
        assert opened is not None
        assert (opened.question, opened.contact, opened.language) == (
            QUESTION, "asker@example.org", "en")
        # The handler who moved it holds no key to it.
        alice = world.people["alice"]
        assert service.open_request(db, request.id, alice.id, alice.private_key) is None
    case = case_row(admin_app, case_id)
    assert case is not None and case.status == CaseStatus.CLOSED
    assert case.closing_reason == ClosingReason.MOVED_TO_INFORMATION_REQUEST
    [message] = _reporter_messages(admin_app, world, case_id)
    assert request.reference in message and "in writing at the address you gave" in message
    # Audited on both sides, ids only.
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        events = list(db.scalars(select(AuditEvent)))
    by_action = {event.action: event for event in events}
    moved = by_action[str(AuditAction.CASE_MOVED_TO_INFORMATION_REQUEST)]
    assert (moved.case_id, moved.target_id, moved.actor_id) == (
        case_id, request.id, world.people["alice"].id)
    created = by_action[str(InformationAction.CREATED_FROM_CASE)]
    assert (created.case_id, created.target_id) == (None, request.id)
    for event in events:
        assert "asker" not in repr(vars(event)) and "uniforms" not in repr(vars(event))


def test_without_a_contact_the_request_says_so_and_the_reporter_is_told(
        world: World, admin_app: Flask) -> None:
    case_id, _code = new_case(admin_app, world.unit_id, QUESTION, language="nb")
    assert _move(admin_app, world, case_id).status_code == 303
    request = _the_request(admin_app)
    assert request.contact_kind == ContactKind.NONE
    [message] = _reporter_messages(admin_app, world, case_id)
    # In the reporter's language (Norwegian), saying no written answer can come.
    assert request.reference in message
    assert "forespørsel om informasjon etter åpenhetsloven" in message
    # An answer is kept in the register and nothing is delivered.
    carl = world.people["carl"]
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        opened = service.open_request(db, request.id, carl.id, carl.private_key)
        assert opened is not None and opened.contact == ""
        user = db.get(User, carl.id)
        assert user is not None
        service.answer(db, server_keys_of(admin_app), settings_of(admin_app), opened, user,
                       text="Our supplier list is on our website.",
                       factory=session_factory(admin_app))
        assert opened.request.delivery is None
        assert opened.request.status == RequestStatus.ANSWERED


def test_the_reason_is_not_for_the_plain_status_change(world: World, admin_app: Flask) -> None:
    case_id, _code = new_case(admin_app, world.unit_id, QUESTION)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        case = case_row(admin_app, case_id)
        assert case is not None
        user = db.get(User, world.people["alice"].id)
        assert user is not None
        with pytest.raises(Refusal):
            change_status(db, server_keys_of(admin_app), case=db.merge(case), user=user,
                          status=CaseStatus.CLOSED,
                          closing_reason=ClosingReason.MOVED_TO_INFORMATION_REQUEST)
    with admin_app.test_request_context():
        choices = [code for code, _label in StatusForm().closing_reason.choices]
    assert ClosingReason.MOVED_TO_INFORMATION_REQUEST not in choices


def test_a_closed_case_is_not_moved(world: World, admin_app: Flask) -> None:
    case_id, _code = new_case(admin_app, world.unit_id, QUESTION)
    client = signed_in(admin_app, world.people["alice"])
    # Closing is confirmed on its own page (issue 14 §9): the confirmed post closes the case.
    post(client, f"/admin/cases/{case_id}/status",
         {"status": "closed", "closing_reason": "withdrawn", "confirm": "yes"})
    assert (case_row(admin_app, case_id) or Case()).status == "closed"
    assert post(client, f"/admin/cases/{case_id}/move-to-information-request"
                ).status_code == 303
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert db.scalars(select(InformationRequest)).first() is None
    case = case_row(admin_app, case_id)
    assert case is not None and case.closing_reason == ClosingReason.WITHDRAWN


# -- the reverse: a request that is really a report --------------------------------------------


def test_a_request_that_is_a_report_is_closed_with_a_letter_and_no_case(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    from datetime import UTC, datetime

    from portal.information.stats import request_figures
    from portal.models import Case
    from tests.factories import csrf_token

    client = portal_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/information-request", data={
        "csrf_token": csrf_token(client, "/information-request"), "unit": world.unit_id,
        "question": "My manager takes our passports.", "name": "",
        "contact_kind": "postal", "contact": "Storgata 1, 0150 Oslo"})
    assert response.status_code in (200, 303)
    request = _the_request(admin_app)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        cases_before = len(list(db.scalars(select(Case.id))))
    carl = signed_in(admin_app, world.people["carl"])
    page = f"/admin/information-requests/{request.id}"
    assert "move-to-channel" in carl.get(page).get_data(as_text=True)
    moved = post(carl, f"{page}/move-to-channel", token_from=page)
    assert moved.status_code == 303
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        row = db.get(InformationRequest, request.id)
        assert row is not None
        assert row.status == RequestStatus.MOVED_TO_CHANNEL and row.closed_at is not None
        assert row.delivery == "to_post"
        # No case is made from it.
        assert len(list(db.scalars(select(Case.id)))) == cases_before
        person = world.people["carl"]
        opened = service.open_request(db, request.id, person.id, person.private_key)
        assert opened is not None
        [letter] = opened.letters
        assert letter["kind"] == "moved_to_channel"
        assert "whistleblowing channel" in letter["text"] and request.reference in letter["text"]
        events = [event for event in db.scalars(select(AuditEvent))
                  if event.action == str(InformationAction.MOVED_TO_CHANNEL)]
        assert [(event.target_id, event.actor_id) for event in events] == [
            (request.id, person.id)]
        # Not counted as an information request in the account.
        year = row.received_at.year
        figures = request_figures(db, year, now=datetime.now(UTC), unit_id=world.unit_id)
        assert figures.received == 0
    # Closed: a second move is refused.
    post(carl, f"{page}/move-to-channel", token_from=page)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert len([event for event in db.scalars(select(AuditEvent))
                    if event.action == str(InformationAction.MOVED_TO_CHANNEL)]) == 1
