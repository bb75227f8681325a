"""Finding 3 (certify authority, not only identity): the certificate covered the user id and
the public key only, while the roles and unit memberships that decide routing, grants and
escalation were plain rows. An auditor or admin with write access to the database could insert
a role and a membership row and receive the next report of any unit.

Now the certificate is an Ed25519 signature over the user id, the public key and what the key
may receive (the roles handler/manager and the units); every wrap checks it, and a user whose
rows claim more than their certificate receives nothing. The signing key is in the
server-keys file; the portal needs only its public half.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, update

from crypto import UserKeyPair, parse_recovery_sheet
from portal.cases.access_grants import grant_case, recover_all_cases
from portal.cases.escalations import escalate, managers
from portal.cases.keys import active_recovery_key
from portal.cases.submission import ChannelNotReady
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.key_directory import CertificateSigningUnavailable, is_certified, sign_certificate
from portal.models import CaseKeyWrap, RecoveryKey, UnitMembership, User, UserRole
from portal.refusals import Refusal
from portal.serverkeys import load_server_keys
from portal.states import Role
from tests.admin.case_support import World, new_case, open_case, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.helpers import make_user, second_admin_approves, sign_in


def insert_rows(app: Flask, user_id: str, *, role: Role | None = None,
                unit_id: str | None = None) -> None:
    """What a database writer does: add a role and/or a membership row, nothing else."""
    with app.app_context(), transaction(session_factory(app)) as db:
        if role is not None:
            db.add(UserRole(user_id=user_id, role=role))
        if unit_id is not None:
            db.add(UnitMembership(user_id=user_id, unit_id=unit_id))


def wrapped_to(app: Flask, case_id: str) -> set[str]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return set(db.scalars(select(CaseKeyWrap.recipient_id).where(
            CaseKeyWrap.case_id == case_id)))


def legacy_tag(hmac_key: bytes, subject: str, public_key: bytes) -> bytes:
    """The first release's certificate: HMAC-SHA256 over LP(label, subject, public key)."""
    parts = (b"aktsom/key-certification/v1", subject.encode(), public_key)
    message = b"".join(struct.pack(">I", len(part)) + part for part in parts)
    return hmac.new(hmac_key, message, hashlib.sha256).digest()


def test_finding03_an_auditor_who_inserts_handler_rows_receives_no_report(
        world: World, portal_app: Flask) -> None:
    insert_rows(portal_app, world.audrey.id, role=Role.HANDLER, unit_id=world.unit_id)
    case_id, _ = new_case(portal_app, world.unit_id)
    recipients = wrapped_to(portal_app, case_id)
    assert world.alice.id in recipients
    assert world.audrey.id not in recipients


def test_finding03_a_handler_who_inserts_a_membership_of_another_unit_receives_nothing_from_it(
        world: World, portal_app: Flask) -> None:
    insert_rows(portal_app, world.olga.id, unit_id=world.unit_id)
    case_id, _ = new_case(portal_app, world.unit_id)
    assert world.olga.id not in wrapped_to(portal_app, case_id)
    # Her own unit's cases: the rows claim more than the certificate, so she receives nothing
    # at all until an administrator looks (the change was made outside Aktsom).
    baltic_case, _ = new_case(portal_app, world.other_unit_id)
    assert world.olga.id not in wrapped_to(portal_app, baltic_case)


