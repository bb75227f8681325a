"""The reporter's identity choice (issue 11 §8 (b); Directive Art. 16): anonymous unless the
reporter chooses to give their name; the name sealed apart from the answers and the contact
details, under the staff key (the case code does not open it); handlers see it in its own
box; the figures count the anonymous share from clear metadata only."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select, text

from config import Settings
from crypto import InvalidCiphertext
from portal.cases.attachments import Upload
from portal.cases.identity import IDENTITY, identity_of, record_identity
from portal.cases.reading import open_case_view
from portal.cases.sealing import open_text
from portal.cases.submission import NewReport, open_case_with_code, submit_report
from portal.db import session_factory, transaction, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import Case, CaseIdentity, CaseStat, OrgUnit
from portal.states import KeyKind
from portal.stats import case_figures, identity_counts
from portal.storage import file_store
from tests.admin.case_support import World, open_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.factories import csrf_token
from tests.portal.helpers import follow_up, post_report, submit

NAME = "Kari Nordmann-Zebra 5521"


def _at_rest(settings: Settings, app: Flask) -> bytes:
    """Every byte the instance holds at rest (SQLite files, stored files), or on PostgreSQL a
    dump of every row of every table."""
    chunks = [path.read_bytes() for path in settings.instance_dir.rglob("*")
              if path.is_file() and path.name != "server-keys.json"]
    if not settings.database_url.startswith("sqlite"):
        with app.app_context(), transaction(session_factory(app)) as db:
            tables = db.scalars(text("SELECT tablename FROM pg_tables "
                                     "WHERE schemaname = 'public'")).all()
            for table in tables:
                for row in db.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                    chunks.append(repr(tuple(row)).encode())
    return b"\n".join(chunks)


def _identity_rows(app: Flask) -> int:
    with app.app_context(), transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(CaseIdentity)) or 0)


def _case_id_of(app: Flask, code: str) -> str:
    with app.app_context(), transaction(session_factory(app)) as db:
        opened = open_case_with_code(db, settings=settings_of(app),
                                     server_keys=server_keys_of(app), code=code)
        assert opened is not None
        return opened[0].id


def named_case(app: Flask, unit_id: str, name: str, **extra: Any) -> str:
    """A case submitted through the services as the report form does with a name given."""
    with app.app_context(), transaction(session_factory(app)) as db:
        submitted = submit_report(
            db, settings=settings_of(app), server_keys=server_keys_of(app),
            store=file_store(app), uploads=[],
            report=NewReport(category="forced_labour", human_rights=True, unit_id=unit_id,
                             description="Passports are kept.", language="en"),
            now=extra.get("now"))
        record_identity(db, keys=submitted.keys, case=submitted.case, name=name)
        return submitted.case.id


def test_the_form_offers_the_choice_and_says_who_reads_the_name(
        world: World, client: FlaskClient) -> None:
    page = client.get("/report").get_data(as_text=True)
    # Anonymous is the one option chosen beforehand.
    assert re.search(r'<input [^>]*checked id="identity-0" name="identity" type="radio" '
                     r'value="anonymous"', page), page.split('id="identity"')[1][:800]
    assert 'value="named"' in page and not re.search(r'checked[^>]*value="named"', page)
    assert 'name="reporter_name"' in page
    # True words: who can read it, that the code does not show it, when it may be disclosed.
    assert "recovery key" in page
    assert "your case code does not show it" in page
    assert "we tell you before we do unless that would jeopardise" in page


def test_a_report_is_anonymous_unless_the_reporter_chooses_a_name(
        world: World, client: FlaskClient, settings: Settings, portal_app: Flask) -> None:
    submit(client, world.unit_id, "No identity field at all.")
    # A name typed and then "anonymous" chosen is dropped, never stored.
    submit(client, world.unit_id, "Typed a name, then chose anonymous.",
           identity="anonymous", reporter_name=NAME)
    assert _identity_rows(portal_app) == 0
    assert NAME.encode() not in _at_rest(settings, portal_app)


def test_choosing_a_name_without_writing_it_is_refused(
        world: World, client: FlaskClient, portal_app: Flask) -> None:
    response = post_report(client, world.unit_id, "Named but empty.", identity="named",
                           reporter_name="   ")
    assert response.status_code == 200
    assert "Write your name, or choose to stay anonymous." in response.get_data(as_text=True)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(func.count()).select_from(Case)) == 0


def test_the_name_is_sealed_apart_and_the_case_code_does_not_open_it(
        world: World, client: FlaskClient, settings: Settings, portal_app: Flask,
        admin_app: Flask) -> None:
    code = submit(client, world.unit_id, "The foreman keeps passports.", identity="named",
                  reporter_name=NAME, contact="kari@example.net")
    case_id = _case_id_of(portal_app, code)
    assert _identity_rows(portal_app) == 1
    # Never in clear anywhere at rest.
    assert NAME.encode() not in _at_rest(settings, portal_app)
    with admin_app.app_context():
        db, opened = open_case(admin_app, case_id, world.alice)
        assert opened is not None
        # The handler reads it, apart from the answers and the contact details.
        assert identity_of(db, opened) is not None
        assert identity_of(db, opened).name == NAME  # type: ignore[union-attr]
        answers = open_case_view(db, opened.case, opened.keys).answers
        assert answers is not None and NAME not in json.dumps(answers, ensure_ascii=False)
        assert answers["contact"] == "kari@example.net"
        db.close()
    # The reporter's keys (from the code) hold no staff key: the name does not open with them.
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        opened_by_code = open_case_with_code(db, settings=settings_of(portal_app),
                                             server_keys=server_keys_of(portal_app), code=code)
        assert opened_by_code is not None
        reporter_keys = opened_by_code[1]
        assert reporter_keys.key(KeyKind.STAFF, 0) is None
        case_key = reporter_keys.key(KeyKind.CASE, 0)
        row = db.get(CaseIdentity, case_id)
        assert case_key is not None and row is not None
        with pytest.raises(InvalidCiphertext):
            open_text(case_key, case_id=case_id, item_id=case_id, kind=IDENTITY,
                      blob=row.sealed_name)
    follow_up(client, code)
    assert NAME not in client.get("/case").get_data(as_text=True)


def test_handlers_see_the_name_in_its_own_identity_box(
        world: World, client: FlaskClient, portal_app: Flask, admin_app: Flask) -> None:
    named = named_case(portal_app, world.unit_id, NAME)
    anonymous = _case_id_of(portal_app, submit(client, world.unit_id, "Anonymous report."))
    alice = signed_in(admin_app, world.alice)
    page = alice.get(f"/admin/cases/{named}").get_data(as_text=True)
    box = page.split('<section class="identity-box" id="identity"')[1].split("</section>")[0]
    assert NAME in box and "confidential identity" in box
    assert "Record a disclosure of the identity to an authority" in box
    # Not mixed into the report's facts (the contact details stay apart).
    report_part = page.split('<section class="identity-box"')[0]
    assert NAME not in report_part
    page = alice.get(f"/admin/cases/{anonymous}").get_data(as_text=True)
    box = page.split('<section class="identity-box" id="identity"')[1].split("</section>")[0]
    assert "Anonymous: the reporter did not give their name." in box
    assert "Record a disclosure" not in box


def test_figures_count_the_anonymous_share_live_and_after_the_purge(
        world: World, client: FlaskClient, portal_app: Flask, runner: FlaskCliRunner) -> None:
    long_ago = utcnow() - timedelta(days=900)
    year = long_ago.year
    named_ids = [named_case(portal_app, world.unit_id, f"Person {n}", now=long_ago)
                 for n in range(2)]
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        report = NewReport(category="forced_labour", human_rights=True, unit_id=world.unit_id,
                           description="Anonymous.", language="en")
        anonymous_id = submit_report(
            db, settings=settings_of(portal_app), server_keys=server_keys_of(portal_app),
            store=file_store(portal_app), report=report,
            uploads=[Upload("a.txt", "text/plain", io.BytesIO(b"x"))], now=long_ago).case.id
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert identity_counts(db, year) == (1, 2)
        figures = case_figures(db, year, now=utcnow(), k=1)
        assert (figures.reported_anonymously.value, figures.reported_with_name.value) == (1, 2)
        # Small counts are hidden together (portal.small_counts: 3 reports in all, fewer than
        # k = 5, so the breakdown is withheld whole).
        hidden = case_figures(db, year, now=utcnow(), k=5)
        assert not hidden.reported_anonymously.shown and not hidden.reported_with_name.shown
        for case in db.scalars(select(Case)):
            case.status, case.closed_at = "closed", long_ago + timedelta(days=10)
        # A unit period, as tests/portal/test_retention.py sets one (see the report: with no
        # unit period at all, `_expired` matches only cases without a unit).
        unit = db.get(OrgUnit, world.unit_id)
        assert unit is not None
        unit.retention_days = 30
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Purged 3 cases" in result.output, result.output
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(func.count()).select_from(Case)) == 0
        assert db.scalar(select(func.count()).select_from(CaseIdentity)) == 0
        assert sorted(bool(row.reporter_named) for row in db.scalars(select(CaseStat))) == [
            False, True, True]
        assert identity_counts(db, year) == (1, 2)
    assert len(named_ids) == 2 and anonymous_id not in named_ids


def test_the_choice_needs_a_csrf_token(world: World, client: FlaskClient,
                                       portal_app: Flask) -> None:
    csrf_token(client, "/report")
    response = client.post("/report", data={"category": "forced_labour",
                                            "unit": world.unit_id, "description": "x",
                                            "identity": "named", "reporter_name": NAME},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert _identity_rows(portal_app) == 0
