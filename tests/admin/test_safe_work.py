"""A case page built for safe work (issue 14 §9): no one excludes themselves with one click,
stepping aside is confirmed on a page of its own (no JavaScript), nobody is pre-selected for
exclusion, and contradicting outcomes are refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.cases.handling import record_outcome
from portal.db import session_factory, transaction, utcnow
from portal.extensions import server_keys_of
from portal.models import CaseKeyWrap, User
from portal.refusals import Refusal
from portal.states import Outcome
from tests.admin.case_support import World, case_row, new_case, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)


def _wraps(app: Flask, case_id: str, user_id: str) -> int:
    with app.app_context(), transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(CaseKeyWrap).where(
            CaseKeyWrap.case_id == case_id, CaseKeyWrap.recipient_id == user_id)) or 0)


def _exclude_select(page: str) -> str:
    match = re.search(r'<select[^>]*name="exclude-user_id"[^>]*>(.*?)</select>', page, re.S)
    assert match, "the exclusion form is on the page"
    return match.group(1)


def test_one_click_does_not_exclude_oneself(world: World, portal_app: Flask,
                                            admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)  # Alice and Bob hold it
    alice = signed_in(admin_app, world.alice)
    response = post(alice, f"/admin/cases/{case_id}/exclude", {"exclude-user_id": world.alice.id})
    assert response.status_code == 303
    page = alice.get(f"/admin/cases/{case_id}")
    assert page.status_code == 200
    assert "You cannot leave yourself out of the case by accident" in page.get_data(as_text=True)
    assert _wraps(portal_app, case_id, world.alice.id) == 2


def test_the_exclusion_form_preselects_nobody_and_not_oneself(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    page = signed_in(admin_app, world.alice).get(f"/admin/cases/{case_id}").get_data(
        as_text=True)
    options = _exclude_select(page)
    first = re.search(r'<option([^>]*)>', options)
    assert first and 'value=""' in first.group(1)
    assert "selected" not in options
    assert world.alice.id not in options
    assert world.bob.id in options


def test_stepping_aside_is_confirmed_on_its_own_page(world: World, portal_app: Flask,
                                                     admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    case_page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert f'href="/admin/cases/{case_id}/step-aside"' in case_page
    confirm = alice.get(f"/admin/cases/{case_id}/step-aside")
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "Your keys to this case will be deleted at once" in html
    # A plain form: the confirmation works without JavaScript.
    assert f'action="/admin/cases/{case_id}/exclude"' in html
    assert "<script" not in html.split("<main", 1)[-1]
    assert 'name="exclude-confirm_self" value="yes"' in html
    # Merely opening the page changes nothing.
    assert _wraps(portal_app, case_id, world.alice.id) == 2
    response = post(alice, f"/admin/cases/{case_id}/exclude",
                    {"exclude-user_id": world.alice.id, "exclude-confirm_self": "yes"})
    assert response.headers["Location"].endswith("/admin/cases")
    assert _wraps(portal_app, case_id, world.alice.id) == 0
    assert alice.get(f"/admin/cases/{case_id}").status_code == 404


@pytest.mark.parametrize("outcome", [Outcome.UNFOUNDED, Outcome.NOT_ASSESSABLE])
def test_an_outcome_contradicting_a_breach_is_refused(world: World, portal_app: Flask,
                                                       outcome: Outcome) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        case = case_row(portal_app, case_id)
        user = db.get(User, world.alice.id)
        assert case is not None and user is not None
        case = db.merge(case)
        with pytest.raises(Refusal):
            record_outcome(db, server_keys_of(portal_app), case=case, user=user,
                           outcome=outcome.value, human_rights_breach=True)
        # Without a breach, or with a breach and a substantiated outcome, it is recorded.
        record_outcome(db, server_keys_of(portal_app), case=case, user=user,
                       outcome=outcome.value, human_rights_breach=False)
        record_outcome(db, server_keys_of(portal_app), case=case, user=user,
                       outcome=Outcome.SUBSTANTIATED.value, human_rights_breach=True)


def test_the_outcome_form_refuses_unfounded_with_a_breach(world: World, portal_app: Flask,
                                                          admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/outcome",
         {"outcome": "unfounded", "human_rights_breach": "yes"})
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "cannot also have a human-rights breach found" in page
    row = case_row(portal_app, case_id)
    assert row is not None
    assert row.outcome is None and row.human_rights_breach is None


def test_closing_is_confirmed_on_its_own_page(world: World, portal_app: Flask,
                                              admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    # The status form's post alone changes nothing: it leads to the confirmation page.
    response = post(alice, f"{url}/status", {"status": "closed", "closing_reason": "duplicate"})
    assert response.status_code == 303
    confirm_url = response.headers["Location"]
    assert "/status/confirm-close" in confirm_url and "closing_reason=duplicate" in confirm_url
    row = case_row(portal_app, case_id)
    assert row is not None and row.status != "closed" and row.closed_at is None
    html = alice.get(confirm_url).get_data(as_text=True)
    assert "its deadlines stop" in html
    assert f'action="{url}/status"' in html
    assert 'name="closing_reason" value="duplicate"' in html
    assert 'name="confirm" value="yes"' in html
    # A reason that is not one of the list is not carried into the form.
    forged = alice.get(f"{url}/status/confirm-close?closing_reason=%22%3E%3Cb%3E")
    assert 'name="closing_reason" value=""' in forged.get_data(as_text=True)
    # Confirmed: closed.
    assert post(alice, f"{url}/status", {"status": "closed", "closing_reason": "duplicate",
                                         "confirm": "yes"}).status_code == 303
    row = case_row(portal_app, case_id)
    assert row is not None and row.status == "closed"


def test_other_status_changes_need_no_confirmation(world: World, portal_app: Flask,
                                                   admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/acknowledge")
    response = post(alice, f"/admin/cases/{case_id}/status", {"status": "in_progress"})
    assert response.headers["Location"].endswith(f"/admin/cases/{case_id}")
    row = case_row(portal_app, case_id)
    assert row is not None and row.status == "in_progress"


def test_releasing_a_legal_hold_is_confirmed_on_its_own_page(world: World, portal_app: Flask,
                                                            admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    review = (utcnow() + timedelta(days=60)).date().isoformat()
    post(alice, f"{url}/legal-hold", {"hold": "1", "reason": "legal_proceedings",
                                      "review_at": review})
    row = case_row(portal_app, case_id)
    assert row is not None and row.legal_hold is True
    response = post(alice, f"{url}/legal-hold", {"hold": "0"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{url}/legal-hold/confirm-release")
    row = case_row(portal_app, case_id)
    assert row is not None and row.legal_hold is True  # nothing changed yet
    html = alice.get(f"{url}/legal-hold/confirm-release").get_data(as_text=True)
    assert "the retention period applies again" in html
    assert 'name="hold" value="0"' in html and 'name="confirm" value="yes"' in html
    post(alice, f"{url}/legal-hold", {"hold": "0", "confirm": "yes"})
    row = case_row(portal_app, case_id)
    assert row is not None and row.legal_hold is False
