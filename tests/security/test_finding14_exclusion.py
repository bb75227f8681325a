"""Security finding 14: one handler could exclude all co-handlers alone and keep the case.
Leaving someone else out now takes a second holder's approval; the excluded person and the
group are told; an exclusion is reversed by two people, audited."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.db import session_factory, transaction
from portal.models import AuditEvent, CaseKeyWrap
from tests.admin.case_support import (
    World,
    approve_access_request,
    new_case,
    post,
    signed_in,
)
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.mail_sink import Sink
from tests.mail_sink import settings as settings  # noqa: F401 (fixture)
from tests.mail_sink import sink as sink  # noqa: F401 (fixture)


def wraps_of(app: Flask, case_id: str, user_id: str) -> int:
    with app.app_context(), transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(CaseKeyWrap).where(
            CaseKeyWrap.case_id == case_id, CaseKeyWrap.recipient_id == user_id)) or 0)


def actions(app: Flask) -> list[str]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def alice_asks_to_leave_bob_out(world: World, portal_app: Flask,
                                admin_app: Flask) -> tuple[str, FlaskClient]:
    """A Nordic case Alice shares with Olga (a second holder to approve); Alice asks to leave
    Bob out. Returns the case id and Alice's client."""
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/grant", {"grant-user_id": world.olga.id,
                                                  "grant-reason": "expertise"})
    post(alice, f"/admin/cases/{case_id}/exclude", {"exclude-user_id": world.bob.id,
                                                   "exclude-confirm": "yes"})
    return case_id, alice


def test_finding14_one_handler_cannot_exclude_a_co_handler_alone(
        world: World, portal_app: Flask, admin_app: Flask, sink: tuple[Sink, int]) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/exclude", {"exclude-user_id": world.bob.id,
                                                   "exclude-confirm": "yes"})
    assert wraps_of(portal_app, case_id, world.bob.id) == 2
    # Neither the one who asked nor the one it is about can approve.
    bob = signed_in(admin_app, world.bob)
    for client in (alice, bob):
        approve_access_request(admin_app, client, case_id)
        assert wraps_of(portal_app, case_id, world.bob.id) == 2
    assert "case.user_excluded" not in actions(portal_app)
    assert "asks to leave Bob out of this case" in bob.get(
        f"/admin/cases/{case_id}").get_data(as_text=True)


def test_finding14_a_second_holder_approves_and_the_person_and_group_are_told(
        world: World, portal_app: Flask, admin_app: Flask, sink: tuple[Sink, int]) -> None:
    case_id, alice = alice_asks_to_leave_bob_out(world, portal_app, admin_app)
    sink[0].mails.clear()
    response = approve_access_request(admin_app, signed_in(admin_app, world.olga), case_id)
    assert response.status_code == 303
    assert wraps_of(portal_app, case_id, world.bob.id) == 0
    assert actions(portal_app)[-2:] == ["approval.granted", "case.user_excluded"]
    # Bob hears that access changed, and so do the group-level handlers: never which case.
    assert sink[0].recipients() == sorted([world.bob.email, world.grace.email])
    for _rcpts, mail in sink[0].mails:
        assert case_id not in mail.as_string()


def test_finding14_an_exclusion_is_reversed_by_two_people(
        world: World, portal_app: Flask, admin_app: Flask, sink: tuple[Sink, int]) -> None:
    case_id, alice = alice_asks_to_leave_bob_out(world, portal_app, admin_app)
    olga = signed_in(admin_app, world.olga)
    approve_access_request(admin_app, olga, case_id)
    assert wraps_of(portal_app, case_id, world.bob.id) == 0
    post(alice, f"/admin/cases/{case_id}/reinstate", {"reinstate-user_id": world.bob.id})
    approve_access_request(admin_app, alice, case_id)  # her own request: refused
    assert wraps_of(portal_app, case_id, world.bob.id) == 0
    approve_access_request(admin_app, olga, case_id)
    assert wraps_of(portal_app, case_id, world.bob.id) == 2
    assert "case.user_reinstated" in actions(portal_app)
    bob = signed_in(admin_app, world.bob)
    assert bob.get(f"/admin/cases/{case_id}").status_code == 200


def test_finding14_a_rejected_exclusion_changes_nothing(
        world: World, portal_app: Flask, admin_app: Flask, sink: tuple[Sink, int]) -> None:
    case_id, alice = alice_asks_to_leave_bob_out(world, portal_app, admin_app)
    approve_access_request(admin_app, signed_in(admin_app, world.olga), case_id,
                           decision="reject")
    assert wraps_of(portal_app, case_id, world.bob.id) == 2
    assert "approval.rejected" in actions(portal_app)
