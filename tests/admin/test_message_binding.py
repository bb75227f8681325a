"""Security finding 10: a message's author, kind and place in the dialogue are bound to it.

The attacker can write to the database but holds no case key. Before the fix only the case
id, the message id and the item kind were bound, so such a writer could relabel a handler's
message as the reporter's, turn a reply into another kind, drop a message or reorder two,
and both sides would read the altered dialogue as genuine. Now each of these shows the
affected message(s) as damaged to the reporter and to the handler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update

from portal.cases.keyring import Keyring
from portal.cases.keys import unwrap_for_recipient
from portal.cases.reading import open_case_view
from portal.db import session_factory, transaction
from portal.models import Case, Message
from portal.states import KeyKind
from tests.admin.case_support import World, post, report_over_http, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.factories import csrf_token
from tests.portal.helpers import follow_up

DAMAGED = "This message failed its integrity check"


@dataclass
class Dialogue:
    case_id: str
    reporter: FlaskClient
    handler: FlaskClient
    seq: dict[str, int]  # body marker -> seq


def _dialogue(portal_app: Flask, admin_app: Flask, world: World) -> Dialogue:
    """1 acknowledgement, 2 reporter, 3 internal note, 4 handler reply, 5 reporter."""
    reporter = portal_app.test_client()
    code = report_over_http(reporter, world.unit_id, "The agency keeps passports")
    alice = signed_in(admin_app, world.alice)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        case_id = db.scalars(select(Case.id)).one()
    url = f"/admin/cases/{case_id}"
    assert post(alice, f"{url}/acknowledge").status_code == 303
    assert follow_up(reporter, code).status_code == 303

    def reporter_writes(body: str) -> None:
        response = reporter.post("/case/messages", data={
            "csrf_token": csrf_token(reporter, "/case"), "body": body},
            content_type="multipart/form-data")
        assert response.status_code == 303

    reporter_writes("REPORTER-ONE")
    assert post(alice, f"{url}/notes", {"body": "NOTE-ONE"}).status_code == 303
    # The reply's kind is a required choice with no default (issue 11 §1(a)).
    reply = {"body": "HANDLER-QUESTION", "is_feedback": "update"}
    assert post(alice, f"{url}/messages", reply).status_code == 303
    reporter_writes("REPORTER-TWO")
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        seqs = dict(db.execute(select(Message.kind, Message.seq)
                               .where(Message.kind == "acknowledgement")).all())
        assert seqs == {"acknowledgement": 1}
    return Dialogue(case_id, reporter, alice, {"ack": 1, "REPORTER-ONE": 2, "NOTE-ONE": 3,
                                               "HANDLER-QUESTION": 4, "REPORTER-TWO": 5})


def _tamper(app: Flask, change: Callable[..., object]) -> None:
    with app.app_context(), transaction(session_factory(app)) as db:
        change(db)


def _damaged_seqs(app: Flask, world: World, case_id: str, *, staff: bool) -> set[int]:
    """Which messages each audience's view marks as damaged (the handler has both keys)."""
    with app.app_context(), transaction(session_factory(app)) as db:
        case = db.get(Case, case_id)
        assert case is not None
        case_key = unwrap_for_recipient(db, case_id, world.alice.id, world.alice.private_key,
                                        KeyKind.CASE)
        staff_key = unwrap_for_recipient(db, case_id, world.alice.id, world.alice.private_key,
                                         "staff") if staff else None
        assert case_key is not None
        view = open_case_view(db, case, Keyring.of(case_id, case_key, staff_key))
        return {message.seq for message in view.messages if message.damaged}


def _pages(dialogue: Dialogue) -> tuple[str, str]:
    reporter = dialogue.reporter.get("/case")
    handler = dialogue.handler.get(f"/admin/cases/{dialogue.case_id}")
    assert reporter.status_code == handler.status_code == 200
    return reporter.get_data(as_text=True), handler.get_data(as_text=True)


def _where(case_id: str, seq: int) -> object:
    return (Message.case_id == case_id) & (Message.seq == seq)


