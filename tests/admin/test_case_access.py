"""Access to a case is cryptographic: exclusion deletes keys, grants rewrap to certified keys
only, and `aktsom recover` re-shares every case from the recovery sheet."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete, func, select

from admin.accounts.services import reset_password
from crypto import format_recovery_sheet, generate_recovery_key, open_private_key
from portal.audit import Actor
from portal.cases.keys import unwrap_for_recipient
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.models import AuditEvent, CaseExclusion, CaseKeyWrap, User
from portal.states import KeyKind
from tests.admin.case_support import (
    World,
    approve_access_request,
    new_case,
    post,
    report_over_http,
    signed_in,
)
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.helpers import make_user


def _keys_of(app: Flask, case_id: str, person_id: str, private_key: bytes) -> list[bool]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return [unwrap_for_recipient(db, case_id, person_id, private_key, kind) is not None
                for kind in (KeyKind.CASE, KeyKind.STAFF)]


def _wrap_count(app: Flask, case_id: str, user_id: str) -> int:
    with app.app_context(), transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(CaseKeyWrap).where(
            CaseKeyWrap.case_id == case_id, CaseKeyWrap.recipient_id == user_id)) or 0)


def _actions(app: Flask) -> list[str]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_exclusion_is_cryptographic(world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id, "Bob's friend is involved.")
    bob = signed_in(admin_app, world.bob)
    assert bob.get(f"/admin/cases/{case_id}").status_code == 200
    assert _keys_of(portal_app, case_id, world.bob.id, world.bob.private_key) == [True, True]

    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/exclude", {"exclude-user_id": world.bob.id,
                                                   "exclude-confirm": "yes"})
    # Four eyes (security finding 14): Alice's word alone changes nothing; another holder of
    # the case (here Olga, with whom Alice shares it) approves.
    assert _wrap_count(portal_app, case_id, world.bob.id) == 2
    post(alice, f"/admin/cases/{case_id}/grant", {"grant-user_id": world.olga.id,
                                                  "grant-reason": "expertise"})
    approve_access_request(admin_app, signed_in(admin_app, world.olga), case_id)
    # Not a flag: Bob's wraps are gone, so not even his key and the database open the case.
    assert _wrap_count(portal_app, case_id, world.bob.id) == 0
    assert _keys_of(portal_app, case_id, world.bob.id, world.bob.private_key) == [False, False]
    assert bob.get(f"/admin/cases/{case_id}").status_code == 404
    assert case_id not in bob.get("/admin/cases").get_data(as_text=True)
    assert "case.user_excluded" in _actions(portal_app)
    # No grant gives the case back to him.
    post(alice, f"/admin/cases/{case_id}/grant", {"grant-user_id": world.bob.id})
    assert "cannot be shared with this person" in alice.get(
        f"/admin/cases/{case_id}").get_data(as_text=True)
    assert _wrap_count(portal_app, case_id, world.bob.id) == 0


def test_the_last_holder_cannot_be_left_out(world: World, portal_app: Flask,
                                            admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, None)  # the group's: Grace alone holds it
    grace = signed_in(admin_app, world.grace)
    # Stepping aside is confirmed on its own page (issue 14 §9), which sends the confirmation.
    post(grace, f"/admin/cases/{case_id}/exclude", {"exclude-user_id": world.grace.id,
                                                    "exclude-confirm_self": "yes"})
    assert "Nobody else holds this case" in grace.get(
        f"/admin/cases/{case_id}").get_data(as_text=True)
    assert _wrap_count(portal_app, case_id, world.grace.id) == 2
    # With a colleague on the case, she may step aside herself.
    post(grace, f"/admin/cases/{case_id}/grant", {"grant-user_id": world.olga.id,
                                                  "grant-reason": "expertise"})
    response = post(grace, f"/admin/cases/{case_id}/exclude",
                    {"exclude-user_id": world.grace.id, "exclude-confirm_self": "yes"})
    assert response.headers["Location"].endswith("/admin/cases")
    assert grace.get(f"/admin/cases/{case_id}").status_code == 404


def test_grant_round_trip(world: World, portal_app: Flask, admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id, "GRANTED-MARKER")
    olga = signed_in(admin_app, world.olga)
    assert olga.get(f"/admin/cases/{case_id}").status_code == 404
    alice = signed_in(admin_app, world.alice)
    assert world.olga.name in alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    post(alice, f"/admin/cases/{case_id}/grant", {"grant-user_id": world.olga.id,
                                                  "grant-reason": "expertise"})
    assert _keys_of(portal_app, case_id, world.olga.id, world.olga.private_key) == [True, True]
    assert "GRANTED-MARKER" in olga.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    # Olga works for Baltic: a grant beyond the company, recorded as such (issue 11 §3).
    assert "case.granted_beyond_company" in _actions(portal_app)


def test_grant_refuses_uncertified_keys_and_non_handlers(world: World, portal_app: Flask,
                                                          admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    planted, _password, _secret = make_user(portal_app, units=("BALTIC",), name="Planted")
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        user = db.get(User, planted.id)
        assert user is not None
        user.key_certificate = None  # as if written straight into the database
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/grant", {"grant-user_id": planted.id})
    assert "has not been approved" in alice.get(
        f"/admin/cases/{case_id}").get_data(as_text=True)
    assert _wrap_count(portal_app, case_id, planted.id) == 0
    post(alice, f"/admin/cases/{case_id}/grant", {"grant-user_id": world.mona.id})
    assert _wrap_count(portal_app, case_id, world.mona.id) == 0


def test_reporter_exclusions_hold_for_grants(client: FlaskClient, world: World,
                                             portal_app: Flask, admin_app: Flask) -> None:
    report_over_http(client, world.unit_id, "About Bob.", exclude=[world.bob.id])
    alice = signed_in(admin_app, world.alice)
    page = alice.get("/admin/cases").get_data(as_text=True)
    case_id = page.split('href="/admin/cases/')[1].split('"')[0]
    assert _wrap_count(portal_app, case_id, world.bob.id) == 0
    assert world.bob.name not in alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    post(alice, f"/admin/cases/{case_id}/grant", {"grant-user_id": world.bob.id})
    assert _wrap_count(portal_app, case_id, world.bob.id) == 0


def test_recover_after_a_password_reset(world: World, portal_app: Flask,
                                        runner: FlaskCliRunner, tmp_path: Path) -> None:
    first, _ = new_case(portal_app, world.unit_id)
    second, _ = new_case(portal_app, world.unit_id)
    excluded, _ = new_case(portal_app, world.unit_id)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        # Alice was left out of this one for a conflict of interest.
        db.add(CaseExclusion(case_id=excluded, user_id=world.alice.id))
        db.execute(delete(CaseKeyWrap).where(CaseKeyWrap.case_id == excluded,
                                             CaseKeyWrap.recipient_id == world.alice.id))
    # An admin resets Alice's password: a new key pair; the old wraps open nothing.
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        user = db.get(User, world.alice.id)
        assert user is not None
        reset_password(db, user, costs=settings_of(portal_app).argon2,
                       keys=server_keys_of(portal_app), new_password="a brand new passphrase",
                       actor=Actor("system"))
        new_key = open_private_key(user.sealed_private_key, "a brand new passphrase",
                                   pepper=server_keys_of(portal_app).key_sealing)
    assert _keys_of(portal_app, first, world.alice.id, new_key) == [False, False]

    sheet = tmp_path / "sheet.txt"
    sheet.write_text(world.recovery_sheet)
    result = runner.invoke(args=["recover", "--recovery-sheet", str(sheet),
                                 "--to", world.alice.email.upper(), "--unit", "NORDIC"])
    assert result.exit_code == 0, result.output
    assert "Shared 2 cases" in result.output
    assert "Skipped 1 cases" in result.output
    for case_id in (first, second):
        assert _keys_of(portal_app, case_id, world.alice.id, new_key) == [True, True]
        assert _wrap_count(portal_app, case_id, world.alice.id) == 2
    assert _keys_of(portal_app, excluded, world.alice.id, new_key) == [False, False]
    assert _actions(portal_app).count("case.recovered") == 2
    # Run again: the wraps are replaced, never duplicated.
    assert runner.invoke(args=["recover", "--recovery-sheet", str(sheet),
                               "--to", world.alice.email, "--unit", "NORDIC"]).exit_code == 0
    assert _wrap_count(portal_app, first, world.alice.id) == 2


def test_recover_refuses_a_wrong_sheet_or_person(world: World, portal_app: Flask,
                                                 runner: FlaskCliRunner,
                                                 tmp_path: Path) -> None:
    new_case(portal_app, world.unit_id)
    other = tmp_path / "other.txt"
    other.write_text(format_recovery_sheet(generate_recovery_key(), "Other", "2026-01-01"))
    result = runner.invoke(args=["recover", "--recovery-sheet", str(other),
                                 "--to", world.alice.email, "--all-units"])
    assert result.exit_code != 0
    assert "does not belong to this installation" in result.output
    typo = tmp_path / "typo.txt"
    lines = world.recovery_sheet.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("03"))
    lines[index] = lines[index][:6] + ("0" if lines[index][6] != "0" else "1") + lines[index][7:]
    typo.write_text("\n".join(lines))
    result = runner.invoke(args=["recover", "--recovery-sheet", str(typo),
                                 "--to", world.alice.email, "--all-units"])
    assert result.exit_code != 0 and "Group 3" in result.output
    sheet = tmp_path / "sheet.txt"
    sheet.write_text(world.recovery_sheet)
    for email, message in ((world.mona.email, "active case handler"),
                           ("nobody@example.org", "no user")):
        result = runner.invoke(args=["recover", "--recovery-sheet", str(sheet), "--to", email,
                                     "--all-units"])
        assert result.exit_code != 0 and message in result.output
