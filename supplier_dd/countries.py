"""The country table behind the geography factor (domain brief §2).

Ratings come from the publishers' files (World Bank WGI CSV, ITUC Global Rights Index as a
country,rating CSV, or our simple country,score CSV), each value kept with its source, year and
licence; a small indicative default ships in `supplier_dd/data/countries.csv` and stands in
for any country the organisation has not imported. Compliance may override any country with a
reason (audited). An import with any bad row imports nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.risk import ITUC_SCORES, wgi_score
from portal.audit import Actor, record_event
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from supplier_dd.models.risk import CountryIndex, CountryOverride, CountryRating
from supplier_dd.states import SupplierAction

WGI_SOURCE = "World Bank, Worldwide Governance Indicators"
WGI_LICENCE = "CC BY 4.0"
ITUC_SOURCE = "ITUC Global Rights Index"
ITUC_LICENCE = "ITUC, cited with attribution"
# Old World Bank codes that are not ISO 3166-1 alpha-3.
_WORLD_BANK_CODES = {"ADO": "AD", "ROM": "RO", "ZAR": "CD", "TMP": "TL", "WBG": "PS"}
_MISSING = {"", "..", "#n/a", "n/a", "na", "-"}
_YEAR_COLUMN = re.compile(r"^y?(\d{4})(?:\s*\[yr\d{4}\])?$")
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_REASON = 2000


@dataclass(frozen=True)
class RowError:
    """A bad row of an import file: the line and an English template with its parameters."""

    line: int
    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        return self.template % self.params if self.params else self.template


@dataclass(frozen=True)
class Rating:
    country: str
    raw_value: str
    score: int
    source: str
    year: int
    licence: str


@dataclass
class ParsedFile:
    """What a file holds: good ratings, bad rows (any one stops the import), and rows of
    territories without an ISO 3166 code, which are left out and listed."""

    ratings: list[Rating] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class CountryValue:
    """A country's geography score as the model uses it, with where it came from."""

    country: str
    score: int
    raw_value: str
    index_kind: CountryIndex
    source: str
    year: int
    licence: str
    override_score: int | None = None
    override_reason: str | None = None

    @property
    def effective_score(self) -> int:
        return self.override_score if self.override_score is not None else self.score

    @property
    def indicative(self) -> bool:
        return self.index_kind == CountryIndex.DEFAULT


def resolve_country(text: str) -> str | None:
    """ISO 3166-1 alpha-2 for an alpha-2 or alpha-3 code or an English name, else None."""
    value = text.strip()
    if not value:
        return None
    if len(value) == 3 and value.upper() in _WORLD_BANK_CODES:
        return _WORLD_BANK_CODES[value.upper()]
    try:
        found: Any = pycountry.countries.lookup(value)
    except LookupError:
        return None
    code: str = found.alpha_2
    return code


def _rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header (lower case, single spaces) and rows with their line numbers."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    for cells in reader:
        if not header:
            if any(cell.strip() for cell in cells):
                header = [" ".join(cell.strip().lower().split()) for cell in cells]
            continue
        if not any(cell.strip() for cell in cells):
            continue
        rows.append((reader.line_num, {name: (cells[index].strip() if index < len(cells) else "")
                                       for index, name in enumerate(header)}))
    return header, rows


def _number(text: str) -> float | None:
    value = text.strip()
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    try:
        return float(value)
    except ValueError:
        return None


