"""Grants stop at the company boundary (issue 11 §3): a case goes freely only to handlers
certified for its company or the group level; beyond, a reason is needed, the reporter is told
in the dialogue in their language, and it is recorded and audited. `aktsom recover` works one
unit at a time, and on the whole organisation only when told so."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from markupsafe import escape
from sqlalchemy import func, select

from portal.cases.access_grants import reporter_boundary_note
from portal.db import session_factory, transaction
from portal.models import AuditEvent, CaseBoundaryGrant, CaseKeyWrap, Message, UnitMembership
from portal.states import GrantReason
from tests.admin.case_support import World, new_case, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.portal.helpers import follow_up

NOTE = "SEALED-REASON-MARKER the Baltic handler speaks the reporter's language"


def _wraps(app: Flask, case_id: str, user_id: str) -> int:
    with app.app_context(), transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(CaseKeyWrap).where(
            CaseKeyWrap.case_id == case_id, CaseKeyWrap.recipient_id == user_id)) or 0)


def _actions(app: Flask, case_id: str) -> list[str]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return list(db.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case_id)
                               .order_by(AuditEvent.seq)))


def _note(app: Flask, language: str, reason: GrantReason) -> str:
    """The reporter's note as the page shows it (escaped), in `language`."""
    with app.app_context():
        return str(escape(reporter_boundary_note(language, reason)))


def _reporter_page(client: FlaskClient, code: str) -> str:
    assert follow_up(client, code).status_code == 303
    return client.get("/case").get_data(as_text=True)


def test_sharing_with_another_company_is_refused_without_a_reason(
        world: World, portal_app: Flask, admin_app: Flask, client: FlaskClient) -> None:
    """The reproduction: a Nordic handler shares a Nordic case with a Baltic handler."""
    case_id, code = new_case(portal_app, world.unit_id, language="sv")
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    # The form marks her as outside the company.
    assert "outside this company" in alice.get(url).get_data(as_text=True)
    post(alice, f"{url}/grant", {"grant-user_id": world.olga.id})
    assert "needs a reason" in alice.get(url).get_data(as_text=True)
    assert _wraps(portal_app, case_id, world.olga.id) == 0
    # "Another reason" needs the note.
    post(alice, f"{url}/grant", {"grant-user_id": world.olga.id, "grant-reason": "other"})
    assert _wraps(portal_app, case_id, world.olga.id) == 0
    post(alice, f"{url}/grant", {"grant-user_id": world.olga.id, "grant-reason": "bogus"})
    assert _wraps(portal_app, case_id, world.olga.id) == 0
    before = _reporter_page(client, code)
    swedish = _note(portal_app, "sv", GrantReason.OTHER)
    assert swedish not in before

    post(alice, f"{url}/grant", {"grant-user_id": world.olga.id, "grant-reason": "other",
                                 "grant-note": NOTE})
    assert _wraps(portal_app, case_id, world.olga.id) == 2
    assert "case.granted_beyond_company" in _actions(portal_app, case_id)
    # The reporter reads it in the language they wrote in, in general terms: never the note.
    assert swedish != _note(portal_app, "en", GrantReason.OTHER)
    assert "eftersom" in swedish
    page = _reporter_page(client, code)
    assert swedish in page
    assert "SEALED-REASON-MARKER" not in page
    # The handlers read the reason; in the database it is a code and a sealed note.
    assert "SEALED-REASON-MARKER" in signed_in(admin_app, world.olga).get(url).get_data(
        as_text=True)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        record = db.scalars(select(CaseBoundaryGrant)).one()
        assert (record.case_id, record.grantee_id, record.granted_by, record.reason) == (
            case_id, world.olga.id, world.alice.id, GrantReason.OTHER)
        assert record.note_id is not None and record.reporter_message_id is not None
        for message in db.scalars(select(Message).where(Message.case_id == case_id)):
            assert b"SEALED-REASON-MARKER" not in message.sealed_body


def test_the_company_and_the_group_level_need_no_reason(
        world: World, portal_app: Flask, admin_app: Flask, client: FlaskClient) -> None:
    case_id, code = new_case(portal_app, world.unit_id)
    before = _reporter_page(client, code)
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/grant", {"grant-user_id": world.grace.id})
    assert _wraps(portal_app, case_id, world.grace.id) == 2
    assert "case.granted" in _actions(portal_app, case_id)
    assert "case.granted_beyond_company" not in _actions(portal_app, case_id)
    # Nothing to tell the reporter: the page has no new message.
    assert _reporter_page(client, code).count("<li") == before.count("<li")
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(func.count()).select_from(CaseBoundaryGrant)) == 0


