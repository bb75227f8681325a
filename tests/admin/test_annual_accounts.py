"""The Transparency Act account's workflow (issue 13 §4-§5): draft -> approved (four eyes)
-> signed by each company's board -> published as a frozen snapshot; new versions keep the old
ones; the 30 June reminder goes out once; every step audited with ids only."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from admin.annual import accounts as service
from admin.annual.figures import account_figures
from admin.annual.models import AccountStatus, AnnualAccount
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.models import AuditEvent, PublishedAccount, User
from portal.models.transparency import GROUP_SCOPE
from portal.refusals import Refusal
from portal.states import Role
from portal.transparency import digest_of
from tests.admin.case_support import World, make_person, new_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.helpers import csrf_token
from tests.factories import make_recovery_key
from tests.mail_sink import Sink
from tests.mail_sink import settings as settings  # noqa: F401 (fixture)
from tests.mail_sink import sink as sink  # noqa: F401 (fixture)

YEAR = datetime.now(UTC).year
NOW = datetime(YEAR, 12, 1, 12, tzinfo=UTC)
FIGURES = {"tables": [], "medians": [], "year": YEAR, "previous_year": YEAR - 1,
           "small_count_k": 3}
TEXTS = {"a": {"nb": "Vi har **rutiner**.", "en": "We have **routines**."},
         "b": {"nb": "Risiko for tvangsarbeid.", "en": "Risk of forced labour."},
         "c": {"nb": "- Revisjon\n- Opplæring", "en": "- Audit\n- Training"}}
FLASH_ERROR = re.compile(r'class="notice notice-error"[^>]*>([^<]+)<')


def _user(db: Any, person: Any) -> User:
    user = db.get(User, person.id)
    assert user is not None
    return user


def _draft_and_approve(app: Flask, world: World, scope: str, *, writer: Any,
                       approver: Any) -> str:
    with app.app_context(), transaction(session_factory(app)) as db:
        keys = server_keys_of(app)
        account = service.open_account(db, YEAR, scope)
        service.save_texts(db, keys, _user(db, writer), account, TEXTS, now=NOW)
        service.approve(db, keys, settings_of(app), _user(db, approver), account,
                        figures=FIGURES, now=NOW)
        return account.id


def _sign(app: Flask, account_id: str, unit_id: str, person: Any, name: str) -> AccountStatus:
    with app.app_context(), transaction(session_factory(app)) as db:
        account = db.get(AnnualAccount, account_id)
        assert account is not None
        service.record_signature(db, server_keys_of(app), _user(db, person), account,
                                 unit_id=unit_id, name=name, role="Chair of the board",
                                 signed_on=NOW.date())
        return account.status


def _publish(app: Flask, account_id: str, person: Any) -> str:
    with app.app_context(), transaction(session_factory(app)) as db:
        account = db.get(AnnualAccount, account_id)
        assert account is not None
        return service.publish(db, server_keys_of(app), _user(db, person), account,
                               now=NOW).id


@pytest.fixture
def cora(admin_app: Flask, world: World) -> Any:
    """A second compliance officer: the four eyes."""
    return make_person(admin_app, "Cora", (Role.COMPLIANCE,), ())


def test_a_company_account_goes_from_draft_to_published(admin_app: Flask, world: World,
                                                       cora: Any) -> None:
    account_id = _draft_and_approve(admin_app, world, world.unit_id, writer=world.carl,
                                    approver=cora)
    # Another company's board does not sign this company's account.
    with pytest.raises(Refusal):
        _sign(admin_app, account_id, world.other_unit_id, cora, "Per Styre")
    assert _sign(admin_app, account_id, world.unit_id, cora, "Kari Styre") \
        == AccountStatus.SIGNED
    published_id = _publish(admin_app, account_id, world.carl)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        row = db.get(PublishedAccount, published_id)
        assert row is not None and row.version == 1 and row.scope == world.unit_id
        assert row.digest == digest_of(server_keys_of(admin_app), row.snapshot)
        content = json.loads(row.snapshot)
        assert content["texts"] == TEXTS and content["figures"] == FIGURES
        assert content["signatures"] == [{"company": "NORDIC company", "name": "Kari Styre",
                                          "role": "Chair of the board",
                                          "signed_on": NOW.date().isoformat()}]
        assert content["due_date"] == f"{YEAR + 1}-06-30"
        account = db.get(AnnualAccount, account_id)
        assert account is not None and account.status == AccountStatus.PUBLISHED
        # Audited with ids only: who, and which account, signature or publication.
        actions = [event.action for event in db.scalars(select(AuditEvent))
                   if str(event.action).startswith("annual_account.")]
        assert actions == ["annual_account.edited", "annual_account.approved",
                           "annual_account.signature_recorded", "annual_account.published"]


def test_the_writer_cannot_approve_their_own_draft(admin_app: Flask, world: World,
                                                  cora: Any) -> None:
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        keys = server_keys_of(admin_app)
        account = service.open_account(db, YEAR, world.unit_id)
        service.save_texts(db, keys, _user(db, world.carl), account, TEXTS, now=NOW)
        service.save_texts(db, keys, _user(db, cora), account, TEXTS, now=NOW)
        # Both wrote: neither may approve.
        for person in (world.carl, cora):
            with pytest.raises(Refusal, match="second person"):
                service.approve(db, keys, settings_of(admin_app), _user(db, person), account,
                                figures=FIGURES, now=NOW)
        assert account.status == AccountStatus.DRAFT and account.frozen is None


def test_approval_needs_the_three_norwegian_texts(admin_app: Flask, world: World,
                                                 cora: Any) -> None:
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        keys = server_keys_of(admin_app)
        account = service.open_account(db, YEAR, world.unit_id)
        service.save_texts(db, keys, _user(db, world.carl), account,
                           {**TEXTS, "c": {"nb": "", "en": "Only English."}}, now=NOW)
        with pytest.raises(Refusal, match="Norwegian"):
            service.approve(db, keys, settings_of(admin_app), _user(db, cora), account,
                            figures=FIGURES, now=NOW)


def test_the_group_account_is_signed_by_every_covered_company(admin_app: Flask, world: World,
                                                              cora: Any) -> None:
    account_id = _draft_and_approve(admin_app, world, GROUP_SCOPE, writer=world.carl,
                                    approver=cora)
    assert _sign(admin_app, account_id, world.unit_id, cora, "Kari Styre") \
        == AccountStatus.APPROVED
    with pytest.raises(Refusal, match="every board"):
        _publish(admin_app, account_id, cora)
    # The group level itself is not a covered company and does not sign.
    with pytest.raises(Refusal):
        _sign(admin_app, account_id, world.group_unit_id, cora, "Gro Konsern")
    assert _sign(admin_app, account_id, world.other_unit_id, cora, "Per Styre") \
        == AccountStatus.SIGNED
    published_id = _publish(admin_app, account_id, cora)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        row = db.get(PublishedAccount, published_id)
        assert row is not None
        signers = {item["company"] for item in json.loads(row.snapshot)["signatures"]}
        assert signers == {"NORDIC company", "BALTIC company"}


def test_editing_an_approved_account_takes_it_back_to_draft_without_signatures(
    admin_app: Flask, world: World, cora: Any,
) -> None:
    account_id = _draft_and_approve(admin_app, world, world.unit_id, writer=world.carl,
                                    approver=cora)
    _sign(admin_app, account_id, world.unit_id, cora, "Kari Styre")
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        account = db.get(AnnualAccount, account_id)
        assert account is not None
        service.save_texts(db, server_keys_of(admin_app), _user(db, cora), account,
                           {**TEXTS, "b": {"nb": "Nye funn.", "en": "New findings."}}, now=NOW)
        assert account.status == AccountStatus.DRAFT and account.frozen is None
        assert service.signatures_of(db, account) == []
        with pytest.raises(Refusal):
            service.publish(db, server_keys_of(admin_app), _user(db, cora), account, now=NOW)


def test_a_new_version_keeps_the_earlier_one(admin_app: Flask, world: World,
                                             cora: Any) -> None:
    account_id = _draft_and_approve(admin_app, world, world.unit_id, writer=world.carl,
                                    approver=cora)
    _sign(admin_app, account_id, world.unit_id, cora, "Kari Styre")
    first_id = _publish(admin_app, account_id, cora)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        first = db.get(PublishedAccount, first_id)
        assert first is not None
        before = (first.snapshot, first.digest)
        account = db.get(AnnualAccount, account_id)
        assert account is not None
        keys = server_keys_of(admin_app)
        with pytest.raises(Refusal, match="published"):
            service.save_texts(db, keys, _user(db, cora), account, TEXTS, now=NOW)
        service.start_new_version(db, keys, _user(db, cora), account)
        assert account.status == AccountStatus.DRAFT
        assert service.texts_of(account) == TEXTS
        service.save_texts(db, keys, _user(db, cora), account,
                           {**TEXTS, "c": {"nb": "Leverandør avsluttet.",
                                           "en": "Supplier terminated."}}, now=NOW)
        # Cora wrote this version: Carl approves it.
        service.approve(db, keys, settings_of(admin_app), _user(db, world.carl), account,
                        figures=FIGURES, now=NOW)
    _sign(admin_app, account_id, world.unit_id, cora, "Kari Styre")
    second_id = _publish(admin_app, account_id, cora)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        versions = service.published_versions(db, YEAR, world.unit_id)
        assert [row.version for row in versions] == [2, 1]
        assert versions[0].id == second_id
        assert (versions[1].snapshot, versions[1].digest) == before
        assert json.loads(versions[0].snapshot)["texts"]["c"]["en"] == "Supplier terminated."


def test_the_web_workflow_and_a_snapshot_unchanged_by_new_cases(
    admin_app: Flask, portal_app: Flask, world: World, cora: Any,
) -> None:
    carl, other = signed_in(admin_app, world.carl), signed_in(admin_app, cora)
    page = f"/admin/annual-accounts/{YEAR}/{world.unit_id}"
    data = {f"{key}_{lang}": TEXTS[key][lang] for key in TEXTS for lang in ("nb", "en")}
    assert carl.post(f"{page}/texts", data={"csrf_token": csrf_token(carl, page),
                                            **data}).status_code == 303
    carl.post(f"{page}/approve", data={"csrf_token": csrf_token(carl, page)})
    refused = FLASH_ERROR.search(carl.get(page).get_data(as_text=True))
    assert refused and "second person" in refused.group(1)
    assert other.post(f"{page}/approve",
                      data={"csrf_token": csrf_token(other, page)}).status_code == 303
    # Approved (and then signed) is not published: the public sees nothing of it yet.
    public_client = portal_app.test_client()
    assert "No account has been published yet." in public_client.get(
        "/transparency").get_data(as_text=True)
    other.post(f"{page}/signatures", data={
        "csrf_token": csrf_token(other, page), "unit": world.unit_id, "name": "Kari Styre",
        "role": "Chair of the board", "signed_on": date.today().isoformat()})
    assert "We have" not in public_client.get("/transparency").get_data(as_text=True)
    assert "No account has been published yet." in public_client.get(
        "/transparency").get_data(as_text=True)
    assert other.post(f"{page}/publish",
                      data={"csrf_token": csrf_token(other, page)}).status_code == 303
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        row = db.scalars(select(PublishedAccount)).one()
        before = (row.snapshot, row.digest)
        figures = json.loads(row.snapshot)["figures"]
        assert figures["year"] == YEAR and figures["tables"]
    public = portal_app.test_client().get(f"/transparency/{row.id}").get_data(as_text=True)
    assert "<strong>routines</strong>" in public and "Reports received" in public
    for index in range(4):
        new_case(portal_app, world.unit_id, f"Another report {index}.")
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        after = db.scalars(select(PublishedAccount)).one()
        assert (after.snapshot, after.digest) == before
        # The live figures did change: the snapshot is what kept the published ones.
        live = account_figures(db, settings_of(admin_app), year=YEAR, unit_id=world.unit_id,
                               now=datetime.now(UTC)).to_dict()
        assert live["tables"] != figures["tables"]
    assert portal_app.test_client().get(f"/transparency/{row.id}").get_data(
        as_text=True) == public


def test_auditors_read_and_only_compliance_changes(admin_app: Flask, world: World) -> None:
    page = f"/admin/annual-accounts/{YEAR}/{GROUP_SCOPE}"
    auditor = signed_in(admin_app, world.audrey)
    assert auditor.get("/admin/annual-accounts").status_code == 200
    assert auditor.get(page).status_code == 200
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        # Reading writes nothing: no draft row appears from a page view.
        assert db.scalars(select(AnnualAccount)).all() == []
    for action in ("texts", "approve", "signatures", "publish", "new-version"):
        assert auditor.post(f"{page}/{action}", data={
            "csrf_token": csrf_token(auditor, page)}).status_code == 403
    for person in (world.adam, world.alice, world.mona):
        assert signed_in(admin_app, person).get(page).status_code == 403
    compliance = signed_in(admin_app, world.carl)
    assert compliance.get(f"/admin/annual-accounts/{YEAR}/{'0' * 32}").status_code == 404
    assert compliance.get(f"/admin/annual-accounts/2019/{GROUP_SCOPE}").status_code == 404


def test_the_30_june_reminder_goes_out_once(admin_app: Flask, world: World,
                                            sink: tuple[Sink, int]) -> None:
    factory = session_factory(admin_app)
    settings = settings_of(admin_app)
    keys = server_keys_of(admin_app)
    previous = YEAR - 1
    with admin_app.app_context():
        too_early = datetime(YEAR, 5, 1, 8, tzinfo=UTC)
        assert "No Transparency" in service.remind_annual_account(factory, settings, keys,
                                                                  too_early)
        in_window = datetime(YEAR, 6, 5, 8, tzinfo=UTC)
        output = service.remind_annual_account(factory, settings, keys, in_window)
        assert f"the {previous} account is due by 30 June" in output
        assert [rcpts for rcpts, _mail in sink[0].mails] == [[world.carl.email]]
        body = sink[0].mails[0][1].get_payload(decode=True).decode()
        assert "/admin/annual-accounts" in body
        assert "No Transparency" in service.remind_annual_account(
            factory, settings, keys, datetime(YEAR, 6, 20, 8, tzinfo=UTC))
        assert len(sink[0].mails) == 1


def test_no_reminder_once_the_group_account_is_published(admin_app: Flask, world: World,
                                                         sink: tuple[Sink, int]) -> None:
    factory = session_factory(admin_app)
    with admin_app.app_context(), transaction(factory) as db:
        db.add(PublishedAccount(year=YEAR - 1, scope=GROUP_SCOPE, version=1, snapshot="{}",
                                digest=digest_of(server_keys_of(admin_app), "{}")))
    with admin_app.app_context():
        assert "No Transparency" in service.remind_annual_account(
            factory, settings_of(admin_app), server_keys_of(admin_app),
            datetime(YEAR, 6, 5, 8, tzinfo=UTC))
    assert sink[0].mails == []


def test_from_the_demo_olav_approves_coras_draft_and_the_group_publishes(
    admin_app: Flask, runner: Any,
) -> None:
    make_recovery_key(admin_app)
    result = runner.invoke(args=["demo", "--password", "demo password 123"])
    assert result.exit_code == 0, result.output
    last_year = datetime.now(UTC).year - 1
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        keys, settings = server_keys_of(admin_app), settings_of(admin_app)
        cora = db.scalars(select(User).where(User.email == "cora@demo.example")).one()
        olav = db.scalars(select(User).where(User.email == "olav@demo.example")).one()
        account = service.account_for(db, last_year, GROUP_SCOPE)
        assert account is not None and account.status == AccountStatus.DRAFT
        figures = account_figures(db, settings, year=last_year, unit_id=None,
                                  now=datetime.now(UTC)).to_dict()
        with pytest.raises(Refusal):
            service.approve(db, keys, settings, cora, account, figures=figures,
                            now=datetime.now(UTC))
        service.approve(db, keys, settings, olav, account, figures=figures,
                        now=datetime.now(UTC))
        for unit in service.covered_units(db):
            service.record_signature(db, keys, olav, account, unit_id=unit.id,
                                     name="Demo Chair", role="Chair of the board",
                                     signed_on=datetime.now(UTC).date())
        published = service.publish(db, keys, olav, account, now=datetime.now(UTC))
        content = json.loads(published.snapshot)
    # By hand: nine demo reports last year, five the year before (admin/annual/demo.py).
    received = next(table for table in content["figures"]["tables"]
                    if table["key"] == "reports.received")["rows"][0]
    assert received["current"] == {"value": 9, "status": "shown"}
    # The year before: Demo Nordic 4, Demo Baltic 1 (small). Nordic's 4 can be read off any
    # of its breakdowns (all four acknowledged on time, none late), so showing the group's
    # 5 would give Baltic's 1 away (5 - 4): the joint decision hides the group total instead
    # (one cell, rather than two in each of Nordic's tables).
    assert received["previous"] == {"value": None, "status": "complementary"}
    assert content["labels"]["nb"]["reports.received"] != content["labels"]["en"][
        "reports.received"]
    assert {item["company"] for item in content["signatures"]} == {"Demo Nordic AS",
                                                                  "Demo Baltic UAB"}


def test_notify_deadlines_runs_the_account_reminder(admin_app: Flask, world: World,
                                                     runner: Any,
                                                     sink: tuple[Sink, int]) -> None:
    output = runner.invoke(args=["notify-deadlines"]).output
    today = datetime.now(UTC).date()
    due = service.due_date(today.year - 1)
    if due - timedelta(days=30) <= today <= due:
        assert "account is due by 30 June" in output
    else:
        assert "No Transparency Act account needs a reminder." in output