def parse_wgi(text: str, *, year: int | None = None) -> ParsedFile:
    """A World Bank WGI CSV: the DataBank / data-catalogue layout (Country Code, Series or
    Indicator Code such as "CC.EST", a column per year: "2022", "2022 [YR2022]" or "Y2022")
    or the long layout of the 2023+ releases (code, year, indicator, estimate). A country's
    value is the mean of the governance estimates of the year (the latest in the file unless
    `year` is given)."""
    parsed = ParsedFile()
    header, rows = _rows(text)
    values: dict[str, dict[int, list[float]]] = {}
    codes: dict[str, int] = {}
    if "country code" in header and ({"series code", "indicator code"} & set(header)):
        code_column = "series code" if "series code" in header else "indicator code"
        years = {name: int(match.group(1)) for name in header
                 if (match := _YEAR_COLUMN.match(name))}
        if not years:
            parsed.errors.append(RowError(1, N_("The file has no year columns.")))
            return parsed
        for line, row in rows:
            code, series = row.get("country code", ""), row.get(code_column, "").upper()
            if not code or not series.endswith(".EST"):
                continue  # footers, standard errors, ranks
            codes.setdefault(code, line)
            for column, column_year in years.items():
                cell = row.get(column, "")
                if cell.lower() in _MISSING:
                    continue
                number = _number(cell)
                if number is None:
                    parsed.errors.append(RowError(line, N_("%(value)s is not a number."),
                                                  {"value": cell[:40]}))
                    continue
                values.setdefault(code, {}).setdefault(column_year, []).append(number)
    elif {"code", "year", "estimate"} <= set(header):
        for line, row in rows:
            code = row.get("code", "")
            if not code:
                continue
            codes.setdefault(code, line)
            cell = row.get("estimate", "")
            if cell.lower() in _MISSING:
                continue
            number, row_year = _number(cell), _number(row.get("year", ""))
            if number is None or row_year is None:
                parsed.errors.append(RowError(line, N_("%(value)s is not a number."),
                                              {"value": (cell if number is None
                                                         else row.get("year", ""))[:40]}))
                continue
            values.setdefault(code, {}).setdefault(int(row_year), []).append(number)
    else:
        parsed.errors.append(RowError(1, N_(
            "This does not look like a WGI file: it needs a Country Code and a Series Code "
            "column with a column per year, or code, year and estimate columns.")))
        return parsed
    chosen = year or max((y for by_year in values.values() for y in by_year), default=None)
    if chosen is None:
        parsed.errors.append(RowError(1, N_("The file holds no ratings.")))
        return parsed
    for code, line in codes.items():
        country = resolve_country(code)
        estimates = values.get(code, {}).get(chosen)
        if country is None or not estimates:
            parsed.skipped.append((line, code[:40]))
            continue
        mean = sum(estimates) / len(estimates)
        parsed.ratings.append(Rating(country, f"{mean:.2f}", wgi_score(mean), WGI_SOURCE,
                                     chosen, WGI_LICENCE))
    return _no_duplicates(parsed)