def test_finding10_an_untouched_dialogue_shows_nothing_damaged(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    dialogue = _dialogue(portal_app, admin_app, world)
    reporter_page, handler_page = _pages(dialogue)
    assert DAMAGED not in reporter_page and DAMAGED not in handler_page
    assert "HANDLER-QUESTION" in reporter_page and "REPORTER-TWO" in handler_page
    assert _damaged_seqs(portal_app, world, dialogue.case_id, staff=True) == set()
    assert _damaged_seqs(portal_app, world, dialogue.case_id, staff=False) == set()


def test_finding10_a_handler_message_relabelled_as_the_reporters_is_damaged(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    dialogue = _dialogue(portal_app, admin_app, world)
    _tamper(portal_app, lambda db: db.execute(
        update(Message).where(_where(dialogue.case_id, 4))
        .values(author_kind="reporter", author_id=None)))
    reporter_page, handler_page = _pages(dialogue)
    for page in (reporter_page, handler_page):
        assert DAMAGED in page and "HANDLER-QUESTION" not in page
    assert _damaged_seqs(portal_app, world, dialogue.case_id, staff=True) == {4}
    assert _damaged_seqs(portal_app, world, dialogue.case_id, staff=False) == {4}


@pytest.mark.parametrize("values", [
    {"author_id": "0" * 32},         # another handler's name on it
    {"kind": "minutes"},             # a question turned into minutes to confirm
    {"kind": "acknowledgement"},
])
def test_finding10_a_changed_author_or_kind_is_damaged(
        world: World, portal_app: Flask, admin_app: Flask, values: dict[str, str]) -> None:
    dialogue = _dialogue(portal_app, admin_app, world)
    _tamper(portal_app, lambda db: db.execute(
        update(Message).where(_where(dialogue.case_id, 4)).values(**values)))
    reporter_page, handler_page = _pages(dialogue)
    for page in (reporter_page, handler_page):
        assert DAMAGED in page and "HANDLER-QUESTION" not in page
    assert "I confirm the minutes" not in reporter_page
    assert _damaged_seqs(portal_app, world, dialogue.case_id, staff=False) == {4}


def test_finding10_a_deleted_middle_message_is_noticed(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    dialogue = _dialogue(portal_app, admin_app, world)
    _tamper(portal_app, lambda db: db.execute(
        delete(Message).where(_where(dialogue.case_id, 2))))
    reporter_page, handler_page = _pages(dialogue)
    assert DAMAGED in reporter_page and DAMAGED in handler_page
    # The reporter's next visible message follows a gap; the handler sees the gap at once.
    assert _damaged_seqs(portal_app, world, dialogue.case_id, staff=False) == {4}
    assert _damaged_seqs(portal_app, world, dialogue.case_id, staff=True) == {3, 4}


def test_finding10_a_deleted_internal_note_is_noticed_by_the_handler(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    dialogue = _dialogue(portal_app, admin_app, world)
    _tamper(portal_app, lambda db: db.execute(
        delete(Message).where(_where(dialogue.case_id, 3))))
    reporter_page, handler_page = _pages(dialogue)
    assert DAMAGED in handler_page
    assert DAMAGED not in reporter_page  # the reporter never saw the note: nothing is missing
    assert _damaged_seqs(portal_app, world, dialogue.case_id, staff=True) == {4}


def test_finding10_two_messages_with_swapped_seq_are_damaged(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    dialogue = _dialogue(portal_app, admin_app, world)

    def swap(db: object) -> None:
        from sqlalchemy.orm import Session

        assert isinstance(db, Session)
        first = db.scalars(select(Message).where(_where(dialogue.case_id, 2))).one()
        second = db.scalars(select(Message).where(_where(dialogue.case_id, 4))).one()
        first.seq = -1  # through a free value: (case, seq) is unique
        db.flush()
        second.seq = 2
        db.flush()
        first.seq = 4

    _tamper(portal_app, swap)
    reporter_page, handler_page = _pages(dialogue)
    for page in (reporter_page, handler_page):
        assert DAMAGED in page
        assert "REPORTER-ONE" not in page and "HANDLER-QUESTION" not in page
    assert _damaged_seqs(portal_app, world, dialogue.case_id, staff=True) == {2, 4}
    assert _damaged_seqs(portal_app, world, dialogue.case_id, staff=False) == {2, 4}


def test_finding10_an_earlier_message_replayed_as_the_latest_is_damaged(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    """The reporter's first message moved to the end of the dialogue, as if said again."""
    dialogue = _dialogue(portal_app, admin_app, world)
    _tamper(portal_app, lambda db: db.execute(
        update(Message).where(_where(dialogue.case_id, 2)).values(seq=6)))
    reporter_page, handler_page = _pages(dialogue)
    assert DAMAGED in reporter_page and DAMAGED in handler_page
    assert _damaged_seqs(portal_app, world, dialogue.case_id, staff=False) == {4, 6}
    assert _damaged_seqs(portal_app, world, dialogue.case_id, staff=True) == {3, 4, 6}


def test_finding10_a_duplicated_message_is_damaged(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    """A copy of a message under a new id (the unique seq dropped) does not open, and
    pushes no genuine message out of place."""
    dialogue = _dialogue(portal_app, admin_app, world)

    def duplicate(db: object) -> None:
        from sqlalchemy.orm import Session

        assert isinstance(db, Session)
        original = db.scalars(select(Message).where(_where(dialogue.case_id, 4))).one()
        db.add(Message(id="f" * 32, case_id=original.case_id, seq=6,
                       author_kind=original.author_kind, author_id=original.author_id,
                       kind=original.kind, key_kind=original.key_kind,
                       sealed_body=original.sealed_body, created_at=original.created_at))

    _tamper(portal_app, duplicate)
    assert _damaged_seqs(portal_app, world, dialogue.case_id, staff=True) == {6}
    assert _damaged_seqs(portal_app, world, dialogue.case_id, staff=False) == {6}


def test_finding10_a_reply_relabelled_as_minutes_cannot_be_confirmed(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    """Posting straight to the confirmation of a relabelled "minutes" is refused too."""
    dialogue = _dialogue(portal_app, admin_app, world)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        message_id = db.scalars(select(Message.id).where(_where(dialogue.case_id, 4))).one()
    token = csrf_token(dialogue.reporter, "/case")
    _tamper(portal_app, lambda db: db.execute(
        update(Message).where(_where(dialogue.case_id, 4)).values(kind="minutes")))
    response = dialogue.reporter.post(f"/case/minutes/{message_id}/confirm",
                                      data={"csrf_token": token, "action": "confirm"})
    assert response.status_code == 404
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalars(select(Message).where(
            Message.case_id == dialogue.case_id,
            Message.kind == "minutes-confirmation")).all() == []
