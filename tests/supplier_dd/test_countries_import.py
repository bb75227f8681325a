"""The country table (issue 12 §3): the publishers' files parsed tolerantly (World Bank WGI in
its DataBank and long layouts, ITUC as country,rating, our simple layout), bad rows reported
and nothing half-imported, the shipped indicative default, and overrides with a reason."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.audit import CONSOLE
from portal.db import session_factory, transaction
from portal.extensions import SETTINGS, server_keys_of, settings_of
from portal.models import AuditEvent, Role
from portal.refusals import Refusal
from supplier_dd.countries import (
    country_value,
    default_table,
    import_ratings,
    parse_ituc,
    parse_simple,
    parse_wgi,
    remove_override,
    set_override,
)
from supplier_dd.models.risk import CountryIndex, CountryOverride, CountryRating
from supplier_dd.states import SupplierAction
from tests.admin.helpers import csrf_token, make_user, sign_in

# The World Bank DataBank export of the WGI (Series Code per row, "YYYY [YRYYYY]" columns,
# ".." for no value, footer lines after a blank line), with a byte-order mark.
WGI_DATABANK = (
    "\ufeff\"Country Name\",\"Country Code\",\"Series Name\",\"Series Code\","
    "\"2022 [YR2022]\",\"2023 [YR2023]\"\n"
    "\"Norway\",\"NOR\",\"Control of Corruption: Estimate\",\"CC.EST\",\"2.05\",\"2.01\"\n"
    "\"Norway\",\"NOR\",\"Rule of Law: Estimate\",\"RL.EST\",\"1.93\",\"1.87\"\n"
    "\"Norway\",\"NOR\",\"Rule of Law: Percentile Rank\",\"RL.PER.RNK\",\"98.1\",\"97.6\"\n"
    "\"Bangladesh\",\"BGD\",\"Control of Corruption: Estimate\",\"CC.EST\",\"-1.09\",\"-1.13\"\n"
    "\"Bangladesh\",\"BGD\",\"Rule of Law: Estimate\",\"RL.EST\",\"-0.67\",\"-0.71\"\n"
    "\"Viet Nam\",\"VNM\",\"Control of Corruption: Estimate\",\"CC.EST\",\"-0.41\",\"..\"\n"
    "\"Viet Nam\",\"VNM\",\"Rule of Law: Estimate\",\"RL.EST\",\"-0.15\",\"-0.12\"\n"
    "\"Kosovo\",\"XKX\",\"Rule of Law: Estimate\",\"RL.EST\",\"-0.2\",\"-0.19\"\n"
    "\n"
    "\"Data from database: Worldwide Governance Indicators\",,,,,\n"
    "\"Last Updated: 09/27/2024\",,,,,\n"
)
# The long layout of the 2023+ releases (one row per country, year and indicator).
WGI_LONG = (
    "codeindyr,code,countryname,year,indicator,estimate,stddev,nsource,pctrank\n"
    "NORva2023,NOR,Norway,2023,va,1.66,0.13,10,98.5\n"
    "NORrl2023,NOR,Norway,2023,rl,1.88,0.14,12,97.6\n"
    "CHNva2023,CHN,China,2023,va,-1.57,0.12,9,5.9\n"
    "CHNrl2023,CHN,China,2023,rl,\"-0,11\",0.15,13,43.4\n"
    "CHNrl2022,CHN,China,2022,rl,-0.13,0.15,13,42.0\n"
)


def test_wgi_databank_layout_takes_the_latest_year_and_the_mean_of_estimates() -> None:
    parsed = parse_wgi(WGI_DATABANK)
    assert parsed.errors == []
    ratings = {item.country: item for item in parsed.ratings}
    assert set(ratings) == {"NO", "BD", "VN"}
    assert (ratings["NO"].raw_value, ratings["NO"].score, ratings["NO"].year) == (
        "1.94", 1, 2023)
    assert (ratings["BD"].raw_value, ratings["BD"].score) == ("-0.92", 4)
    # Only one 2023 estimate for Viet Nam ("..": no value); ranks are left out.
    assert (ratings["VN"].raw_value, ratings["VN"].score) == ("-0.12", 3)
    assert ratings["NO"].source == "World Bank, Worldwide Governance Indicators"
    assert ratings["NO"].licence == "CC BY 4.0"
    # Kosovo has no ISO 3166 code: left out and listed, not a failure of the whole file.
    assert [code for _, code in parsed.skipped] == ["XKX"]
    earlier = {item.country: item.raw_value for item in parse_wgi(WGI_DATABANK,
                                                                 year=2022).ratings}
    assert earlier["VN"] == "-0.28"


def test_wgi_long_layout_with_decimal_commas() -> None:
    parsed = parse_wgi(WGI_LONG)
    assert parsed.errors == []
    ratings = {item.country: (item.raw_value, item.score, item.year)
               for item in parsed.ratings}
    assert ratings == {"NO": ("1.77", 1, 2023), "CN": ("-0.84", 4, 2023)}


def test_wgi_bad_numbers_and_foreign_layouts_are_reported() -> None:
    broken = WGI_DATABANK.replace("\"-1.13\"", "\"n.a.x\"")
    parsed = parse_wgi(broken)
    assert [(error.line, error.english()) for error in parsed.errors] == [
        (5, "n.a.x is not a number.")]
    other = parse_wgi("iso,value\nNO,1\n")
    assert other.errors and "does not look like a WGI file" in other.errors[0].english()


def test_ituc_country_rating_file() -> None:
    parsed = parse_ituc("Country,Rating\nNorway,1\nBangladesh,5\nMyanmar,5+\nPL,3\n",
                        year=2025)
    assert parsed.errors == []
    assert [(item.country, item.raw_value, item.score, item.year) for item in
            parsed.ratings] == [("NO", "1", 1, 2025), ("BD", "5", 5, 2025),
                                ("MM", "5+", 5, 2025), ("PL", "3", 3, 2025)]
    bad = parse_ituc("Country,Rating\nNorway,1\nAtlantis,2\nSweden,6\nNorway,2\n", year=2025)
    assert [(error.line, error.english()) for error in bad.errors] == [
        (3, "Atlantis is not a known country."),
        (4, "6 is not an ITUC rating (1, 2, 3, 4, 5 or 5+)."),
        (0, "NO appears more than once.")]


def test_simple_file_needs_source_year_and_licence() -> None:
    good = parse_simple("country,score,source,year,licence\nSE,1,Own review,2026,internal\n"
                        "DK,2\n", year=2026, source="Group policy", licence="internal")
    assert [(item.country, item.score, item.source) for item in good.ratings] == [
        ("SE", 1, "Own review"), ("DK", 2, "Group policy")]
    bad = parse_simple("SE,1\nDK,9\n")
    assert [error.line for error in bad.errors] == [1, 2]


def test_the_shipped_default_carries_source_year_and_licence_for_every_value() -> None:
    table = default_table()
    assert len(table) >= 40
    for rating in table.values():
        assert rating.source and rating.year and rating.licence
        assert 1 <= rating.score <= 5
    assert table["CN"].score == 5 and table["NO"].score == 1


@contextmanager
def _db(app: Flask) -> Iterator[Session]:
    with app.app_context(), transaction(session_factory(app)) as db:
        yield db


def test_a_file_with_a_bad_row_imports_nothing(admin_app: Flask) -> None:
    parsed = parse_ituc("Norway,2\nSweden,seven\n", year=2025)
    with _db(admin_app) as db, pytest.raises(Refusal, match="1 bad rows"):
        import_ratings(db, parsed, CountryIndex.ITUC, server_keys_of(admin_app), CONSOLE)
    with _db(admin_app) as db:
        assert db.scalar(select(func.count()).select_from(CountryRating)) == 0


def test_an_import_replaces_the_default_and_an_override_wins(admin_app: Flask) -> None:
    with _db(admin_app) as db:
        value = country_value(db, "NO")
        assert value is not None and value.indicative and value.effective_score == 1
        assert import_ratings(db, parse_ituc("Norway,2\n", year=2025), CountryIndex.ITUC,
                              server_keys_of(admin_app), CONSOLE) == 1
    with _db(admin_app) as db:
        value = country_value(db, "NO")
        assert value is not None and not value.indicative
        assert (value.effective_score, value.source, value.year) == (
            2, "ITUC Global Rights Index", 2025)
        with pytest.raises(Refusal, match="reason"):
            set_override(db, "NO", 4, "  ", server_keys_of(admin_app), CONSOLE)
        set_override(db, "Norway", 4, "Fish-processing sub-suppliers", server_keys_of(admin_app),
                     CONSOLE)
    with _db(admin_app) as db:
        value = country_value(db, "NO")
        assert value is not None and value.effective_score == 4
        assert value.override_reason == "Fish-processing sub-suppliers"
        remove_override(db, "NO", server_keys_of(admin_app), CONSOLE)
    with _db(admin_app) as db:
        assert db.get(CountryOverride, "NO") is None
        actions = list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
        assert actions[-3:] == [SupplierAction.COUNTRIES_IMPORTED,
                                SupplierAction.COUNTRY_OVERRIDDEN,
                                SupplierAction.COUNTRY_OVERRIDE_REMOVED]


def test_the_import_command(admin_app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    good = tmp_path / "wgi.csv"
    good.write_text(WGI_DATABANK, encoding="utf-8")
    result = runner.invoke(args=["suppliers", "countries", "import", str(good),
                                 "--format", "wgi"])
    assert result.exit_code == 0, result.output
    assert "Imported 3 country ratings" in result.output
    assert "XKX" in result.output
    bad = tmp_path / "ituc.csv"
    bad.write_text("Norway,1\nAtlantis,2\n", encoding="utf-8")
    result = runner.invoke(args=["suppliers", "countries", "import", str(bad),
                                 "--format", "ituc", "--year", "2025"])
    assert result.exit_code == 1
    assert "line 2: Atlantis is not a known country." in result.output
    assert "nothing was imported" in result.output
    with _db(admin_app) as db:
        assert db.scalar(select(CountryRating.index_kind).where(
            CountryRating.country == "NO")) == CountryIndex.WGI


# --- the upload on the countries page -------------------------------------------------------


def _compliance_client(app: Flask) -> FlaskClient:
    user, password, secret = make_user(app, roles=[Role.COMPLIANCE])
    client = app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    return client


def _upload(client: FlaskClient, data: bytes, field: str = "country_table",
            **form: str) -> tuple[int, str]:
    token = csrf_token(client, "/admin/suppliers/countries")
    response = client.post("/admin/suppliers/countries/import", data={
        "csrf_token": token, **form, field: (io.BytesIO(data), "ratings.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def test_compliance_uploads_a_country_table(admin_app: Flask) -> None:
    client = _compliance_client(admin_app)
    assert 'name="country_table"' in client.get("/admin/suppliers/countries").get_data(
        as_text=True)
    status, page = _upload(client, b"SE,1\nAtlantis,2\nDK,9\n", layout="simple", year="2026",
                           source="Own review", licence="internal")
    assert status == 200
    assert "The file has 2 bad rows; nothing was imported." in page
    assert "Atlantis is not a known country." in page and "9 is not a score from 1 to 5." in page
    with _db(admin_app) as db:
        assert db.scalar(select(func.count()).select_from(CountryRating)) == 0
    status, page = _upload(client, b"country,score\nSE,1\nPL,3\n", layout="simple",
                           year="2026", source="Own review", licence="internal")
    assert "Imported 2 country ratings." in page
    with _db(admin_app) as db:
        value = country_value(db, "PL")
        assert value is not None and (value.score, value.source, value.year) == (
            3, "Own review", 2026)
        assert db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == SupplierAction.COUNTRIES_IMPORTED)) == 1


def test_the_country_upload_has_the_supplier_list_limits(admin_app: Flask) -> None:
    client = _compliance_client(admin_app)
    admin_app.extensions[SETTINGS] = dataclasses.replace(
        settings_of(admin_app), supplier_import_max_bytes=2000)
    status, page = _upload(client, b"SE,1\n" * 401, layout="simple")
    assert "The file is larger than 2000 bytes." in page
    # A file under any other field name is refused before the view.
    status, _page = _upload(client, b"SE,1\n", field="attachments", layout="simple")
    assert status == 400
    status, page = _upload(client, b"SE,1\n", layout="excel")
    assert "Choose the layout of the file." in page
    # Others than compliance may not import.
    user, password, secret = make_user(admin_app, roles=[Role.ADMIN])
    other = admin_app.test_client()
    assert sign_in(other, user.email, password, secret).status_code == 303
    token = csrf_token(other, "/admin/")
    assert other.post("/admin/suppliers/countries/import",
                      data={"csrf_token": token}).status_code == 403
