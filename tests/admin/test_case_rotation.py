"""Key generations (portal.cases.rotation, portal.cases.keyring): every exclusion replaces both
case keys; whoever still holds the case reads every generation, whoever left reads none of
the later ones; an exclusion whose keys cannot be replaced changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select, update

from crypto import InvalidCiphertext, UserKeyPair, reporter_public_key
from portal.cases.keyring import unlock_keyring
from portal.cases.keys import (
    certified_reporter_key,
    open_case_keys,
    rewrap_user_keys,
    unwrap_for_recipient,
)
from portal.cases.reading import open_case_view
from portal.cases.sealing import open_message
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.key_directory import POSSESSION_TAG_SIZE, reporter_key_is_certified
from portal.models import Case, CaseKeyLink, CaseKeyWrap, Message, RecoveryKey, Role, User
from portal.states import KeyKind
from tests.admin.case_support import (
    Person,
    World,
    approve_access_request,
    exclude_with_four_eyes,
    make_person,
    new_case,
    post,
    signed_in,
)
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.portal.helpers import follow_up


def _generation(app: Flask, case_id: str) -> int:
    with transaction(session_factory(app)) as db:
        case = db.get(Case, case_id)
        assert case is not None
        return case.key_generation


def _wraps_of(app: Flask, case_id: str, user_id: str) -> int:
    with transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(CaseKeyWrap).where(
            CaseKeyWrap.case_id == case_id, CaseKeyWrap.recipient_id == user_id)) or 0)


def _body_opens(app: Flask, case_id: str, key: bytes, text: str) -> bool:
    with transaction(session_factory(app)) as db:
        last: dict[str, int] = {}
        for message in db.scalars(select(Message).where(Message.case_id == case_id)
                                  .order_by(Message.seq)):
            prev_seq, last[message.key_kind] = last.get(message.key_kind, 0), message.seq
            try:
                if open_message(key, message, prev_seq=prev_seq)[0] == text:
                    return True
            except InvalidCiphertext:
                continue
    return False


def second_holder(app: Flask, name: str) -> Person:
    """Another Nordic handler, made at the console, to approve an exclusion."""
    return make_person(app, name, (Role.HANDLER,), ("NORDIC",))


def test_two_exclusions_make_two_generations_read_by_everyone_still_in(
        world: World, portal_app: Flask, admin_app: Flask, client: FlaskClient,
        runner: FlaskCliRunner, tmp_path: Path) -> None:
    case_id, code = new_case(portal_app, world.unit_id, "GEN0-REPORT")
    url = f"/admin/cases/{case_id}"
    alice = signed_in(admin_app, world.alice)
    post(alice, f"{url}/notes", {"body": "GEN0-NOTE"})
    # A second holder approves each exclusion (four eyes, finding 14).
    hana = second_holder(portal_app, "Hana")
    approver, _ = exclude_with_four_eyes(admin_app, alice, case_id, world.bob.id, hana)
    assert _generation(portal_app, case_id) == 1
    # The reply's kind is a required choice with no default (issue 11 §1(a)).
    post(alice, f"{url}/messages", {"body": "GEN1-REPLY", "is_feedback": "update"})
    post(alice, f"{url}/grant", {"grant-user_id": world.olga.id,
                                 "grant-reason": "expertise"})
    with transaction(session_factory(portal_app)) as db:
        olga_key = unwrap_for_recipient(db, case_id, world.olga.id, world.olga.private_key,
                                        KeyKind.CASE)
    assert olga_key is not None and _body_opens(portal_app, case_id, olga_key, "GEN1-REPLY")
    post(alice, f"{url}/exclude", {"exclude-user_id": world.olga.id,
                                   "exclude-confirm": "yes"})
    approve_access_request(admin_app, approver, case_id)
    # The reply's kind is a required choice with no default (issue 11 §1(a)).
    post(alice, f"{url}/messages", {"body": "GEN2-REPLY", "is_feedback": "update"})
    post(alice, f"{url}/notes", {"body": "GEN2-NOTE"})

    assert _generation(portal_app, case_id) == 2
    with transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(func.count()).select_from(CaseKeyLink).where(
            CaseKeyLink.case_id == case_id)) == 4
        generations = {row.generation for row in db.scalars(select(CaseKeyWrap).where(
            CaseKeyWrap.case_id == case_id))}
        assert generations == {2}
    # Olga's copy of generation 1 opens nothing of generation 2.
    assert not _body_opens(portal_app, case_id, olga_key, "GEN2-REPLY")
    assert _wraps_of(portal_app, case_id, world.olga.id) == 0
    page = alice.get(url).get_data(as_text=True)
    for marker in ("GEN0-REPORT", "GEN0-NOTE", "GEN1-REPLY", "GEN2-REPLY", "GEN2-NOTE"):
        assert marker in page
    assert "integrity check" not in page
    assert follow_up(client, code).status_code == 303
    reporter_page = client.get("/case").get_data(as_text=True)
    for marker in ("GEN0-REPORT", "GEN1-REPLY", "GEN2-REPLY"):
        assert marker in reporter_page
    assert "NOTE" not in reporter_page
    sheet = tmp_path / "sheet.txt"
    sheet.write_text(world.recovery_sheet)
    result = runner.invoke(args=["recover", "--recovery-sheet", str(sheet),
                                 "--to", world.grace.email, "--all-units"])
    assert "Shared 1 cases" in result.output, result.output
    grace_page = signed_in(admin_app, world.grace).get(url).get_data(as_text=True)
    for marker in ("GEN0-REPORT", "GEN0-NOTE", "GEN1-REPLY", "GEN2-NOTE"):
        assert marker in grace_page


def test_a_reporter_session_from_before_ends_with_the_exclusion(
        world: World, portal_app: Flask, admin_app: Flask, client: FlaskClient) -> None:
    case_id, code = new_case(portal_app, world.unit_id, "Before.")
    assert follow_up(client, code).status_code == 303
    assert client.get("/case").status_code == 200
    exclude_with_four_eyes(admin_app, signed_in(admin_app, world.alice), case_id,
                           world.bob.id, second_holder(portal_app, "Hana"))
    response = client.get("/case")
    assert response.status_code == 303 and response.headers["Location"].endswith("/followup")
    # The code opens the new generation at once.
    assert follow_up(client, code).status_code == 303
    assert "Before." in client.get("/case").get_data(as_text=True)


def _refused(world: World, portal_app: Flask, admin_app: Flask, case_id: str) -> None:
    alice = signed_in(admin_app, world.alice)
    approver, _ = exclude_with_four_eyes(admin_app, alice, case_id, world.bob.id,
                                         second_holder(portal_app, "Hana"))
    assert "could not be replaced" in approver.get(f"/admin/cases/{case_id}").get_data(
        as_text=True)
    assert _generation(portal_app, case_id) == 0
    assert _wraps_of(portal_app, case_id, world.bob.id) == 2


def test_a_planted_reporter_key_refuses_the_exclusion(world: World, portal_app: Flask,
                                                      admin_app: Flask) -> None:
    """A database writer swaps in a key of their own for the reporter's: no new case key is
    wrapped to it, and nothing changes."""
    case_id, _code = new_case(portal_app, world.unit_id)
    planted, _ = new_case(portal_app, world.unit_id)
    with transaction(session_factory(portal_app)) as db:
        other = db.get(Case, planted)
        assert other is not None
        db.execute(update(Case).where(Case.id == case_id).values(
            reporter_key=other.reporter_key))
    _refused(world, portal_app, admin_app, case_id)


def test_no_recovery_key_refuses_the_exclusion(world: World, portal_app: Flask,
                                               admin_app: Flask) -> None:
    case_id, _code = new_case(portal_app, world.unit_id)
    with transaction(session_factory(portal_app)) as db:
        db.execute(update(RecoveryKey).values(active=False))
    _refused(world, portal_app, admin_app, case_id)


def test_a_verify_only_portal_vouches_with_a_tag_the_staff_host_certifies_at_the_exclusion(
        world: World, portal_app: Flask, admin_app: Flask, make_portal_app: Any,
        tmp_path: Path) -> None:
    """The public portal may hold only the certificate verifying key: it cannot sign the
    reporter key's certificate, so it marks the key with a possession tag (it has just seen
    the private half), and the staff host, which can sign, certifies it at the exclusion."""
    raw = json.loads(settings_of(portal_app).server_keys_file.read_text())
    del raw["certificate_signing"]
    portal_only = tmp_path / "portal-keys" / "server-keys.json"
    portal_only.parent.mkdir()
    portal_only.write_text(json.dumps(raw))
    verify_only = make_portal_app(server_keys_file=portal_only)
    case_id, code = new_case(verify_only, world.unit_id, "From the public host.")
    with transaction(session_factory(portal_app)) as db:
        case = db.get(Case, case_id)
        assert case is not None
        assert len(case.reporter_key_certificate) == POSSESSION_TAG_SIZE
        tag = case.reporter_key_certificate
    alice = signed_in(admin_app, world.alice)
    exclude_with_four_eyes(admin_app, alice, case_id, world.bob.id,
                           second_holder(portal_app, "Hana"))
    assert _generation(portal_app, case_id) == 1
    keys = server_keys_of(admin_app)
    with transaction(session_factory(portal_app)) as db:
        case = db.get(Case, case_id)
        assert case is not None
        assert case.reporter_key_certificate != tag
        assert reporter_key_is_certified(keys, case_id, reporter_public_key(case.reporter_key),
                                         case.reporter_key_certificate)
        assert certified_reporter_key(keys, case) is not None
    reporter = verify_only.test_client()
    assert follow_up(reporter, code).status_code == 303
    assert "From the public host." in reporter.get("/case").get_data(as_text=True)


def test_a_tag_planted_for_another_case_vouches_for_nothing(world: World, portal_app: Flask,
                                                            admin_app: Flask) -> None:
    """A certificate (or tag) names its case: copying one case's reporter record and
    certificate into another refuses the exclusion there."""
    case_id, _code = new_case(portal_app, world.unit_id)
    planted, _ = new_case(portal_app, world.unit_id)
    with transaction(session_factory(portal_app)) as db:
        other = db.get(Case, planted)
        assert other is not None
        db.execute(update(Case).where(Case.id == case_id).values(
            reporter_key=other.reporter_key,
            reporter_key_certificate=other.reporter_key_certificate))
    _refused(world, portal_app, admin_app, case_id)


def test_a_new_key_pair_after_an_exclusion_receives_the_current_generation(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    """rewrap_user_keys (a handler setting their own password) moves the wraps of the current
    generation under that generation's context: the new key opens the whole case."""
    case_id, _code = new_case(portal_app, world.unit_id, "GEN0-REPORT")
    url = f"/admin/cases/{case_id}"
    alice = signed_in(admin_app, world.alice)
    exclude_with_four_eyes(admin_app, alice, case_id, world.bob.id,
                           second_holder(portal_app, "Hana"))
    # The reply's kind is a required choice with no default (issue 11 §1(a)).
    post(alice, f"{url}/messages", {"body": "GEN1-REPLY", "is_feedback": "update"})
    assert _generation(portal_app, case_id) == 1
    new_pair = UserKeyPair.generate()
    with transaction(session_factory(portal_app)) as db:
        assert rewrap_user_keys(db, world.alice.id, world.alice.private_key,
                                new_pair.public_bytes) == 2
    with transaction(session_factory(portal_app)) as db:
        user = db.get(User, world.alice.id)
        assert user is not None
        assert unwrap_for_recipient(db, case_id, world.alice.id, world.alice.private_key,
                                    KeyKind.CASE) is None
        case_key = unwrap_for_recipient(db, case_id, world.alice.id, new_pair.private_bytes,
                                        KeyKind.CASE)
        case, newest = open_case_keys(db, case_id, world.alice.id, new_pair.private_bytes)
        assert case is not None and set(newest) == {KeyKind.CASE, KeyKind.STAFF}
        ring = unlock_keyring(db, case_id, case.key_generation, newest)
        view = open_case_view(db, case, ring)
    assert case_key is not None and _body_opens(portal_app, case_id, case_key, "GEN1-REPLY")
    assert view.answers is not None and view.answers["description"] == "GEN0-REPORT"
    assert not any(message.damaged for message in view.messages)