def _pairs(text: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    return [(reader.line_num, [cell.strip() for cell in cells]) for cells in reader
            if any(cell.strip() for cell in cells)]


def _is_header(cells: list[str]) -> bool:
    return bool(cells) and resolve_country(cells[0]) is None and cells[0].lower() in (
        "country", "country code", "code", "iso", "land", "name")


def parse_ituc(text: str, *, year: int, source: str = ITUC_SOURCE,
               licence: str = ITUC_LICENCE) -> ParsedFile:
    """A country,rating CSV of the ITUC Global Rights Index (ratings 1 ... 5, 5+)."""
    parsed = ParsedFile()
    pairs = _pairs(text)
    if pairs and _is_header(pairs[0][1]):
        pairs = pairs[1:]
    for line, cells in pairs:
        country = resolve_country(cells[0])
        rating = "".join(cells[1].split()) if len(cells) > 1 else ""
        if country is None:
            parsed.errors.append(RowError(line, N_("%(value)s is not a known country."),
                                          {"value": cells[0][:60]}))
        elif rating not in ITUC_SCORES:
            parsed.errors.append(RowError(line, N_(
                "%(value)s is not an ITUC rating (1, 2, 3, 4, 5 or 5+)."), {"value": rating[:20]}))
        else:
            parsed.ratings.append(Rating(country, rating, ITUC_SCORES[rating], source, year,
                                         licence))
    return _no_duplicates(parsed)


def parse_simple(text: str, *, year: int | None = None, source: str | None = None,
                 licence: str | None = None) -> ParsedFile:
    """Our own layout: country,score[,source,year,licence] with a score of 1 (low) to 5 (high);
    a row without source, year or licence takes the ones given."""
    parsed = ParsedFile()
    pairs = _pairs(text)
    if pairs and _is_header(pairs[0][1]):
        pairs = pairs[1:]
    for line, cells in pairs:
        cells = cells + [""] * (5 - len(cells))
        country = resolve_country(cells[0])
        row_year = _number(cells[3]) if cells[3] else year
        row_source, row_licence = cells[2] or source, cells[4] or licence
        if country is None:
            parsed.errors.append(RowError(line, N_("%(value)s is not a known country."),
                                          {"value": cells[0][:60]}))
        elif cells[1] not in ("1", "2", "3", "4", "5"):
            parsed.errors.append(RowError(line, N_("%(value)s is not a score from 1 to 5."),
                                          {"value": cells[1][:20]}))
        elif not row_source or not row_licence or row_year is None:
            parsed.errors.append(RowError(line, N_(
                "A source, a year and a licence are needed for every value.")))
        else:
            parsed.ratings.append(Rating(country, cells[1], int(cells[1]), row_source[:200],
                                         int(row_year), row_licence[:200]))
    return _no_duplicates(parsed)


def _no_duplicates(parsed: ParsedFile) -> ParsedFile:
    seen: set[str] = set()
    for rating in parsed.ratings:
        if rating.country in seen:
            parsed.errors.append(RowError(0, N_("%(value)s appears more than once."),
                                          {"value": rating.country}))
        seen.add(rating.country)
    if not parsed.ratings and not parsed.errors:
        parsed.errors.append(RowError(1, N_("The file holds no ratings.")))
    return parsed


@cache
def default_table() -> dict[str, Rating]:
    """The indicative default shipped with the package (read once; it never changes)."""
    text = resources.files("supplier_dd").joinpath("data/countries.csv").read_text("utf-8")
    parsed = parse_simple(text)
    if parsed.errors:  # pragma: no cover - the shipped file is checked by a test
        raise ValueError("supplier_dd/data/countries.csv: " + parsed.errors[0].english())
    return {rating.country: rating for rating in parsed.ratings}


def import_ratings(db: Session, parsed: ParsedFile, kind: CountryIndex, keys: ServerKeys,
                   actor: Actor) -> int:
    """Store the file's ratings over the table's (audited). Refused, changing nothing, when
    any row is bad."""
    if parsed.errors:
        raise Refusal(N_("The file has %(count)s bad rows; nothing was imported."),
                      count=len(parsed.errors))
    existing = {row.country: row for row in db.scalars(select(CountryRating).where(
        CountryRating.country.in_([rating.country for rating in parsed.ratings])))}
    for rating in parsed.ratings:
        row = existing.get(rating.country)
        if row is None:
            row = CountryRating(country=rating.country)
            db.add(row)
        row.index_kind, row.raw_value, row.score = kind, rating.raw_value[:20], rating.score
        row.source, row.year, row.licence = rating.source, rating.year, rating.licence
    record_event(db, keys.audit, action=SupplierAction.COUNTRIES_IMPORTED,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=kind.value)
    return len(parsed.ratings)


def country_value(db: Session, country: str) -> CountryValue | None:
    """The country's rating (imported, else the indicative default) and any override."""
    row = db.get(CountryRating, country)
    override = db.get(CountryOverride, country)
    return _value(country, row, default_table().get(country), override)


def _value(country: str, row: CountryRating | None, default: Rating | None,
           override: CountryOverride | None) -> CountryValue | None:
    extra: dict[str, Any] = ({"override_score": override.score,
                              "override_reason": override.reason} if override else {})
    if row is not None:
        return CountryValue(country, row.score, row.raw_value, row.index_kind, row.source,
                            row.year, row.licence, **extra)
    if default is not None:
        return CountryValue(country, default.score, default.raw_value, CountryIndex.DEFAULT,
                            default.source, default.year, default.licence, **extra)
    if override is not None:
        return CountryValue(country, override.score, "", CountryIndex.SIMPLE, "", 0, "",
                            **extra)
    return None


def country_table(db: Session) -> list[CountryValue]:
    """Every country with a rating or an override, by code."""
    rows = {row.country: row for row in db.scalars(select(CountryRating))}
    overrides = {row.country: row for row in db.scalars(select(CountryOverride))}
    defaults = default_table()
    result = []
    for country in sorted(set(rows) | set(overrides) | set(defaults)):
        value = _value(country, rows.get(country), defaults.get(country), overrides.get(country))
        if value is not None:
            result.append(value)
    return result


def set_override(db: Session, country: str, score: int, reason: str, keys: ServerKeys,
                 actor: Actor) -> CountryOverride:
    """Compliance's own score for a country, with a reason (audited)."""
    code = resolve_country(country)
    if code is None:
        raise Refusal(N_("%(value)s is not a known country."), value=country[:60])
    if score not in range(1, 6):
        raise Refusal(N_("%(value)s is not a score from 1 to 5."), value=str(score))
    if not reason.strip():
        raise Refusal(N_("Give the reason for the override."))
    if len(reason) > MAX_REASON:
        raise Refusal(N_("A text is at most %(count)s characters."), count=MAX_REASON)
    override = db.get(CountryOverride, code)
    if override is None:
        override = CountryOverride(country=code)
        db.add(override)
    override.score, override.reason, override.set_by = score, reason.strip(), actor.id
    record_event(db, keys.audit, action=SupplierAction.COUNTRY_OVERRIDDEN,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=code)
    return override


def remove_override(db: Session, country: str, keys: ServerKeys, actor: Actor) -> None:
    """Back to the table's rating for the country (audited)."""
    override = db.get(CountryOverride, country)
    if override is None:
        raise Refusal(N_("The country has no override."))
    db.delete(override)
    record_event(db, keys.audit, action=SupplierAction.COUNTRY_OVERRIDE_REMOVED,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=country)