def test_finding03_inserted_rows_win_no_grant_no_escalation_no_recovery(
        world: World, portal_app: Flask) -> None:
    insert_rows(portal_app, world.audrey.id, role=Role.HANDLER)
    insert_rows(portal_app, world.carl.id, role=Role.MANAGER)
    case_id, _ = new_case(portal_app, world.unit_id)
    keys = server_keys_of(portal_app)
    db, opened = open_case(portal_app, case_id, world.alice)
    with portal_app.app_context(), db:
        assert opened is not None
        alice, audrey, carl = (db.get(User, person.id)
                               for person in (world.alice, world.audrey, world.carl))
        assert alice is not None and audrey is not None and carl is not None
        with pytest.raises(Refusal):
            grant_case(db, keys, opened=opened, actor=alice, grantee=audrey)
        assert carl.id not in {user.id for user in managers(db, keys)}
        with pytest.raises(Refusal):
            escalate(db, settings_of(portal_app), keys, opened=opened, actor=alice,
                     manager=carl, summary="Please decide.")
        with pytest.raises(Refusal):
            recover_all_cases(db, keys, pair=parse_recovery_sheet(world.recovery_sheet),
                              to_user=audrey)
        db.rollback()
    assert wrapped_to(portal_app, case_id) & {world.audrey.id, world.carl.id} == set()


def test_finding03_a_certificate_forged_with_the_hmac_key_of_the_keys_file_is_refused(
        world: World, portal_app: Flask) -> None:
    # The portal host holds the server-keys file. With the first release's HMAC certificate,
    # whoever held that file could certify a key of their own for any unit.
    rogue = UserKeyPair.generate()
    forged = legacy_tag(server_keys_of(portal_app).certification, world.audrey.id,
                        rogue.public_bytes)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        db.execute(update(User).where(User.id == world.audrey.id).values(
            public_key=rogue.public_bytes, key_certificate=forged))
    insert_rows(portal_app, world.audrey.id, role=Role.HANDLER, unit_id=world.unit_id)
    case_id, _ = new_case(portal_app, world.unit_id)
    assert world.audrey.id not in wrapped_to(portal_app, case_id)


