"""The privacy notice (GDPR Art. 13/14, issue 11 §4): one per company, linked from every
reporter page and the report form, with the company's controller, legal bases, recipients,
retention, rights and supervisory authority."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from flask import Flask

from config import SettingsError, load_settings
from config.privacy import Controller, PrivacySettings, Processor
from portal.db import session_factory, transaction
from portal.extensions import SETTINGS, settings_of
from portal.models import OrgUnit
from tests.factories import make_unit


def _set_unit(app: Flask, code: str, **values: Any) -> None:
    with app.app_context(), transaction(session_factory(app)) as db:
        unit = db.query(OrgUnit).filter_by(code=code).one()
        for name, value in values.items():
            setattr(unit, name, value)


@pytest.fixture
def companies(portal_app: Flask) -> Flask:
    make_unit(portal_app, "NORDIC", "Nordic Security AS")
    make_unit(portal_app, "SVEA", "Svea Säkerhet AB")
    make_unit(portal_app, "GROUP", "Group compliance", is_group=True)
    _set_unit(portal_app, "NORDIC", country="NO", retention_days=61)
    _set_unit(portal_app, "SVEA", country="SE")
    return portal_app


@pytest.mark.parametrize("path", ["/", "/report", "/followup", "/privacy", "/authorities"])
def test_every_reporter_page_links_the_privacy_notice(client: Any, path: str) -> None:
    page = client.get(path).get_data(as_text=True)
    assert 'href="/privacy"' in page


def test_report_form_links_the_notice(client: Any) -> None:
    page = client.get("/report").get_data(as_text=True)
    assert 'id="report-privacy-link"' in page


def test_notice_per_company_states_its_facts(companies: Flask) -> None:
    client = companies.test_client()
    page = client.get("/privacy/NORDIC").get_data(as_text=True)
    assert "Nordic Security AS" in page
    # The unit's own retention period, in days after closing (never "as long as needed").
    assert "at the latest 61 days after the case is closed" in page
    # Norway: the national provisions and Datatilsynet as the supervisory authority.
    assert "Working Environment Act chapter 2A" in page
    assert "https://www.datatilsynet.no/" in page
    assert "imy.se" not in page
    for article in ("6(1)(c)", "9(2)", "Article 10", "14(5)(b)", "17(3)(b)"):
        assert article in page
    # Who can read: the recovery-sheet holder and group routing are named.
    assert "recovery sheet" in page
    assert "if the reporter leaves out every case handler of the company" in page


def test_swedish_company_gets_imy_and_the_swedish_act(companies: Flask) -> None:
    page = companies.test_client().get("/privacy/SVEA").get_data(as_text=True)
    assert "https://www.imy.se/" in page
    assert "2021:890" in page
    # The organisation's default retention (no unit period set).
    assert "730 days" in page


def test_notice_without_company_lists_every_supervisory_authority(companies: Flask) -> None:
    page = companies.test_client().get("/privacy").get_data(as_text=True)
    for url in ("https://www.datatilsynet.no/", "https://www.imy.se/",
                "https://www.datatilsynet.dk/"):
        assert url in page
    assert 'value="NORDIC"' in page
    # The group level is not a company a reporter chooses.
    assert 'value="GROUP"' not in page


def test_choosing_a_company_goes_to_its_notice(companies: Flask) -> None:
    response = companies.test_client().get("/privacy?unit=SVEA")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/privacy/SVEA")


@pytest.mark.parametrize("code", ["NOPE", "GROUP"])
def test_unknown_company_or_group_level_is_404(companies: Flask, code: str) -> None:
    assert companies.test_client().get(f"/privacy/{code}").status_code == 404


def test_notice_is_translated(companies: Flask) -> None:
    page = companies.test_client().get(
        "/privacy/NORDIC", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert "arbeidsmiljøloven kapittel 2A" in page
    assert "Working Environment Act" not in page


def test_configured_controller_dpo_processors(portal_app: Flask) -> None:
    privacy = PrivacySettings(
        controller=Controller(name="Example Group AS", contact="privacy@example.org"),
        units={"NORDIC": Controller(name="Nordic Security AS, org. no. 999 999 999",
                                    dpo="dpo@nordic.example")},
        processors=(Processor("Hosting AS", "Hosting of the server", "Norway"),),
        transfers="None.",
    )
    app = portal_app
    app.extensions[SETTINGS] = dataclasses.replace(settings_of(app), privacy=privacy)
    make_unit(app, "NORDIC", "Nordic Security AS")
    make_unit(app, "OTHER", "Other AS")
    client = app.test_client()
    page = client.get("/privacy/NORDIC").get_data(as_text=True)
    assert "Nordic Security AS, org. no. 999 999 999" in page
    assert "dpo@nordic.example" in page
    # The organisation's contact fills in what the company's table leaves out.
    assert "privacy@example.org" in page
    assert "Hosting AS" in page
    other = client.get("/privacy/OTHER").get_data(as_text=True)
    assert "The controller is Example Group AS." in other
    assert "dpo@nordic.example" not in other


def test_privacy_toml(tmp_path: Any) -> None:
    path = tmp_path / "aktsom.toml"
    path.write_text(
        '[privacy]\ncontroller = "G AS"\ndpo = "dpo@g.example"\n'
        '[privacy.units.A]\ncontroller = "A AS"\n'
        '[privacy.supervisory_authorities.fi]\nname = "Tietosuojavaltuutettu"\n'
        'url = "https://tietosuoja.fi/"\n'
        '[privacy.legal_bases]\nFI = "Finland: Act 1171/2022"\n'
        '[[privacy.processors]]\nname = "H"\npurpose = "hosting"\n', "utf-8")
    settings = load_settings({"AKTSOM_CONFIG": str(path)})
    privacy = settings.privacy
    assert privacy.controller_for("A", "Org") == Controller("A AS", "", "dpo@g.example")
    assert privacy.controller_for(None, "Org").name == "G AS"
    assert privacy.supervisory_authority("FI") is not None
    assert privacy.supervisory_authority("NO") is not None  # defaults stay
    assert privacy.legal_basis("FI") == ("Finland: Act 1171/2022", False)
    assert privacy.processors[0].name == "H"


@pytest.mark.parametrize("body", [
    '[privacy]\nunknown = 1\n',
    '[privacy.supervisory_authorities.FI]\nname = "x"\nurl = "http://x"\n',
    '[[privacy.processors]]\nname = "x"\n',
])
def test_bad_privacy_settings_are_refused(tmp_path: Any, body: str) -> None:
    path = tmp_path / "aktsom.toml"
    path.write_text(body, "utf-8")
    with pytest.raises(SettingsError, match="privacy"):
        load_settings({"AKTSOM_CONFIG": str(path)})
