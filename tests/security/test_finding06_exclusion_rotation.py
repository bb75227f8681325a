"""Finding 6 (exclusion against an old backup): leaving a handler out of a case deleted their
key wraps but kept the case key and the staff key, so a copy of their wraps taken before the
exclusion (an old backup) still opened everything written afterwards: the reporter's
messages, the replies, internal notes, attachments and escalation keys.

The reviewer's attack, against the database: Bob copies his wraps, Alice leaves him out, the
case goes on; Bob, with the copy, his private key and a fresh copy of the database, tries to
open what was written since. Now the exclusion replaces both keys for everything written from
then on, and the remaining handlers, the reporter (with the code alone) and the recovery key
still read the whole case.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from crypto import InvalidCiphertext, open_item, unwrap_case_key
from portal.cases.sealing import message_context, read_attachment
from portal.db import session_factory, transaction
from portal.models import Attachment, Case, CaseKeyWrap, Escalation, Message
from portal.states import Role
from portal.storage import file_store
from tests.admin.case_support import (
    World,
    exclude_with_four_eyes,
    make_person,
    post,
    report_over_http,
    signed_in,
)
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.factories import csrf_token
from tests.portal.helpers import follow_up

OLD = ("OLD-REPORT", "OLD-REPORTER-MESSAGE", "OLD-REPLY", "OLD-SUMMARY")
NEW = ("NEW-REPORTER-MESSAGE", "NEW-REPLY", "NEW-SUMMARY", "NEW-DECISION-NOTE")
NOTES = ("OLD-NOTE", "NEW-NOTE")
FILES = {"old.txt": b"OLD-FILE-CONTENT", "new.txt": b"NEW-FILE-CONTENT"}


@dataclass
class Backup:
    """What Bob kept from before the exclusion: his wraps and the escalation rows."""

    wraps: list[tuple[str, bytes]]
    escalations: list[tuple[str, bytes]]
    message_ids: set[str]
    attachment_ids: set[str]


@dataclass
class Story:
    case_id: str
    code: str
    backup: Backup
    alice: FlaskClient
    mona: FlaskClient


def _reporter_message(client: FlaskClient, code: str, body: str, name: str,
                      token: str) -> None:
    """Post as the reporter from a page loaded earlier (`token`); a session that ended (the
    case's keys changed) signs in again with the code."""
    data = {"csrf_token": token, "body": body,
            "attachments": [(io.BytesIO(FILES[name]), name)]}
    response = client.post("/case/messages", data=data, content_type="multipart/form-data")
    # A session that ended answers with the code form carrying the text (issue 14 §2).
    if response.status_code == 401 and 'action="/followup"' in response.get_data(as_text=True):
        assert follow_up(client, code).status_code == 303
        data["csrf_token"] = csrf_token(client, "/case")
        data["attachments"] = [(io.BytesIO(FILES[name]), name)]
        response = client.post("/case/messages", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/case")


def _escalation_ids(app: Flask) -> list[str]:
    with transaction(session_factory(app)) as db:
        return list(db.scalars(select(Escalation.id).order_by(Escalation.created_at)))


def _take_backup(app: Flask, case_id: str, bob_id: str) -> Backup:
    with transaction(session_factory(app)) as db:
        wraps = [(wrap.key_kind, wrap.blob) for wrap in db.scalars(select(CaseKeyWrap).where(
            CaseKeyWrap.case_id == case_id, CaseKeyWrap.recipient_id == bob_id))]
        escalations = [(row.id, row.staff_sealed_key) for row in db.scalars(select(Escalation))]
        messages = set(db.scalars(select(Message.id)))
        attachments = set(db.scalars(select(Attachment.id)))
    assert {kind for kind, _blob in wraps} == {"case", "staff"}
    return Backup(wraps, escalations, messages, attachments)


@pytest.fixture
def story(world: World, portal_app: Flask, admin_app: Flask, client: FlaskClient) -> Story:
    code = report_over_http(client, world.unit_id, "OLD-REPORT passports are kept",
                            attachments=[(io.BytesIO(FILES["old.txt"]), "old.txt")])
    with transaction(session_factory(portal_app)) as db:
        case_id = db.scalars(select(Case.id)).one()
    assert follow_up(client, code).status_code == 303
    token = csrf_token(client, "/case")
    _reporter_message(client, code, "OLD-REPORTER-MESSAGE", "old.txt", token)
    alice, mona = signed_in(admin_app, world.alice), signed_in(admin_app, world.mona)
    url = f"/admin/cases/{case_id}"
    # The reply's kind is a required choice with no default (issue 11 §1(a)).
    reply = {"body": "OLD-REPLY", "is_feedback": "update"}
    assert post(alice, f"{url}/messages", reply).status_code == 303
    assert post(alice, f"{url}/notes", {"body": "OLD-NOTE"}).status_code == 303
    assert post(alice, f"{url}/escalate", {"manager_id": world.mona.id,
                                           "summary": "OLD-SUMMARY"}).status_code == 303
    backup = _take_backup(portal_app, case_id, world.bob.id)

    # Another holder approves the exclusion (four eyes, finding 14).
    approver, response = exclude_with_four_eyes(
        admin_app, alice, case_id, world.bob.id,
        make_person(portal_app, "Hana", (Role.HANDLER,), ("NORDIC",)))
    assert response.status_code == 303
    assert "can no longer open this case" in approver.get(url).get_data(as_text=True)

    # The case goes on: the reporter (still signed in from before) writes with a file, Alice
    # replies, notes and escalates again, Mona decides on the first escalation.
    _reporter_message(client, code, "NEW-REPORTER-MESSAGE", "new.txt", token)
    # The reply's kind is a required choice with no default (issue 11 §1(a)).
    reply = {"body": "NEW-REPLY", "is_feedback": "update"}
    assert post(alice, f"{url}/messages", reply).status_code == 303
    assert post(alice, f"{url}/notes", {"body": "NEW-NOTE"}).status_code == 303
    assert post(alice, f"{url}/escalate", {"manager_id": world.mona.id,
                                           "summary": "NEW-SUMMARY"}).status_code == 303
    first = _escalation_ids(portal_app)[0]
    assert post(mona, f"{url}/escalations/{first}/decision",
                {"decision": "terminate", "note": "NEW-DECISION-NOTE"},
                token_from=url).status_code == 303
    return Story(case_id, code, backup, alice, mona)


def _keys_from_backup(story: Story, world: World) -> list[bytes]:
    """Every key Bob gets from his copy: both case keys and the escalation keys."""
    keys = [unwrap_case_key(blob, world.bob.private_key, case_id=f"{story.case_id}:{kind}",
                            recipient_id=world.bob.id) for kind, blob in story.backup.wraps]
    for escalation_id, sealed in story.backup.escalations:
        for key in list(keys):
            try:
                keys.append(open_item(key, case_id=story.case_id, item_id=escalation_id,
                                      kind="escalation-key", blob=sealed))
            except InvalidCiphertext:
                continue
    assert len(keys) == 3
    return keys


def _previous_seqs(messages: list[Message]) -> dict[str, int]:
    """The number of the message before each one under the same key, as a reader (or an
    attacker with a copy of the database) works it out from the rows: sealed with it."""
    last: dict[str, int] = {}
    previous = {}
    for row in sorted(messages, key=lambda row: row.seq):
        previous[row.id] = last.get(row.key_kind, 0)
        last[row.key_kind] = row.seq
    return previous


def _opens(keys: list[bytes], **item: Any) -> list[bytes]:
    opened = []
    for key in keys:
        try:
            opened.append(open_item(key, **item))
        except InvalidCiphertext:
            continue
    return opened


def test_finding06_old_wraps_open_nothing_written_after_the_exclusion(
        story: Story, world: World, portal_app: Flask) -> None:
    keys = _keys_from_backup(story, world)
    case_id = story.case_id
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        messages = list(db.scalars(select(Message).where(Message.case_id == case_id)))
        previous = _previous_seqs(messages)
        old = [row for row in messages if row.id in story.backup.message_ids]
        new = [row for row in messages if row.id not in story.backup.message_ids]
        # The attack is real: the copy opens what was written before.
        assert len(old) == 3 and all(
            _opens(keys, case_id=case_id, item_id=row.id, kind="message", blob=row.sealed_body,
                   context=message_context(row, previous[row.id]))
            for row in old)
        assert len(new) == 3
        for row in new:
            assert _opens(keys, case_id=case_id, item_id=row.id, kind="message",
                          blob=row.sealed_body,
                          context=message_context(row, previous[row.id])) == []
        attachments = [row for row in db.scalars(select(Attachment))
                       if row.id not in story.backup.attachment_ids]
        assert attachments
        for row in attachments:
            assert _opens(keys, case_id=case_id, item_id=row.id, kind="attachment-meta",
                          blob=row.sealed_meta) == []
            for key in keys:
                with pytest.raises(InvalidCiphertext):
                    read_attachment(file_store(portal_app), key, row)
        escalations = db.scalars(select(Escalation).order_by(Escalation.created_at)).all()
        assert len(escalations) == 2
        for row in escalations:
            # Neither the new escalation's key nor the first one's, given a new key since.
            assert _opens(keys, case_id=case_id, item_id=row.id, kind="escalation-key",
                          blob=row.staff_sealed_key) == []
        note = escalations[0].sealed_decision_note
        assert note is not None
        assert _opens(keys, case_id=case_id, item_id=escalations[0].id, kind="escalation-note",
                      blob=note) == []


def _downloads(client: FlaskClient, page: str, prefix: str) -> set[bytes]:
    found = set()
    for path in sorted(set(re.findall(rf'href="({re.escape(prefix)}[^"]+)"', page))):
        response = client.get(path)
        assert response.status_code == 200, path
        found.add(response.get_data())
        response.close()
    return found


def _handler_reads_everything(client: FlaskClient, case_id: str) -> None:
    page = client.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    for marker in (*OLD, *NEW, *NOTES):
        assert marker in page, marker
    assert "integrity check" not in page
    prefix = f"/admin/cases/{case_id}/attachments/"
    assert set(FILES.values()) <= _downloads(client, page, prefix)


def test_finding06_the_remaining_handler_and_the_reporter_read_old_and_new(
        story: Story, world: World, portal_app: Flask, admin_app: Flask) -> None:
    _handler_reads_everything(story.alice, story.case_id)
    reporter = portal_app.test_client()
    assert follow_up(reporter, story.code).status_code == 303
    page = reporter.get("/case").get_data(as_text=True)
    for marker in ("OLD-REPORT", "OLD-REPORTER-MESSAGE", "OLD-REPLY", "NEW-REPORTER-MESSAGE",
                   "NEW-REPLY"):
        assert marker in page, marker
    for hidden in (*NOTES, "OLD-SUMMARY", "NEW-SUMMARY", "NEW-DECISION-NOTE"):
        assert hidden not in page
    assert "integrity check" not in page
    assert _downloads(reporter, page, "/case/attachments/") == set(FILES.values())
    # The manager still reads both escalations and the note she wrote after the exclusion.
    mona_page = story.mona.get(f"/admin/cases/{story.case_id}").get_data(as_text=True)
    for marker in ("OLD-SUMMARY", "NEW-SUMMARY", "NEW-DECISION-NOTE"):
        assert marker in mona_page
    # Bob himself, signed in, gets nothing.
    assert signed_in(admin_app, world.bob).get(f"/admin/cases/{story.case_id}").status_code \
        == 404


def test_finding06_the_recovery_key_reads_everything(story: Story, world: World,
                                                     admin_app: Flask,
                                                     runner: FlaskCliRunner,
                                                     tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.txt"
    sheet.write_text(world.recovery_sheet)
    # Olga works for Baltic: recovering a Nordic case to her needs the unit and a reason
    # (issue 11 §3).
    result = runner.invoke(args=["recover", "--recovery-sheet", str(sheet),
                                 "--to", world.olga.email, "--unit", "NORDIC",
                                 "--reason", "no_handler_available"])
    assert result.exit_code == 0, result.output
    assert "Shared 1 cases" in result.output
    _handler_reads_everything(signed_in(admin_app, world.olga), story.case_id)
    # Recovery honours the exclusion.
    result = runner.invoke(args=["recover", "--recovery-sheet", str(sheet),
                                 "--to", world.bob.email, "--unit", "NORDIC"])
    assert "Skipped 1 cases" in result.output


def test_finding06_a_follow_up_after_the_exclusion_costs_one_argon2(
        story: Story, portal_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    import crypto._secret_seal as secret_seal
    import portal.cases.submission as services

    calls: list[str] = []

    def counting(label: str, real: Any) -> Any:
        def _derive(*args: Any, **kwargs: Any) -> bytes:
            calls.append(label)
            return bytes(real(*args, **kwargs))
        return _derive

    monkeypatch.setattr(services, "derive_key", counting("dummy", services.derive_key))
    monkeypatch.setattr(secret_seal, "derive_key", counting("real", secret_seal.derive_key))
    reporter = portal_app.test_client()
    near_miss = story.code[:-1] + ("Y" if story.code.endswith("Z") else "Z")
    for attempt in ("K7QM2-XPD9R-TFH4B-N8WJC", "too short", near_miss):
        follow_up(reporter, attempt)
        assert len(calls) == 1, (attempt, calls)
        calls.clear()
    assert follow_up(reporter, story.code).status_code == 303
    assert calls == ["real"]
    assert "NEW-REPLY" in reporter.get("/case").get_data(as_text=True)
