"""`aktsom annual-report --year Y [--unit CODE] --format html|pdf|csv|json|esrs --out PATH
[--language nb|en]` (issue 13 §6–7): the account's figures for a year, per company or for the
group, written to a file."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from admin.annual.figures import account_figures
from admin.annual.outputs import FORMATS, LANGUAGES, render
from portal.db import session_factory, transaction, utcnow
from portal.extensions import settings_of
from portal.refusals import Refusal
from portal.units import units_by_code


def register_commands(group: click.Group) -> None:
    group.add_command(annual_report_command)


@click.command("annual-report")
@click.option("--year", type=click.IntRange(1990, 9999), required=True)
@click.option("--unit", "unit_code", default=None, help="A company's code; the group if left out.")
@click.option("--format", "kind", type=click.Choice((*FORMATS, "pdf")), required=True)
@click.option("--language", type=click.Choice(LANGUAGES), default="nb", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def annual_report_command(year: int, unit_code: str | None, kind: str, language: str,
                          out: str) -> None:
    """Write the Transparency Act account's figures for YEAR."""
    settings = settings_of()
    with transaction(session_factory(current_app)) as db:
        unit_id = None
        if unit_code is not None:
            try:
                unit_id = units_by_code(db, [unit_code])[0].id
            except Refusal as refusal:
                raise click.ClickException(refusal.template % refusal.params) from None
        figures = account_figures(db, settings, year=year, unit_id=unit_id, now=utcnow())
        if kind == "pdf":
            with current_app.test_request_context("/"):
                from admin.annual.pdf import render_pdf  # fpdf: only when asked for

                data = render_pdf(figures, settings, language, db)
        else:
            data = render(kind, figures, settings, language, db).encode("utf-8")
    path = Path(out)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    click.echo(f"Wrote {kind} figures for {year} to {path}")
