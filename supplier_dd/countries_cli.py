"""`aktsom suppliers countries import FILE --format wgi|ituc|simple`: the country table from
a publisher's file. Any bad row stops the import; nothing is half-imported."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from portal.audit import CONSOLE
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of
from portal.refusals import N_, Refusal
from supplier_dd.countries import (
    ITUC_LICENCE,
    ITUC_SOURCE,
    MAX_IMPORT_BYTES,
    ParsedFile,
    RowError,
    import_ratings,
    parse_ituc,
    parse_simple,
    parse_wgi,
)
from supplier_dd.models.risk import CountryIndex

countries_group = AppGroup("countries", help="The country table of the geography factor.")


def read_upload_text(data: bytes) -> str:
    """A CSV as text: UTF-8 (with or without a byte-order mark), else Windows-1252, which is
    what a spreadsheet saves on many desktops."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_file(text: str, kind: CountryIndex, *, year: int | None, source: str | None,
               licence: str | None) -> ParsedFile:
    """Parse `text` in the layout `kind`; a missing year for ITUC is a bad file, not a
    crash."""
    if kind == CountryIndex.WGI:
        return parse_wgi(text, year=year)
    if kind == CountryIndex.ITUC:
        if year is None:
            return ParsedFile(errors=[RowError(0, N_("Give the year of the ITUC index."))])
        return parse_ituc(text, year=year, source=source or ITUC_SOURCE,
                          licence=licence or ITUC_LICENCE)
    return parse_simple(text, year=year, source=source, licence=licence)


@countries_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "layout", required=True,
              type=click.Choice(["wgi", "ituc", "simple"]))
@click.option("--year", type=int, help="The index year (needed for ITUC; WGI: the latest).")
@click.option("--source", help="The source named with every value (ITUC, simple).")
@click.option("--licence", help="The licence named with every value (ITUC, simple).")
@with_appcontext
def import_command(path: Path, layout: str, year: int | None, source: str | None,
                   licence: str | None) -> None:
    """Import country ratings from PATH."""
    if path.stat().st_size > MAX_IMPORT_BYTES:
        raise click.ClickException("The file is larger than 20 MiB.")
    kind = CountryIndex(layout)
    parsed = parse_file(read_upload_text(path.read_bytes()), kind, year=year, source=source,
                        licence=licence)
    for line, code in parsed.skipped:
        click.echo(f"line {line}: {code} has no ISO 3166 country code or no value; left out.")
    for error in parsed.errors:
        click.echo(f"line {error.line}: {error.english()}")
    try:
        with transaction(session_factory(current_app)) as db:
            count = import_ratings(db, parsed, kind, server_keys_of(current_app), CONSOLE)
    except Refusal as refused:
        click.echo(str(refused))
        raise SystemExit(1) from None
    click.echo(f"Imported {count} country ratings ({kind.value}).")
