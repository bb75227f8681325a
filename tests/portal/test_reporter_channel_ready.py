"""Issue 14 §5: a channel that cannot receive says so before the reporter writes, and a
reporter who leaves out every handler is told that, not that the channel is down.

Reproduction before the fix: on a fresh install the landing page and the form said nothing;
only the post answered 503 "cannot receive reports right now", and excluding every handler
gave the same 503."""

from __future__ import annotations

import html

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.db import session_factory, transaction
from portal.models import Case
from tests.factories import make_handler, make_recovery_key, make_unit
from tests.portal.conftest import Organisation
from tests.portal.helpers import post_report

TEXT = "The supervisor takes our passports every Monday."


def _cases(app: Flask) -> int:
    with transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(Case)) or 0)


def _page(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def test_fresh_install_says_so_on_landing_and_above_the_form(client: FlaskClient,
                                                              portal_app: Flask) -> None:
    make_unit(portal_app, "NORDIC", "Nordic Security AS")
    for path in ("/", "/report"):
        page = _page(client.get(path))
        assert 'id="channel-not-ready"' in page, path
        assert "This channel cannot receive reports right now." in page
        assert 'href="/authorities"' in page
    # The notice stands before the form's first field.
    report = _page(client.get("/report"))
    assert report.index('id="channel-not-ready"') < report.index('name="category"')


def test_handlers_without_a_recovery_key_cannot_receive(client: FlaskClient,
                                                        portal_app: Flask) -> None:
    unit = make_unit(portal_app, "NORDIC", "Nordic Security AS")
    make_handler(portal_app, "Alice Handler", [unit])
    assert 'id="channel-not-ready"' in _page(client.get("/report"))
    make_recovery_key(portal_app)
    assert 'id="channel-not-ready"' not in _page(client.get("/report"))
    assert 'id="channel-not-ready"' not in _page(client.get("/"))


def test_uncertified_handler_does_not_make_the_channel_ready(client: FlaskClient,
                                                             portal_app: Flask) -> None:
    unit = make_unit(portal_app, "NORDIC", "Nordic Security AS")
    make_handler(portal_app, "Rogue Insert", [unit], certified=False)
    make_recovery_key(portal_app)
    assert 'id="channel-not-ready"' in _page(client.get("/"))


def test_a_ready_channel_shows_no_warning(client: FlaskClient,
                                         organisation: Organisation) -> None:
    for path in ("/", "/report"):
        page = _page(client.get(path))
        assert "channel-not-ready" not in page and "channel-partly-ready" not in page


def test_companies_nobody_can_receive_are_named(client: FlaskClient, portal_app: Flask) -> None:
    unit = make_unit(portal_app, "NORDIC", "Nordic Security AS")
    make_unit(portal_app, "BALTIC", "Baltic Security UAB")
    make_unit(portal_app, "GROUP", "Group compliance", is_group=True)  # no handler
    make_handler(portal_app, "Alice Handler", [unit])
    make_recovery_key(portal_app)
    page = _page(client.get("/report"))
    assert 'id="channel-partly-ready"' in page and 'id="channel-not-ready"' not in page
    assert ("Reports about these companies cannot be received right now: "
            "Baltic Security UAB.") in page
    assert "I don't know / several companies\" cannot be received right now" in page
    # And what it says is what happens: Baltic is refused, Nordic is stored.
    assert post_report(client, "dont_know", TEXT).status_code == 503
    assert _cases(portal_app) == 0
    assert post_report(client, unit, TEXT).status_code == 200
    assert _cases(portal_app) == 1


def test_excluding_every_handler_says_one_must_remain_and_keeps_the_text(
        client: FlaskClient, organisation: Organisation, portal_app: Flask) -> None:
    everyone = [organisation.alice.user_id, organisation.bob.user_id,
                organisation.grace.user_id]
    response = post_report(client, organisation.unit_id, TEXT, exclude=everyone,
                           location="Warehouse 4", contact="Signal only")
    assert response.status_code == 422
    page = _page(response)
    assert "cannot receive reports right now" not in page
    assert "you left out every case handler who could receive this report" in page
    assert "Alice Handler, Bob Handler, Grace Group" in page
    assert TEXT in page and "Warehouse 4" in page and "Signal only" in page
    assert 'href="#exclude"' in page  # the error summary points at the list
    assert _cases(portal_app) == 0
    # Unticking one is enough.
    assert post_report(client, organisation.unit_id, TEXT,
                       exclude=everyone[:2]).status_code == 200
    assert _cases(portal_app) == 1


def test_excluding_the_group_when_you_do_not_know_the_company(
        client: FlaskClient, organisation: Organisation, portal_app: Flask) -> None:
    response = post_report(client, "dont_know", TEXT, exclude=[organisation.grace.user_id])
    assert response.status_code == 422
    page = _page(response)
    assert "untick one of Grace Group." in page and TEXT in page
    assert _cases(portal_app) == 0


def test_a_channel_that_cannot_receive_still_keeps_the_text(client: FlaskClient,
                                                            portal_app: Flask) -> None:
    unit = make_unit(portal_app, "NORDIC", "Nordic Security AS")
    response = post_report(client, unit, TEXT)
    assert response.status_code == 503
    page = _page(response)
    assert TEXT in page and 'id="channel-not-ready"' in page
    assert _cases(portal_app) == 0


def test_the_notice_is_translated(client: FlaskClient, portal_app: Flask) -> None:
    make_unit(portal_app, "NORDIC", "Nordic Security AS")
    client.get("/language/nb?next=/")
    page = _page(client.get("/"))
    assert "Denne kanalen kan ikke ta imot varsler akkurat nå." in page
    assert "Finn myndighetene du kan varsle til" in page