def test_a_membership_row_written_into_the_database_does_not_move_anyone_inside(
        world: World, portal_app: Flask, admin_app: Flask) -> None:
    """The boundary is the certificate's units, not the rows a database writer can add."""
    case_id, _ = new_case(portal_app, world.unit_id)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        db.add(UnitMembership(user_id=world.olga.id, unit_id=world.unit_id))
    alice = signed_in(admin_app, world.alice)
    post(alice, f"/admin/cases/{case_id}/grant", {"grant-user_id": world.olga.id})
    assert _wraps(portal_app, case_id, world.olga.id) == 0


def _recover(runner: FlaskCliRunner, sheet: Path, email: str, *extra: str) -> object:
    return runner.invoke(args=["recover", "--recovery-sheet", str(sheet), "--to", email,
                               *extra])


def test_recover_needs_a_unit_or_the_explicit_whole_organisation(
        world: World, portal_app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    case_id, _ = new_case(portal_app, world.unit_id)
    sheet = tmp_path / "sheet.txt"
    sheet.write_text(world.recovery_sheet)
    result = _recover(runner, sheet, world.grace.email)
    assert result.exit_code != 0  # type: ignore[attr-defined]
    assert "--unit CODE" in result.output and "--all-units" in result.output  # type: ignore[attr-defined]
    both = _recover(runner, sheet, world.grace.email, "--unit", "NORDIC", "--all-units")
    assert both.exit_code != 0  # type: ignore[attr-defined]
    assert _wraps(portal_app, case_id, world.grace.id) == 0
    whole = _recover(runner, sheet, world.grace.email, "--all-units")
    assert whole.exit_code == 0, whole.output  # type: ignore[attr-defined]
    assert "Shared 1 cases of the whole organisation" in whole.output  # type: ignore[attr-defined]
    assert _wraps(portal_app, case_id, world.grace.id) == 2


def test_recover_by_unit_shares_only_that_units_cases(
        world: World, portal_app: Flask, runner: FlaskCliRunner, tmp_path: Path,
        client: FlaskClient) -> None:
    nordic, _ = new_case(portal_app, world.unit_id)
    baltic, baltic_code = new_case(portal_app, world.other_unit_id, language="sv")
    unassigned, _ = new_case(portal_app, None)
    sheet = tmp_path / "sheet.txt"
    sheet.write_text(world.recovery_sheet)
    # Bob (Nordic) gets the Nordic cases only.
    result = _recover(runner, sheet, world.bob.email, "--unit", "NORDIC")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "Shared 1 cases of NORDIC" in result.output  # type: ignore[attr-defined]
    assert [_wraps(portal_app, case, world.bob.id) for case in (nordic, baltic, unassigned)] \
        == [2, 0, 0]
    # Baltic's cases are beyond Bob's company: skipped unless a reason is given.
    result = _recover(runner, sheet, world.bob.email, "--unit", "BALTIC")
    assert "Shared 0 cases" in result.output  # type: ignore[attr-defined]
    assert "Skipped 1 cases outside" in result.output  # type: ignore[attr-defined]
    assert _wraps(portal_app, baltic, world.bob.id) == 0
    before = _reporter_page(client, baltic_code)
    result = _recover(runner, sheet, world.bob.email, "--unit", "BALTIC", "--reason",
                      "no_handler_available")
    assert "Shared 1 cases of BALTIC" in result.output  # type: ignore[attr-defined]
    assert _wraps(portal_app, baltic, world.bob.id) == 2
    assert "case.recovered_beyond_company" in _actions(portal_app, baltic)
    note = _note(portal_app, "sv", GrantReason.NO_HANDLER_AVAILABLE)
    assert note not in before and note in _reporter_page(client, baltic_code)
    # The group level's code also takes the cases of no company.
    result = _recover(runner, sheet, world.grace.email, "--unit", "GROUP")
    assert "Shared 1 cases of GROUP" in result.output  # type: ignore[attr-defined]
    assert [_wraps(portal_app, case, world.grace.id) for case in (nordic, baltic, unassigned)] \
        == [0, 0, 2]


def test_someone_let_in_from_outside_before_needs_no_second_reason(
        world: World, portal_app: Flask, admin_app: Flask, client: FlaskClient) -> None:
    """Shared with a reason once (the reporter told), Olga's access can be renewed, e.g. after
    a new key pair, without telling the reporter again; Bob from outside still needs one."""
    case_id, code = new_case(portal_app, world.other_unit_id)  # Baltic: Olga's company
    olga = signed_in(admin_app, world.olga)
    url = f"/admin/cases/{case_id}"
    post(olga, f"{url}/grant", {"grant-user_id": world.alice.id,
                                "grant-reason": "several_companies"})
    assert _wraps(portal_app, case_id, world.alice.id) == 2
    told = _reporter_page(client, code).count("<li")
    post(olga, f"{url}/grant", {"grant-user_id": world.alice.id})
    assert _reporter_page(client, code).count("<li") == told
    post(olga, f"{url}/grant", {"grant-user_id": world.bob.id})
    assert _wraps(portal_app, case_id, world.bob.id) == 0
