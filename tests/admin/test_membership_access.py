"""Security finding 13: access follows membership.

Before the fix, taking a handler out of a company left all their key wraps for its cases, so
they (or anyone with their key and the database) could still open every case of it. Now the
change is shown with the number of cases first, then deletes the wraps (both keys) of that
unit's cases only, audits each case, and empties SQLite's write-ahead log after the commit.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from admin.accounts.services import Actor, set_roles_and_units
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of
from portal.models import AuditEvent, CaseKeyWrap, User
from portal.refusals import Refusal
from portal.states import AuditAction
from tests.admin.case_support import World, new_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.helpers import second_admin_approves
from tests.factories import csrf_token

LOST = re.compile(r'id="cases-lost">[^<]*?: (\d+)\.')
ORPHANED = re.compile(r'id="cases-orphaned"><strong>[^<]*?: (\d+)\.')


def _wraps(app: Flask, user_id: str, case_id: str | None = None) -> int:
    query = select(func.count()).select_from(CaseKeyWrap).where(
        CaseKeyWrap.recipient_id == user_id)
    if case_id is not None:
        query = query.where(CaseKeyWrap.case_id == case_id)
    with app.app_context(), transaction(session_factory(app)) as db:
        return int(db.scalar(query) or 0)


def _save_units(admin: FlaskClient, user_id: str, roles: list[str], units: list[str],
                **extra: str) -> tuple[int, str]:
    path = f"/admin/users/{user_id}"
    response = admin.post(path, data={"csrf_token": csrf_token(admin, path), "roles": roles,
                                      "units": units, **extra})
    return response.status_code, response.get_data(as_text=True)


def _alice_in_both(world: World, admin_app: Flask) -> FlaskClient:
    """Alice handles Nordic and, from now, Baltic too (no case is lost by adding a unit)."""
    admin = signed_in(admin_app, world.adam)
    status, _ = _save_units(admin, world.alice.id, ["handler"],
                            [world.unit_id, world.other_unit_id])
    assert status == 303
    assert second_admin_approves(admin_app) == 1  # four eyes (finding 14)
    return admin


def test_finding13_removing_a_membership_takes_that_units_cases_only(
        world: World, admin_app: Flask, portal_app: Flask) -> None:
    admin = _alice_in_both(world, admin_app)
    nordic, _ = new_case(portal_app, world.unit_id, "Nordic case")
    baltic, _ = new_case(portal_app, world.other_unit_id, "Baltic case")
    alice = signed_in(admin_app, world.alice)
    assert alice.get(f"/admin/cases/{nordic}").status_code == 200
    assert _wraps(portal_app, world.alice.id, nordic) == 2  # case key and staff key

    # The warning step: nothing is changed yet, and it says how many cases go.
    status, page = _save_units(admin, world.alice.id, ["handler"], [world.other_unit_id])
    assert status == 200
    match = LOST.search(page)
    assert match and match.group(1) == "1", page[:3000]
    assert ORPHANED.search(page) is None  # Bob still holds the Nordic case
    assert _wraps(portal_app, world.alice.id, nordic) == 2
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        alice_row = db.get(User, world.alice.id)
        assert alice_row is not None and world.unit_id in alice_row.unit_ids

    status, _ = _save_units(admin, world.alice.id, ["handler"], [world.other_unit_id],
                            confirmed_loss="1")
    assert status == 303
    assert _wraps(portal_app, world.alice.id, nordic) == 0
    assert alice.get(f"/admin/cases/{nordic}").status_code == 404
    # The other company's case and the other holders are untouched.
    assert _wraps(portal_app, world.alice.id, baltic) == 2
    assert alice.get(f"/admin/cases/{baltic}").status_code == 200
    assert _wraps(portal_app, world.bob.id, nordic) == 2
    assert signed_in(admin_app, world.bob).get(f"/admin/cases/{nordic}").status_code == 200
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        events = db.execute(select(AuditEvent.case_id, AuditEvent.target_id, AuditEvent.actor_id)
                            .where(AuditEvent.action == AuditAction.CASE_ACCESS_WITHDRAWN)).all()
    assert [tuple(event) for event in events] == [(nordic, world.alice.id, world.adam.id)]


def test_finding13_a_stale_confirmation_is_asked_again(
        world: World, admin_app: Flask, portal_app: Flask) -> None:
    """A case that arrived after the warning is not taken without a new warning."""
    admin = _alice_in_both(world, admin_app)
    new_case(portal_app, world.unit_id, "First")
    new_case(portal_app, world.unit_id, "Second, after the warning")
    status, page = _save_units(admin, world.alice.id, ["handler"], [world.other_unit_id],
                               confirmed_loss="1")
    assert status == 200
    match = LOST.search(page)
    assert match and match.group(1) == "2"
    assert _wraps(portal_app, world.alice.id) == 4


def test_finding13_the_last_holder_is_warned_and_the_service_refuses_unconfirmed(
        world: World, admin_app: Flask, portal_app: Flask) -> None:
    """The reporter left Olga out of a Baltic case: Alice is its only handler besides the
    recovery key. The warning says so; the service refuses without the confirmation."""
    admin = _alice_in_both(world, admin_app)
    sole, _ = new_case(portal_app, world.other_unit_id, "Olga is involved",
                       excluded_user_ids={world.olga.id})
    assert _wraps(portal_app, world.olga.id, sole) == 0
    status, page = _save_units(admin, world.alice.id, ["handler"], [world.unit_id])
    assert status == 200
    lost, orphaned = LOST.search(page), ORPHANED.search(page)
    assert lost and lost.group(1) == "1"
    assert orphaned and orphaned.group(1) == "1"
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        alice = db.get(User, world.alice.id)
        assert alice is not None
        with pytest.raises(Refusal):
            set_roles_and_units(db, alice, server_keys_of(admin_app), Actor("system"),
                                roles=alice_roles(alice), unit_ids=[world.unit_id])
        db.rollback()
    assert _wraps(portal_app, world.alice.id, sole) == 2
    status, _ = _save_units(admin, world.alice.id, ["handler"], [world.unit_id],
                            confirmed_loss="1")
    assert status == 303
    assert _wraps(portal_app, world.alice.id, sole) == 0
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        recovery = db.scalar(select(func.count()).select_from(CaseKeyWrap).where(
            CaseKeyWrap.case_id == sole, CaseKeyWrap.recipient_kind == "recovery"))
    assert recovery == 2  # the recovery key can still share it again


def alice_roles(user: User) -> list[object]:
    return [item.role for item in user.roles]


def test_finding13_a_group_handler_keeps_group_cases_while_in_a_group_unit(
        world: World, admin_app: Flask, portal_app: Flask) -> None:
    """A case routed to the group belongs to the group units: leaving an ordinary unit does
    not take it, leaving the group does."""
    admin = signed_in(admin_app, world.adam)
    status, _ = _save_units(admin, world.grace.id, ["handler"],
                            [world.group_unit_id, world.other_unit_id])
    assert status == 303
    assert second_admin_approves(admin_app) == 1  # four eyes (finding 14)
    routed, _ = new_case(portal_app, None, "No company chosen")
    assert _wraps(portal_app, world.grace.id, routed) == 2
    status, _ = _save_units(admin, world.grace.id, ["handler"], [world.group_unit_id])
    assert status == 303  # no case of Baltic: saved at once
    assert _wraps(portal_app, world.grace.id, routed) == 2
    status, page = _save_units(admin, world.grace.id, ["handler"], [world.other_unit_id])
    assert status == 200 and LOST.search(page)


def test_finding13_deleted_wraps_do_not_linger_in_the_sqlite_files(
        world: World, admin_app: Flask, portal_app: Flask, database_url: str) -> None:
    """After the commit the write-ahead log is emptied, and the freed space is zeroed."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite files only; PostgreSQL needs VACUUM (docs/crypto.md)")
    admin = _alice_in_both(world, admin_app)
    nordic, _ = new_case(portal_app, world.unit_id, "Nordic case")
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        blobs = list(db.scalars(select(CaseKeyWrap.blob).where(
            CaseKeyWrap.case_id == nordic, CaseKeyWrap.recipient_id == world.alice.id)))
    assert len(blobs) == 2
    status, _ = _save_units(admin, world.alice.id, ["handler"], [world.other_unit_id],
                            confirmed_loss="1")
    assert status == 303
    path = Path(make_url(database_url).database or "")
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    stored = path.read_bytes()
    for blob in blobs:
        assert blob[-64:] not in stored
