"""The handler's task to inform the person concerned (GDPR Art. 14, issue 11 §4): a decision
on every case (informed / deferred with a reason, a sealed justification and a review day /
not applicable), overdue one month after receipt or once the review day has passed, audited
without content, refused when incomplete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select, update

from portal.cases.concerned_person import (
    ConcernedPersonAction,
    overdue_case_ids,
    record_decision,
)
from portal.db import session_factory, transaction, utcnow
from portal.extensions import server_keys_of
from portal.models import AuditEvent, ConcernedPersonNotice, User
from portal.models.concerned_person import ConcernedPersonReason, ConcernedPersonStatus
from tests.admin.case_support import World, new_case, open_case, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)

NOTE = "NOTE-MARKER-8812 the line manager would warn the supplier"


def _notice(app: Flask, case_id: str) -> ConcernedPersonNotice | None:
    with app.app_context(), transaction(session_factory(app)) as db:
        return db.scalar(select(ConcernedPersonNotice)
                         .where(ConcernedPersonNotice.case_id == case_id))


def _actions(app: Flask, case_id: str) -> list[str]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return list(db.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case_id)
                               .order_by(AuditEvent.seq)))


def _day(offset: int) -> str:
    return (utcnow() + timedelta(days=offset)).date().isoformat()


def test_open_task_is_shown_and_due_one_month_after_receipt(
        world: World, admin_app: Flask, portal_app: Flask) -> None:
    case_id, _code = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "Informing the person concerned" in page
    assert "Not yet decided" in page
    assert 'id="concerned-person-overdue"' not in page
    # Received more than a month ago and still undecided: overdue (Art. 14(3)(a)).
    old_id, _code = new_case(portal_app, world.unit_id, now=utcnow() - timedelta(days=40))
    page = alice.get(f"/admin/cases/{old_id}").get_data(as_text=True)
    assert 'id="concerned-person-overdue"' in page
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert overdue_case_ids(db, [case_id, old_id], utcnow()) == {old_id}
    # The case list flags the overdue one only.
    listing = alice.get("/admin/cases").get_data(as_text=True)
    assert listing.count("concerned-person-overdue") == 1


def test_deferral_is_recorded_sealed_and_audited(world: World, admin_app: Flask,
                                                 portal_app: Flask) -> None:
    case_id, _code = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    response = post(alice, f"{url}/concerned-person", {
        "status": "deferred", "reason": "investigation", "review_on": _day(30), "note": NOTE,
    }, token_from=url)
    assert response.status_code == 303
    notice = _notice(portal_app, case_id)
    assert notice is not None
    assert notice.status == ConcernedPersonStatus.DEFERRED
    assert notice.reason == ConcernedPersonReason.INVESTIGATION
    assert notice.review_on is not None and notice.review_on.date().isoformat() == _day(30)
    # The justification is sealed: not in the row, not in the audit chain.
    assert notice.sealed_note is not None and b"NOTE-MARKER" not in notice.sealed_note
    assert ConcernedPersonAction.DEFERRED in _actions(portal_app, case_id)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        for event in db.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)):
            assert "NOTE-MARKER" not in repr(vars(event))
    # The case's handlers read it; the task is not overdue before the review day.
    page = alice.get(url).get_data(as_text=True)
    assert NOTE in page
    assert 'id="concerned-person-overdue"' not in page


def test_deferral_overdue_once_the_review_day_passes(world: World, admin_app: Flask,
                                                     portal_app: Flask) -> None:
    received = utcnow() - timedelta(days=90)
    case_id, _code = new_case(portal_app, world.unit_id, now=received)
    with portal_app.app_context():
        db, opened = open_case(portal_app, case_id, world.alice)
        assert opened is not None
        user = db.get(User, world.alice.id)
        assert user is not None
        record_decision(db, server_keys_of(portal_app), opened=opened, user=user,
                        status=ConcernedPersonStatus.DEFERRED,
                        reason=ConcernedPersonReason.REPORTER_IDENTITY,
                        review_on=received + timedelta(days=30), note=NOTE,
                        now=received + timedelta(days=1))
        db.commit()
        db.close()
    page = signed_in(admin_app, world.alice).get(f"/admin/cases/{case_id}").get_data(
        as_text=True)
    assert 'id="concerned-person-overdue"' in page
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert overdue_case_ids(db, [case_id], utcnow()) == {case_id}


def test_informed_and_not_applicable_close_the_task(world: World, admin_app: Flask,
                                                    portal_app: Flask) -> None:
    case_id, _code = new_case(portal_app, world.unit_id, now=utcnow() - timedelta(days=40))
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    post(alice, f"{url}/concerned-person", {"status": "informed", "informed_on": _day(0)},
         token_from=url)
    notice = _notice(portal_app, case_id)
    assert notice is not None and notice.status == ConcernedPersonStatus.INFORMED
    assert notice.informed_on is not None
    assert 'id="concerned-person-overdue"' not in alice.get(url).get_data(as_text=True)
    post(alice, f"{url}/concerned-person", {"status": "not_applicable", "reason": "no_person"},
         token_from=url)
    notice = _notice(portal_app, case_id)
    assert notice is not None and notice.status == ConcernedPersonStatus.NOT_APPLICABLE
    assert notice.informed_on is None
    assert _actions(portal_app, case_id)[-2:] == [ConcernedPersonAction.INFORMED,
                                                  ConcernedPersonAction.NOT_APPLICABLE]


def test_incomplete_decisions_are_refused(world: World, admin_app: Flask,
                                          portal_app: Flask) -> None:
    case_id, _code = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    for data in (
        {"status": "deferred", "reason": "investigation", "review_on": _day(30)},  # no note
        {"status": "deferred", "review_on": _day(30), "note": NOTE},  # no reason
        {"status": "deferred", "reason": "no_person", "review_on": _day(30), "note": NOTE},
        {"status": "deferred", "reason": "investigation", "review_on": _day(0), "note": NOTE},
        # Never an endless deferral: reviewed within about six months.
        {"status": "deferred", "reason": "investigation", "review_on": _day(400),
         "note": NOTE},
        {"status": "informed"},  # no day
        {"status": "informed", "informed_on": _day(2)},  # in the future
        {"status": "not_applicable", "reason": "investigation"},
        {"status": "bogus"},
    ):
        response = post(alice, f"{url}/concerned-person", data, token_from=url)
        # Refused by the service (303), or sent back filled in as a failed form (422).
        assert response.status_code in (303, 422), data
        assert _notice(portal_app, case_id) is None, data
    assert not any(action.startswith("case.concerned_person")
                   for action in _actions(portal_app, case_id))


def test_only_the_case_handlers_may_record(world: World, admin_app: Flask,
                                           portal_app: Flask) -> None:
    case_id, _code = new_case(portal_app, world.unit_id)
    url = f"/admin/cases/{case_id}"
    for person in (world.olga, world.adam, world.audrey):
        client = signed_in(admin_app, person)
        response = post(client, f"{url}/concerned-person",
                        {"status": "not_applicable", "reason": "no_person"},
                        token_from="/admin/")
        assert response.status_code in (403, 404)
    assert _notice(portal_app, case_id) is None


def test_a_moved_review_day_breaks_the_sealed_note(world: World, admin_app: Flask,
                                                   portal_app: Flask) -> None:
    """A database writer who extends a deferral leaves a justification that fails its check."""
    case_id, _code = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    post(alice, f"{url}/concerned-person", {
        "status": "deferred", "reason": "investigation", "review_on": _day(30), "note": NOTE,
    }, token_from=url)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        db.execute(update(ConcernedPersonNotice).where(
            ConcernedPersonNotice.case_id == case_id).values(
            review_on=datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            + timedelta(days=150)))
    page = alice.get(url).get_data(as_text=True)
    assert NOTE not in page
    assert "failed its integrity check" in page
