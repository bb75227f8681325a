"""`aktsom suppliers ...`: the supplier module's commands."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from portal.db import session_factory
from supplier_dd.models import Supplier

suppliers_group = AppGroup("suppliers", help="The supplier register and due diligence.")


def register_commands(group: click.Group) -> None:
    """Add `aktsom suppliers` to the console script."""
    group.add_command(suppliers_group)


@suppliers_group.command("list")
@with_appcontext
def list_command() -> None:
    """Print the register: organisation number, country, tier and name."""
    with session_factory(current_app)() as db:
        for supplier in db.scalars(select(Supplier).order_by(Supplier.name)):
            click.echo(f"{supplier.org_number or '-'}\t{supplier.country}\t"
                       f"{supplier.tier}\t{supplier.name}")


@suppliers_group.command("check-overdue")
@with_appcontext
def check_overdue_command() -> None:
    """Open a contract review for each supplier with action items overdue past the grace
    period (AKTSOM_SUPPLIER_OVERDUE_GRACE_DAYS). Safe to run daily from cron: an item opens
    at most one review."""
    from portal.db import transaction, utcnow
    from portal.extensions import server_keys_of, settings_of
    from supplier_dd.actions import check_overdue

    with transaction(session_factory(current_app)) as db:
        opened = check_overdue(db, server_keys_of(), settings_of(), utcnow().date())
    click.echo(f"Opened {len(opened)} contract reviews.")


@suppliers_group.command("match-case-references")
@with_appcontext
def match_case_references_command() -> None:
    """Link cases whose free supplier reference is a supplier's organisation number to that
    supplier (run after importing the register); the rest stay shown as unmatched."""
    from portal.db import transaction
    from supplier_dd.case_links import match_case_references, unmatched_reference_count

    with transaction(session_factory(current_app)) as db:
        relinked = match_case_references(db)
        left = unmatched_reference_count(db)
    click.echo(f"Linked {relinked} cases to the register; {left} references match no "
               "supplier.")
