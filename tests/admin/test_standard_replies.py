"""Issue 16 §7 ("the acknowledgement and standard replies to the reporter in every reporter
language"), read by the gap audit (item 4) as not delivered: there were no ready-made replies
for handlers. Now the case page's reply group offers four standard replies
(portal/cases/standard_replies.py). Picking one (a GET, without JavaScript) fills the reply box
with its text in the reporter's language and shows the same text in the handler's language to
read; nothing is sent until the handler sends the box as an ordinary reply, which is stored
and sealed like any other, and the reporter reads it with the case code."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from config.languages import LANGUAGE_CODES, SOURCE_LANGUAGE
from portal.cases.standard_replies import StandardReply, standard_reply_text
from portal.db import session_factory, transaction
from portal.models import Message
from portal.states import AuthorKind
from tests.admin.case_support import World, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.test_identity_disclosure import reported
from tests.portal.helpers import follow_up

REPLY_BOX = re.compile(r'<textarea([^>]*\bid="body"[^>]*)>(.*?)</textarea>', re.S)
PICKER = re.compile(r'<form method="get" action="([^"]+/standard-reply)"[^>]*>(.*?)</form>', re.S)


def _handler_messages(app: Flask, case_id: str) -> int:
    with app.app_context(), transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(Message).where(
            Message.case_id == case_id, Message.author_kind == AuthorKind.HANDLER)) or 0)


def _reply_box(page: str) -> tuple[str, str]:
    """(the attributes, the text) of the reply box on a case page."""
    match = REPLY_BOX.search(page)
    assert match, "no reply box"
    return match.group(1), html.unescape(match.group(2)).lstrip("\r\n")


@pytest.mark.parametrize("language", [code for code in LANGUAGE_CODES
                                      if code != SOURCE_LANGUAGE])
def test_every_standard_reply_is_translated(portal_app: Flask, language: str) -> None:
    with portal_app.app_context():
        for reply in StandardReply:
            text = standard_reply_text(reply, language)
            assert text and text != standard_reply_text(reply, SOURCE_LANGUAGE), (language, reply)


def test_the_reply_form_lists_the_standard_replies(
        world: World, admin_app: Flask, portal_app: Flask) -> None:
    case_id, _code = reported(portal_app, world.unit_id, name=None, language="ar")
    alice = signed_in(admin_app, world.alice)
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    match = PICKER.search(page)
    assert match, "no standard-reply picker"
    action, picker = match.groups()
    assert action == f"/admin/cases/{case_id}/standard-reply"
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', picker)
    assert [value for value, _label in options] == ["", *(str(key) for key in StandardReply)]
    assert "Ask for more details (when and where)" in picker
    assert "Use this standard reply" in picker
    # Nothing drafted yet: the reply box is empty.
    assert _reply_box(page)[1] == ""


def test_a_standard_reply_fills_the_box_in_the_reporters_language_and_sends_nothing(
        world: World, admin_app: Flask, portal_app: Flask) -> None:
    case_id, _code = reported(portal_app, world.unit_id, name=None, language="ar")
    alice = signed_in(admin_app, world.alice)
    response = alice.get(f"/admin/cases/{case_id}/standard-reply?reply=more_details")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    with portal_app.app_context():
        arabic = standard_reply_text(StandardReply.MORE_DETAILS, "ar")
        english = standard_reply_text(StandardReply.MORE_DETAILS, "en")
    attributes, text = _reply_box(page)
    assert text == arabic
    assert 'lang="ar"' in attributes and 'dir="rtl"' in attributes
    # The handler reads the same text in their own language, beside the box.
    assert english in html.unescape(page)
    assert 'value="more_details" selected' in page
    assert _handler_messages(portal_app, case_id) == 0
    # A key not on the list drafts nothing.
    refused = alice.get(f"/admin/cases/{case_id}/standard-reply?reply=anything")
    assert refused.status_code == 303
    assert "Choose a standard reply from the list." in alice.get(
        f"/admin/cases/{case_id}").get_data(as_text=True)


def test_sending_it_stores_the_reporters_language_and_the_reporter_reads_it(
        client: FlaskClient, world: World, admin_app: Flask, portal_app: Flask) -> None:
    case_id, code = reported(portal_app, world.unit_id, name=None, language="ar")
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    page = alice.get(f"{url}/standard-reply?reply=being_followed_up").get_data(as_text=True)
    _attributes, text = _reply_box(page)
    with portal_app.app_context():
        assert text == standard_reply_text(StandardReply.BEING_FOLLOWED_UP, "ar")
    assert post(alice, f"{url}/messages", {"body": text, "is_feedback": "update"},
                token_from=url).status_code == 303
    assert _handler_messages(portal_app, case_id) == 1
    follow_up(client, code)
    assert text in client.get("/case").get_data(as_text=True)
