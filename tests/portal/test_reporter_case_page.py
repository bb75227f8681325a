"""Issue 14 §4: the reporter's case page. Messages from handlers and from the reporter differ by
label and class (not only colour), "Log out" is a secondary button away from "Send message",
the reporter can review what they gave (from their own sealed answers), and attachments are
listed plainly. Checked in the DOM (lxml), no screenshots.

Reproduction before the fix: handler messages had no class or label of their own, "Log out"
was a primary-looking submit button right under "Send message", and the page showed only the
description of what the reporter had given."""

from __future__ import annotations

import io

import lxml.html
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.cases.handling import open_for_handler, reply_to_reporter
from portal.db import session_factory
from portal.extensions import server_keys_of
from portal.models import Case, User
from tests.factories import csrf_token
from tests.portal.conftest import Organisation
from tests.portal.helpers import follow_up, submit

TEXT = "The agency keeps our passports."


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _find(node: lxml.html.HtmlElement, path: str) -> list[lxml.html.HtmlElement]:
    return list(node.xpath(path))


def _dom(client: FlaskClient) -> lxml.html.HtmlElement:
    response = client.get("/case")
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True))


def _handler_replies(app: Flask, organisation: Organisation, body: str) -> None:
    with app.app_context():
        db = session_factory(app)()
        with db:
            case_id = db.scalars(select(Case.id)).one()
            user = db.get(User, organisation.alice.user_id)
            assert user is not None
            opened = open_for_handler(db, case_id, user, organisation.alice.private_key)
            assert opened is not None
            reply_to_reporter(db, server_keys_of(app), opened=opened, user=user, body=body,
                              is_feedback=False)
            db.commit()


def _reporter_writes(client: FlaskClient, body: str) -> None:
    response = client.post("/case/messages", data={
        "csrf_token": csrf_token(client, "/case"), "body": body},
        content_type="multipart/form-data")
    assert response.status_code == 303


def test_handler_and_reporter_messages_differ_by_label_and_class(
        client: FlaskClient, organisation: Organisation, portal_app: Flask) -> None:
    follow_up(client, submit(client, organisation.unit_id, TEXT))
    _handler_replies(portal_app, organisation, "Can you tell us which site?")
    _reporter_writes(client, "The site in Gdansk.")
    dom = _dom(client)
    messages = f"//ol[{_cls('dialogue')}]/li[{_cls('message')}"
    handler = _find(dom, f"{messages} and {_cls('from-handler')}]")
    reporter = _find(dom, f"{messages} and {_cls('from-reporter')}]")
    assert len(handler) == 1 and len(reporter) == 1
    assert "Can you tell us which site?" in handler[0].text_content()
    assert "The site in Gdansk." in reporter[0].text_content()
    label = f".//*[{_cls('author-label')}]"
    assert _find(handler[0], label)[0].text_content().strip() == "Case handler"
    assert _find(reporter[0], label)[0].text_content().strip() == "You"
    # Never both classes on one message.
    assert not _find(dom, f"//li[{_cls('from-handler')} and {_cls('from-reporter')}]")


def test_log_out_is_a_secondary_button_away_from_send(client: FlaskClient,
                                                      organisation: Organisation) -> None:
    follow_up(client, submit(client, organisation.unit_id, TEXT))
    dom = _dom(client)
    logout = _find(dom, "//form[@action='/case/logout']//button")
    assert len(logout) == 1
    classes = (logout[0].get("class") or "").split()
    assert "secondary" in classes and "primary" not in classes
    send_form = _find(dom, "//form[@action='/case/messages']")[0]
    assert not _find(send_form, f".//button[{_cls('secondary')}]")
    send = _find(send_form, f".//button[{_cls('primary')}]")[0]
    assert send.text_content().strip() == "Send message"
    # Away from "Send": before the case itself, not next to the message form.
    page = list(dom.iter())
    logout_form = logout[0].getparent()
    assert page.index(logout_form) < page.index(_find(dom, "//h1")[0])
    assert page.index(logout_form) < page.index(send_form)
    # Log out still ends the session at once.
    assert client.post("/case/logout", data={
        "csrf_token": csrf_token(client, "/case")}).status_code == 303
    assert client.get("/case").status_code == 303


def test_the_reporter_reviews_what_they_gave(client: FlaskClient,
                                             organisation: Organisation) -> None:
    follow_up(client, submit(client, organisation.unit_id, TEXT, location="Warehouse 4",
                             period="Since March", contact="Signal: ask for Ola",
                             supplier="Acme Staffing", meeting="y"))
    dom = _dom(client)
    given = _find(dom, "//dl[@id='what-you-gave']")[0]
    pairs = dict(zip([item.text_content().strip() for item in _find(given, "./dt")],
                     [item.text_content().strip() for item in _find(given, "./dd")],
                     strict=True))
    assert pairs["Company"] == "Nordic Security AS"
    assert pairs["Supplier"] == "Acme Staffing"
    assert pairs["Where"] == "Warehouse 4"
    assert pairs["When"] == "Since March"
    assert pairs["Contact details"] == "Signal: ask for Ola"
    assert pairs["Meeting in person"] == "Yes, you asked for a meeting"


def test_what_was_left_empty_says_so(client: FlaskClient, organisation: Organisation) -> None:
    follow_up(client, submit(client, "dont_know", TEXT))
    dom = _dom(client)
    given = _find(dom, "//dl[@id='what-you-gave']")[0]
    pairs = dict(zip([item.text_content().strip() for item in _find(given, "./dt")],
                     [item.text_content().strip() for item in _find(given, "./dd")],
                     strict=True))
    assert pairs["Company"] == "I don't know / several companies"
    assert pairs["Where"] == "Not given" and pairs["Contact details"] == "Not given"
    assert pairs["Meeting in person"] == "Not asked for in the report"


def test_another_reporter_never_sees_these_answers(client: FlaskClient,
                                                   organisation: Organisation,
                                                   portal_app: Flask) -> None:
    submit(client, organisation.unit_id, TEXT, location="Warehouse 4")
    other = portal_app.test_client()
    follow_up(other, submit(other, organisation.unit_id, "Another matter."))
    page = other.get("/case").get_data(as_text=True)
    assert "Warehouse 4" not in page and TEXT not in page


def test_attachments_are_listed_plainly(client: FlaskClient,
                                        organisation: Organisation) -> None:
    follow_up(client, submit(client, organisation.unit_id, TEXT, attachments=[
        (io.BytesIO(b"x" * 3000), "rota.txt")]))
    dom = _dom(client)
    items = _find(dom, f"//ul[{_cls('attachments')}]/li[{_cls('attachment')}]")
    assert len(items) == 1
    link = _find(items[0], f".//a[{_cls('attachment-name')}]")[0]
    assert link.text_content().strip() == "rota.txt"
    assert link.get("download") is not None
    assert link.get("href", "").startswith("/case/attachments/")
    assert _find(items[0], f".//*[{_cls('attachment-size')}]")[0].text_content().strip() == "3 KB"
    assert _find(dom, "//*[@id='report-files-heading']")[0].text_content() == "Files you attached"
    assert client.get(link.get("href")).status_code == 200
