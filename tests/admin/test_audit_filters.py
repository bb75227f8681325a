"""Issue 14 §11, the auditor's page: actions in words, cases as links by reference, filters by
case, user and date, a page size; and "who read this report?": opening a case page is
audited as `case.viewed`, at most once per user and case in VIEW_AUDIT_INTERVAL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select

from portal.audit import record_event
from portal.cases.case_views import VIEW_AUDIT_INTERVAL, record_case_view
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of
from portal.models import AuditEvent, Case
from portal.states import ActorKind, AuditAction
from tests.admin.case_support import World, new_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROW = re.compile(r'<td data-label="#">(\d+)</td>')


def _views(app: Flask, case_id: str) -> int:
    with transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.action == AuditAction.CASE_VIEWED)) or 0)


def _reference(app: Flask, case_id: str) -> str:
    with transaction(session_factory(app)) as db:
        case = db.get(Case, case_id)
        assert case is not None and case.reference
        return case.reference


def test_opening_a_case_page_is_audited_once_per_interval(world: World, portal_app: Flask,
                                                          admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    for _ in range(3):  # a handler working the case reloads its page after each action
        assert alice.get(f"/admin/cases/{case_id}").status_code == 200
    assert _views(portal_app, case_id) == 1
    # Bob's reading is his own event.
    signed_in(admin_app, world.bob).get(f"/admin/cases/{case_id}")
    assert _views(portal_app, case_id) == 2
    # After the interval, Alice's next opening is recorded again.
    key = server_keys_of(portal_app).audit
    later = datetime.now(UTC) + VIEW_AUDIT_INTERVAL + timedelta(seconds=1)
    with transaction(session_factory(portal_app)) as db:
        assert record_case_view(db, key, case_id=case_id, user_id=world.alice.id, now=later)
        assert not record_case_view(db, key, case_id=case_id, user_id=world.alice.id,
                                    now=later + timedelta(minutes=1))
    assert _views(portal_app, case_id) == 3
    # Someone who cannot open the case leaves no "viewed" event (a 404 writes nothing).
    assert signed_in(admin_app, world.olga).get(f"/admin/cases/{case_id}").status_code == 404
    assert _views(portal_app, case_id) == 3


def test_who_read_this_report_is_the_audit_page_filtered_by_case(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    other_id, _ = new_case(portal_app, world.unit_id)
    signed_in(admin_app, world.alice).get(f"/admin/cases/{case_id}")
    signed_in(admin_app, world.bob).get(f"/admin/cases/{other_id}")
    reference = _reference(portal_app, case_id)
    audrey = signed_in(admin_app, world.audrey)
    page = audrey.get("/admin/audit").get_data(as_text=True)
    # The case is a link, by reference, to its own events; the auditor reads no case.
    assert f'href="/admin/audit?case={reference}"' in page
    assert case_id not in page
    filtered = audrey.get(f"/admin/audit?case={reference.lower()}").get_data(as_text=True)
    filtered = filtered.split("<tbody>")[1]
    assert "Case page opened" in filtered and "Alice" in filtered
    assert "Bob" not in filtered
    assert _reference(portal_app, other_id) not in filtered
    # No raw enum code without its words.
    assert "<code>case.viewed</code>" in filtered
    unknown = audrey.get("/admin/audit?case=NOPE-2026-0001").get_data(as_text=True)
    assert 'id="unknown-case"' in unknown and ROW.findall(unknown) == []


def test_the_audit_page_filters_by_user_and_date(world: World, portal_app: Flask,
                                                 admin_app: Flask) -> None:
    key = server_keys_of(portal_app).audit
    with transaction(session_factory(portal_app)) as db:
        first, middle, last = (
            record_event(db, key, action=AuditAction.CASE_NOTE_ADDED, actor_kind=ActorKind.USER,
                         actor_id=person.id, at=T0 + timedelta(days=days)).seq
            for days, person in ((0, world.alice), (1, world.bob), (2, world.alice)))
    audrey = signed_in(admin_app, world.audrey)

    def rows(query: str) -> list[int]:
        return [int(seq) for seq in
                ROW.findall(audrey.get("/admin/audit" + query).get_data(as_text=True))]

    assert rows(f"?user={world.alice.id}&until=2026-03-31") == [last, first]
    assert rows("?since=2026-03-03&until=2026-03-03") == [middle]
    assert rows(f"?user={world.bob.id}&since=2026-03-04") == []
    # A date that does not parse is shown as an error and filters nothing.
    bad = audrey.get("/admin/audit?since=not-a-date").get_data(as_text=True)
    assert "field-error" in bad


def test_the_page_size_and_the_page_links_keep_the_filters(world: World, portal_app: Flask,
                                                           admin_app: Flask) -> None:
    key = server_keys_of(portal_app).audit
    with transaction(session_factory(portal_app)) as db:
        for minute in range(30):
            record_event(db, key, action=AuditAction.CASE_NOTE_ADDED, actor_kind=ActorKind.USER,
                         actor_id=world.alice.id, at=T0 + timedelta(minutes=minute))
    audrey = signed_in(admin_app, world.audrey)
    page = audrey.get(f"/admin/audit?user={world.alice.id}&per_page=25").get_data(as_text=True)
    assert len(ROW.findall(page)) == 25
    assert "Page 1 of 2" in page
    assert (f'href="/admin/audit?user={world.alice.id}&amp;per_page=25&amp;page=2"'
            in page)
    second = audrey.get(f"/admin/audit?user={world.alice.id}&per_page=25&page=2")
    assert len(ROW.findall(second.get_data(as_text=True))) == 5
    # An unknown size falls back to the default, shown selected.
    odd = audrey.get("/admin/audit?per_page=7").get_data(as_text=True)
    assert re.search(r'<option selected value="50">|<option value="50" selected>', odd)
