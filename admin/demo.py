"""`aktsom demo`: a demo organisation to explore — companies, staff of every role, a few
cases in different states, two past years of reports and information requests for the
Transparency Act account (admin.annual.demo), and a supplier register with its due diligence
(supplier_dd.demo, supplier_dd.demo_workflow). Never in production."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.accounts.services import create_user
from admin.accounts.totp import provisioning_uri
from admin.annual.demo import (
    add_account_draft,
    add_account_history,
    add_last_year_end,
    add_request_history,
    add_supplier_history,
)
from crypto import open_private_key
from portal.cases.dialogue import add_reporter_message
from portal.cases.handling import (
    acknowledge,
    acknowledgement_text,
    open_for_handler,
    reply_to_reporter,
)
from portal.cases.submission import ChannelNotReady, NewReport, submit_report
from portal.db import session_factory, transaction, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import OrgUnit, Role, User
from portal.storage import file_store
from portal.units import add_unit
from supplier_dd.demo import add_due_diligence, add_supplier_register, demo_supplier
from supplier_dd.demo_workflow import add_supplier_workflow
from supplier_dd.models import Supplier

DEMO_GROUP = "DEMO-GROUP"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    roles: tuple[Role, ...]
    unit: str | None


ACCOUNTS = (
    DemoAccount("admin@demo.example", "Ada Admin", (Role.ADMIN,), None),
    DemoAccount("nora@demo.example", "Nora Handler", (Role.HANDLER,), "DEMO-NO"),
    DemoAccount("nils@demo.example", "Nils Handler", (Role.HANDLER,), "DEMO-NO"),
    DemoAccount("lina@demo.example", "Lina Handler", (Role.HANDLER,), "DEMO-LT"),
    DemoAccount("greta@demo.example", "Greta Group", (Role.HANDLER,), DEMO_GROUP),
    DemoAccount("magnus@demo.example", "Magnus Manager", (Role.MANAGER,), "DEMO-NO"),
    DemoAccount("cora@demo.example", "Cora Compliance", (Role.COMPLIANCE,), None),
    # The second pair of eyes that approves the annual account Cora drafts (issue 13 §5).
    DemoAccount("olav@demo.example", "Olav Compliance", (Role.COMPLIANCE,), None),
    DemoAccount("aud@demo.example", "Aud Auditor", (Role.AUDITOR,), None),
)

CASES = (
    ("DEMO-NO", "forced_labour", "Agency workers at the Drammen warehouse say their "
     "passports are kept by the recruitment agency until they have paid a fee.", "en"),
    ("DEMO-NO", "working_conditions", "Verneutstyr mangler på lageret, og truckene har "
     "ikke vært kontrollert på et år.", "nb"),
    ("DEMO-LT", "corruption", "A buyer asked a supplier for a personal payment before "
     "renewing the contract.", "en"),
)


@click.command("demo")
@click.option("--password", default=None,
              help="Password for every demo account (default: a random one, printed).")
@with_appcontext
def demo_command(password: str | None) -> None:
    """Make a demo organisation, staff of every role and cases to explore."""
    settings = settings_of()
    if settings.is_production:
        raise click.ClickException("demo data is never made in production")
    password = password or secrets.token_urlsafe(12)
    factory = session_factory(current_app)
    with transaction(factory) as db:
        if db.scalar(select(OrgUnit.id).where(OrgUnit.code == DEMO_GROUP)) is not None:
            raise click.ClickException("the demo organisation exists already")
        add_unit(db, code=DEMO_GROUP, name="Demo Group compliance", is_group=True)
        add_unit(db, code="DEMO-NO", name="Demo Nordic AS", country="NO")
        add_unit(db, code="DEMO-LT", name="Demo Baltic UAB", country="LT")
        db.flush()
        lines = _make_accounts(db, password)
        suppliers = add_supplier_register(
            db, settings, server_keys_of(),
            {unit.code: unit for unit in db.scalars(select(OrgUnit))})
        # The register's year-end figures of the two years before (issue 13 §2).
        add_supplier_history(db, settings, now=utcnow())
        _add_supplier_due_diligence(db, suppliers)
        add_last_year_end(db, settings, now=utcnow())
        try:
            codes = _make_cases(db, password)
            # Two past years of reports and last year's draft account (issue 13 §8).
            history = add_account_history(db, settings, server_keys_of(), file_store(),
                                          password, now=utcnow())
            requests = add_request_history(db, settings, server_keys_of(), factory, password,
                                           now=utcnow())
            add_account_draft(db, server_keys_of(), now=utcnow())
        except ChannelNotReady:
            raise click.ClickException(
                "run `aktsom init` first (the recovery key is missing)"
            ) from None
    click.echo(f"Demo accounts (password for all: {password}):")
    for line in lines:
        click.echo(line)
    click.echo(f"\nDemo supplier register: {len(suppliers)} suppliers.")
    click.echo(f"Demo reports of the two years before: {history}; information requests: "
               f"{requests}; last year's Transparency Act account is drafted by Cora for Olav "
               "to approve.")
    click.echo("\nDemo case codes (reporter side, /followup):")
    for code in codes:
        click.echo(f"  {code}")


def _add_supplier_due_diligence(db: Session, suppliers: list[Supplier]) -> None:
    """Code of Conduct records, a high-risk supplier mid-analysis, and the workflow (an
    action plan, a meeting, a contract review before Magnus), done as Cora Compliance."""
    settings, keys = settings_of(), server_keys_of()
    cora = db.scalars(select(User).where(User.email == "cora@demo.example")).one()
    magnus = db.scalars(select(User).where(User.email == "magnus@demo.example")).one()
    today = date.today()
    add_due_diligence(db, settings, keys, suppliers, compliance=cora, today=today)
    add_supplier_workflow(db, keys, settings, supplier=demo_supplier(suppliers, "board"),
                          compliance=cora, manager=magnus, today=today)


def _make_accounts(db: Session, password: str) -> list[str]:
    settings, keys = settings_of(), server_keys_of()
    units = {unit.code: unit for unit in db.scalars(select(OrgUnit))}
    lines = []
    for account in ACCOUNTS:
        created = create_user(
            db, costs=settings.argon2, keys=keys, email=account.email, name=account.name,
            password=password, roles=account.roles,
            units=[units[account.unit]] if account.unit else [],
        )
        uri = provisioning_uri(created.totp_secret, account.email, settings.organisation_name)
        roles = ", ".join(role.value for role in account.roles)
        lines.append(f"  {account.email:<22} {roles:<11} {uri}")
    return lines


def _make_cases(db: Session, password: str) -> list[str]:
    settings, keys, store = settings_of(), server_keys_of(), file_store()
    codes = []
    for number, (unit_code, category_code, text, language) in enumerate(CASES):
        unit = db.scalars(select(OrgUnit).where(OrgUnit.code == unit_code)).one()
        category = next(item for item in settings.categories if item.code == category_code)
        submitted = submit_report(
            db, settings=settings, server_keys=keys, store=store, uploads=[],
            report=NewReport(category=category.code, human_rights=category.human_rights,
                             unit_id=unit.id, description=text, language=language),
        )
        codes.append(submitted.code)
        if number == 0:
            nora = db.scalars(select(User).where(User.email == "nora@demo.example")).one()
            opened = open_for_handler(db, submitted.case.id, nora,
                                      open_private_key(nora.sealed_private_key, password,
                                                       pepper=keys.key_sealing))
            assert opened is not None  # noqa: S101 (Nora is a handler of the unit)
            acknowledge(db, keys, settings, opened=opened, user=nora,
                        text=acknowledgement_text(language, settings))
            reply_to_reporter(db, keys, opened=opened, user=nora, is_feedback=False,
                              body="Thank you. Which agency is it, and since when?")
            add_reporter_message(db, settings=settings, server_keys=keys, store=store,
                                 case=submitted.case, keys=opened.keys,
                                 body="Nordic Staffing, since last spring.", uploads=[])
    return codes
