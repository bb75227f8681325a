"""A report of retaliation linked to the earlier report (issue 11 §7(c)): the reporter picks
the retaliation category and is never asked for the earlier code; a handler links the two
cases by id, only to a case they can open; the link is ids only, audited on both cases and
shown on both pages to those who can open the other case."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from config.categories import DEFAULT_CATEGORIES, RETALIATION
from portal.db import session_factory, transaction
from portal.models import AuditEvent, CaseLink
from tests.admin.case_support import World, new_case, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)

NOT_OPENABLE = "There is no case with that id that you can open."
FIELD = re.compile(r'<(?:input|textarea|select)[^>]*name="([^"]+)"')


def _links(app: Flask) -> list[tuple[str, str, str | None]]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return [(link.case_id, link.earlier_case_id, link.linked_by)
                for link in db.scalars(select(CaseLink))]


def _events(app: Flask, action: str) -> list[tuple[str | None, str | None]]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return [(event.case_id, event.target_id) for event in db.scalars(
            select(AuditEvent).where(AuditEvent.action == action))]


def _flashes(client: FlaskClient, case_id: str) -> str:
    return client.get(f"/admin/cases/{case_id}").get_data(as_text=True)


def test_the_reporter_chooses_retaliation_and_is_never_asked_for_a_code(
        client: FlaskClient) -> None:
    assert RETALIATION in {category.code for category in DEFAULT_CATEGORIES}
    form = client.get("/report").get_data(as_text=True)
    assert "Retaliation for an earlier report" in form
    assert f'value="{RETALIATION}"' in form
    # No field of the form asks for another case or its code.
    names = set(FIELD.findall(form))
    assert not any("code" in name or "case" in name or "earlier" in name for name in names)


def test_a_handler_links_the_earlier_case_shown_and_audited_on_both(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    earlier, _ = new_case(portal_app, world.unit_id, "The first report.")
    later, _ = new_case(portal_app, world.unit_id, "I was moved after reporting.",
                        category=RETALIATION, human_rights=False)
    alice = signed_in(admin_app, world.alice)
    response = post(alice, f"/admin/cases/{later}/links", {"earlier_case_id": f" {earlier} "})
    assert response.status_code == 303
    assert _links(portal_app) == [(later, earlier, world.alice.id)]
    assert sorted(_events(portal_app, "case.linked_to_earlier_case")) == sorted(
        [(later, earlier), (earlier, later)])
    later_page = alice.get(f"/admin/cases/{later}").get_data(as_text=True)
    assert "This case reports retaliation for the earlier case" in later_page
    assert f'href="/admin/cases/{earlier}"' in later_page
    bob = signed_in(admin_app, world.bob)
    earlier_page = bob.get(f"/admin/cases/{earlier}").get_data(as_text=True)
    assert "A later case reports retaliation for this one" in earlier_page
    assert f'href="/admin/cases/{later}"' in earlier_page
    # Twice is refused.
    post(alice, f"/admin/cases/{later}/links", {"earlier_case_id": earlier})
    assert len(_links(portal_app)) == 1


def test_only_a_case_the_handler_can_open_can_be_linked(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    later, _ = new_case(portal_app, world.unit_id, "Moved after reporting.",
                        category=RETALIATION, human_rights=False)
    baltic, _ = new_case(portal_app, world.other_unit_id, "Olga's case.")
    alice = signed_in(admin_app, world.alice)
    # A case that exists but that Alice cannot open, and one that does not exist, read alike.
    post(alice, f"/admin/cases/{later}/links", {"earlier_case_id": baltic})
    assert NOT_OPENABLE in _flashes(alice, later)
    post(alice, f"/admin/cases/{later}/links", {"earlier_case_id": "0" * 32})
    assert NOT_OPENABLE in _flashes(alice, later)
    post(alice, f"/admin/cases/{later}/links", {"earlier_case_id": "not an id"})
    assert NOT_OPENABLE in _flashes(alice, later)
    post(alice, f"/admin/cases/{later}/links", {"earlier_case_id": later})
    assert "A case cannot be linked to itself." in _flashes(alice, later)
    assert _links(portal_app) == []
    assert _events(portal_app, "case.linked_to_earlier_case") == []
    # Nor can someone who cannot open the later case add a link to it.
    olga = signed_in(admin_app, world.olga)
    assert post(olga, f"/admin/cases/{later}/links",
                {"earlier_case_id": baltic}).status_code == 404
    assert _links(portal_app) == []


def test_a_handler_left_out_of_the_later_case_does_not_see_the_link(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    earlier, _ = new_case(portal_app, world.unit_id, "The first report.")
    # The reporter left Bob out of the report of retaliation (it may be about him).
    later, _ = new_case(portal_app, world.unit_id, "Bob moved me after my report.",
                        category=RETALIATION, human_rights=False,
                        excluded_user_ids={world.bob.id})
    alice = signed_in(admin_app, world.alice)
    assert post(alice, f"/admin/cases/{later}/links",
                {"earlier_case_id": earlier}).status_code == 303
    bob_page = signed_in(admin_app, world.bob).get(f"/admin/cases/{earlier}")
    html = bob_page.get_data(as_text=True)
    assert later not in html
    assert "A later case reports retaliation for this one" not in html


def test_removing_a_link_is_audited_on_both_cases(world: World, portal_app: Flask,
                                                  admin_app: Flask) -> None:
    earlier, _ = new_case(portal_app, world.unit_id, "The first report.")
    later, _ = new_case(portal_app, world.unit_id, "Moved after reporting.",
                        category=RETALIATION, human_rights=False)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{later}/links", {"earlier_case_id": earlier})
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        link_id = db.scalars(select(CaseLink.id)).one()
    # Olga cannot remove it (404: she cannot open the case), Bob can, from the earlier case.
    olga = signed_in(admin_app, world.olga)
    assert post(olga, f"/admin/cases/{later}/links/{link_id}/remove").status_code == 404
    bob = signed_in(admin_app, world.bob)
    assert post(bob, f"/admin/cases/{earlier}/links/{link_id}/remove").status_code == 303
    assert _links(portal_app) == []
    assert sorted(_events(portal_app, "case.unlinked_from_earlier_case")) == sorted(
        [(later, earlier), (earlier, later)])
