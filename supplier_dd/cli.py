"""`aktsom suppliers ...`: the supplier module's commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from portal.audit import CONSOLE
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.refusals import Refusal
from supplier_dd.countries_cli import countries_group
from supplier_dd.imports import ImportRejected, export_suppliers, import_suppliers
from supplier_dd.models import Supplier

suppliers_group = AppGroup("suppliers", help="The supplier register and due diligence.")
suppliers_group.add_command(countries_group)


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


@suppliers_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file: Path) -> None:
    """Import the register from FILE (.csv or .xlsx): all rows or none; rows with the
    organisation number of a supplier in the register update it."""
    settings = settings_of()
    with file.open("rb") as handle:
        # One byte more than allowed is enough to know the file is too large.
        data = handle.read(settings.supplier_import_max_bytes + 1)
    try:
        with transaction(session_factory(current_app)) as db:
            result = import_suppliers(db, settings, server_keys_of(), CONSOLE, file.name, data)
    except ImportRejected as rejected:
        for problem in rejected.problems:
            where = f"row {problem.row}, column {problem.column}: " if problem.row else ""
            click.echo(f"{where}{problem.english()}", err=True)
        raise click.ClickException(str(rejected)) from None
    click.echo(f"Imported: {result.created} added, {result.updated} updated.")


@suppliers_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_command(file: Path) -> None:
    """Write the register to FILE (.csv or .xlsx, by its extension)."""
    try:
        with transaction(session_factory(current_app)) as db:
            content = export_suppliers(db, server_keys_of(), CONSOLE, file.name)
    except Refusal as refused:
        raise click.ClickException(str(refused)) from None
    file.write_bytes(content)
    click.echo(f"Written: {file}")
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


@suppliers_group.command("year-end")
@click.option("--year", type=click.IntRange(1990, 9999), default=None,
              help="The year to store (default: the latest year that has ended).")
@click.option("--force", is_flag=True,
              help="Take a year still in progress, or take a stored year again.")
@with_appcontext
def year_end_command(year: int | None, force: bool) -> None:
    """Store the register's figures as YEAR ended (tiers, country risk, spend bands, Code of
    Conduct coverage, assessments), for the annual account of a closed year. Run it once
    after 31 December (aktsom-suppliers-year-end.timer runs it every day, which stores each
    year on 1 January and keeps it after); a stored year is kept as it is."""
    from portal.db import utcnow
    from supplier_dd.stats import YearInProgress, last_ended_year, take_year_end

    if year is None:
        year = last_ended_year(utcnow())
    try:
        with transaction(session_factory(current_app)) as db:
            counts, taken = take_year_end(db, settings_of(), year, now=utcnow(), force=force)
    except YearInProgress:
        raise click.ClickException(
            f"{year} has not ended yet: its figures are not final (use --force to take "
            "them all the same).") from None
    if taken:
        click.echo(f"Stored the register's figures for {year}: {counts.suppliers} suppliers.")
    else:
        click.echo(f"The figures for {year} were stored before; kept as they are.")