def test_finding03_a_change_through_the_admin_page_is_certified_and_routes(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    adam = signed_in(admin_app, world.adam)
    response = post(adam, f"/admin/users/{world.olga.id}",
                    {"roles": ["handler"], "units": [world.other_unit_id, world.unit_id]},
                    token_from=f"/admin/users/{world.olga.id}")
    assert response.status_code == 303
    # Until a second administrator approves (four eyes, finding 14), she receives nothing.
    waiting, _ = new_case(portal_app, world.unit_id)
    assert world.olga.id not in wrapped_to(portal_app, waiting)
    assert second_admin_approves(admin_app) == 1
    case_id, _ = new_case(portal_app, world.unit_id)
    assert world.olga.id in wrapped_to(portal_app, case_id)
    # Taking the unit away again through the page takes it out of the certificate too (and,
    # confirmed, the one Nordic case she received: finding 13).
    post(adam, f"/admin/users/{world.olga.id}", {"roles": ["handler"],
                                                 "units": [world.other_unit_id],
                                                 "confirmed_loss": "1"},
         token_from=f"/admin/users/{world.olga.id}")
    later, _ = new_case(portal_app, world.unit_id)
    assert world.olga.id not in wrapped_to(portal_app, later)
    # And making the auditor a manager through the page lets cases be escalated to her.
    post(adam, f"/admin/users/{world.audrey.id}", {"roles": ["auditor", "manager"]},
         token_from=f"/admin/users/{world.audrey.id}")
    assert second_admin_approves(admin_app) == 1
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert world.audrey.id in {user.id for user in managers(db, server_keys_of(portal_app))}


def test_finding03_only_keys_that_may_receive_cases_are_certified(admin_app: Flask) -> None:
    auditor, _, _ = make_user(admin_app, roles=[Role.AUDITOR])
    admin_user, _, _ = make_user(admin_app, roles=[Role.ADMIN])
    handler, _, _ = make_user(admin_app, roles=[Role.HANDLER], units=["NORDIC"])
    with session_factory(admin_app)() as db:
        certificates = {user.id: user.key_certificate for user in db.scalars(select(User))}
    assert certificates[auditor.id] is None
    assert certificates[admin_user.id] is None
    assert certificates[handler.id] is not None


def test_finding03_the_portal_verifies_with_the_public_key_alone(
        world: World, portal_app: Flask, make_portal_app: Any, tmp_path: Path) -> None:
    raw = json.loads(settings_of(portal_app).server_keys_file.read_text())
    assert "certificate_signing" in raw and "certificate_verifying" in raw
    del raw["certificate_signing"]  # what the public portal host keeps
    portal_only = tmp_path / "portal-keys" / "server-keys.json"
    portal_only.parent.mkdir()
    portal_only.write_text(json.dumps(raw))
    keys = load_server_keys(portal_only)
    assert keys.certificate_signing is None
    assert "certificate_signing" not in json.loads(portal_only.read_text())  # not re-added
    app = make_portal_app(server_keys_file=portal_only)
    case_id, _ = new_case(app, world.unit_id)
    assert {world.alice.id, world.bob.id} <= wrapped_to(app, case_id)
    with pytest.raises(CertificateSigningUnavailable):
        sign_certificate(keys, world.audrey.id, UserKeyPair.generate().public_bytes,
                         roles=[Role.HANDLER], unit_ids=[world.unit_id])


def test_finding03_old_hmac_certificates_are_reissued_once_at_init_and_never_again(
        admin_app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.txt"
    assert runner.invoke(args=["init", "--recovery-sheet", str(sheet)]).exit_code == 0
    handler, password, secret = make_user(admin_app, roles=[Role.HANDLER], units=["NORDIC"])
    auditor, _, _ = make_user(admin_app, roles=[Role.AUDITOR])
    keys = server_keys_of(admin_app)
    # The database as the first release left it: HMAC tags under the certification key, and
    # no mark beside the keys file that the upgrade ran.
    with transaction(session_factory(admin_app)) as db:
        for user in db.scalars(select(User)):
            user.key_certificate = legacy_tag(keys.certification, user.id, user.public_key)
        for recovery in db.scalars(select(RecoveryKey)):
            recovery.certificate = legacy_tag(keys.certification, f"recovery:{recovery.id}",
                                              recovery.public_key)
    (settings_of(admin_app).server_keys_file.parent / "certificates-upgraded").unlink()
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        row = db.get(User, handler.id)
        assert row is not None
        assert not is_certified(keys, row)  # a legacy tag counts for nothing
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "trust on upgrade" in result.output
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        row, other = db.get(User, handler.id), db.get(User, auditor.id)
        assert row is not None and other is not None
        assert is_certified(keys, row, Role.HANDLER)
        assert other.key_certificate is None  # receives nothing, so certified for nothing
        assert active_recovery_key(db, keys) is not None
    # After the upgrade a legacy tag planted again (with rows to match) stays worthless, even
    # across another `aktsom init`.
    rogue = UserKeyPair.generate().public_bytes
    with transaction(session_factory(admin_app)) as db:
        db.execute(update(User).where(User.id == auditor.id).values(
            public_key=rogue, key_certificate=legacy_tag(keys.certification, auditor.id, rogue)))
    insert_rows(admin_app, auditor.id, role=Role.HANDLER)
    assert runner.invoke(args=["init"]).exit_code == 0
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        planted = db.get(User, auditor.id)
        assert planted is not None
        assert not is_certified(keys, planted)
    client = admin_app.test_client()
    assert sign_in(client, handler.email, password, secret).status_code == 303


def test_finding03_the_recovery_key_certificate_is_a_signature_too(
        world: World, portal_app: Flask) -> None:
    keys = server_keys_of(portal_app)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        recovery = db.scalars(select(RecoveryKey)).one()
        rogue = UserKeyPair.generate().public_bytes
        recovery.public_key = rogue
        recovery.certificate = legacy_tag(keys.certification, f"recovery:{recovery.id}", rogue)
    # A recovery key planted with a tag made by whoever holds the keys file: no case goes out
    # without a recovery key the signing key certified.
    with pytest.raises(ChannelNotReady):
        new_case(portal_app, world.unit_id)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(func.count()).select_from(CaseKeyWrap).where(
            CaseKeyWrap.recipient_id.like("recovery:%"))) == 0
