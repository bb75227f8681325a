"""External channels by the reporter's company (Directive 2019/1937 Art. 9(1)(g), issue 11
§6): the country of the company chosen and the international set, or every country when none
is chosen; the defaults record their source and await confirmation."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from config import DEFAULT_AUTHORITIES, SettingsError, load_settings
from config.authorities import INTERNATIONAL, authorities_for
from portal.db import session_factory, transaction
from portal.models import OrgUnit
from tests.factories import make_unit


@pytest.fixture
def companies(portal_app: Flask) -> Flask:
    for code, name, country in (("NORDIC", "Nordic Security AS", "NO"),
                                ("DANSK", "Dansk Sikkerhed A/S", "DK"),
                                ("SVEA", "Svea Säkerhet AB", "SE")):
        make_unit(portal_app, code, name)
        with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
            db.query(OrgUnit).filter_by(code=code).one().country = country
    return portal_app


def test_every_default_records_its_source_and_awaits_confirmation() -> None:
    for authority in DEFAULT_AUTHORITIES:
        assert authority.source.startswith("https://"), authority.name
        assert authority.url.startswith("https://"), authority.name
        assert authority.confirm, authority.name


def test_the_defaults_the_issue_asks_for() -> None:
    names = {(item.country, item.name) for item in DEFAULT_AUTHORITIES}
    for expected in (("NO", "Forbrukertilsynet"),
                     ("NO", "OECD National Contact Point for Responsible Business Conduct "
                            "Norway"),
                     ("NO", "Likestillings- og diskrimineringsombudet"),
                     ("NO", "Miljødirektoratet"),
                     ("DK", "Datatilsynet: Whistleblowerordningen"),
                     ("SE", "Arbetsmiljöverket")):
        assert expected in names
    (av,) = [item for item in DEFAULT_AUTHORITIES if item.name == "Arbetsmiljöverket"]
    assert "no other authority covers" in av.area
    (dk,) = [item for item in DEFAULT_AUTHORITIES if item.country == "DK"
             and "Whistleblower" in item.name]
    assert dk.url == "https://whistleblower.dk/"
    assert any(item.country == INTERNATIONAL for item in DEFAULT_AUTHORITIES)


def test_grouping_by_country() -> None:
    grouped = dict(authorities_for(DEFAULT_AUTHORITIES, "se"))
    assert set(grouped) == {"SE", INTERNATIONAL}
    everything = authorities_for(DEFAULT_AUTHORITIES, None)
    assert [code for code, _items in everything][-1] == INTERNATIONAL
    assert {code for code, _items in everything} == {"NO", "SE", "DK", INTERNATIONAL}


def test_page_for_a_norwegian_company(companies: Flask) -> None:
    page = companies.test_client().get("/authorities?unit=NORDIC").get_data(as_text=True)
    for shown in ("Forbrukertilsynet", "https://www.responsiblebusiness.no/",
                  "Likestillings- og diskrimineringsombudet", "Miljødirektoratet",
                  "https://mneguidelines.oecd.org/ncps/"):
        assert shown in page
    for hidden in ("Arbetsmiljöverket", "whistleblower.dk"):
        assert hidden not in page


def test_page_for_a_danish_company(companies: Flask) -> None:
    page = companies.test_client().get("/authorities?unit=DANSK").get_data(as_text=True)
    assert "https://whistleblower.dk/" in page
    assert "Forbrukertilsynet" not in page
    # Workers outside the EEA: the international set is always there.
    assert "International: open to anyone, also outside the EEA" in page


def test_page_without_a_company_shows_every_country(companies: Flask) -> None:
    page = companies.test_client().get("/authorities").get_data(as_text=True)
    for shown in ("Forbrukertilsynet", "Arbetsmiljöverket", "whistleblower.dk",
                  "mneguidelines.oecd.org"):
        assert shown in page
    assert companies.test_client().get("/authorities?unit=NOPE").status_code == 404


def test_area_texts_are_translated(companies: Flask) -> None:
    page = companies.test_client().get("/authorities?unit=SVEA",
                                       headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "ingen annan myndighet" in page


def test_configured_authorities_keep_source_and_confirm(tmp_path: Any) -> None:
    path = tmp_path / "aktsom.toml"
    path.write_text('[[authorities]]\ncountry = "fi"\nname = "Oikeuskansleri"\n'
                    'url = "https://oikeuskansleri.fi/"\nsource = "https://finlex.fi/"\n'
                    'confirm = true\n', "utf-8")
    (item,) = load_settings({"AKTSOM_CONFIG": str(path)}).authorities
    assert (item.country, item.source, item.confirm) == ("FI", "https://finlex.fi/", True)
    path.write_text('[[authorities]]\ncountry = "fi"\nname = "X"\nurl = "https://x.fi/"\n'
                    'source = "http://x.fi/"\n', "utf-8")
    with pytest.raises(SettingsError, match="source"):
        load_settings({"AKTSOM_CONFIG": str(path)})
