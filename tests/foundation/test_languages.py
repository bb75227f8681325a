"""Issue 16: the language registry, right-to-left pages, the picker that fits (§5), the honest
review status and the switch (§4), and pages that load no font or other outside resource (§3).

Before the change the app knew seven languages, every page was `dir`-less (Arabic would have
run left to right), the picker listed all languages flat, and nothing told a reporter that a
translation was machine-made."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from lxml import html as lxml_html
from sqlalchemy import select

from config import SettingsError
from config.languages import LANGUAGE_CODES, LANGUAGES, STAFF_LANGUAGES, direction
from portal.db import session_factory, transaction
from portal.language_review import ReviewDataError, load_reviews, parse_reviews
from portal.models import AuditEvent, LanguageSwitch, OrgUnit
from portal.translation_coverage import source_message_ids
from tests.admin.helpers import csrf_token, make_user, sign_in
from tests.factories import make_unit

ROOT = Path(__file__).resolve().parents[2]
NOTICE = "This translation has not yet been checked by a native speaker."
ISSUE_LANGUAGES = ["fi", "de", "lt", "et", "lv", "uk", "ro", "tr", "ar", "ur", "bn", "hi",
                   "th", "id", "es", "pt", "fr", "en", "nb", "sv", "da", "pl", "zh", "vi"]


def test_registry_knows_the_24_languages_of_issue_16_each_with_a_catalogue() -> None:
    assert sorted(LANGUAGE_CODES) == sorted(ISSUE_LANGUAGES)
    assert len({language.native_name for language in LANGUAGES}) == 24
    for code in set(LANGUAGE_CODES) - {"en"}:  # English is the source text
        assert (ROOT / "portal" / "translations" / code / "LC_MESSAGES" / "messages.po").is_file()
    assert [code for code in LANGUAGE_CODES if direction(code) == "rtl"] == ["ar", "ur"]
    assert set(STAFF_LANGUAGES) == {"en", "nb", "sv", "da", "fi", "pl", "zh", "vi"}


def test_settings_offer_all_24_by_default_and_refuse_an_unknown_language(
        make_settings: Any) -> None:
    assert make_settings().languages == LANGUAGE_CODES
    with pytest.raises(SettingsError, match="AKTSOM_LANGUAGES"):
        make_settings(languages=("en", "xx"))


def test_standard_texts_to_the_reporter_are_reporter_side_catalogue_strings() -> None:
    """§7: the acknowledgement and the standard notes handlers send are in the reporter set,
    so every reporter language must translate them; staff-only texts are not."""
    reporter = source_message_ids(reporter_only=True)
    everything = source_message_ids()
    assert reporter < everything
    for start in ("Thank you for your report. We confirm that we have received it",
                  "Your case has been shared with a case handler outside the company",
                  "We have to disclose your identity to %(authority)s"):
        assert any(message.startswith(start) for message in reporter), start
    assert "This translation has not yet been checked by a native speaker." in reporter
    assert "More languages" in reporter
    # Staff-only: the supplier register's and the staff layout's strings.
    assert "Add a supplier" not in reporter and "Staff" not in reporter


# --- review status (§4) -----------------------------------------------------------------

def test_review_data_claims_no_review_it_cannot_back() -> None:
    """All but English start unreviewed: the translations are machine-made."""
    reviews = load_reviews()
    assert reviews["en"].source and reviews["en"].fully_reviewed
    for code in LANGUAGE_CODES:
        if code != "en":
            assert not reviews[code].fully_reviewed, code
            assert reviews[code].unreviewed_groups == [
                "readers", "retaliation", "privacy", "retention"]


def test_a_review_needs_a_name_and_a_date_and_a_missing_language_is_unreviewed() -> None:
    with pytest.raises(ReviewDataError, match="by"):
        parse_reviews({"nb": {"privacy": {"reviewed": True}}})
    with pytest.raises(ReviewDataError):
        parse_reviews({"xx": {}})
    with pytest.raises(ReviewDataError):
        parse_reviews({"nb": {"readers": {"reviewed": "yes"}}})
    # Only English can be the source: a translation cannot skip its review that way.
    assert not parse_reviews({"nb": {"source": True}})["nb"].fully_reviewed
    reviews = parse_reviews({"sv": {group: {"reviewed": True, "by": "A. Svensson",
                                            "date": date(2026, 12, 1)}
                                    for group in ("readers", "retaliation", "privacy",
                                                  "retention")}})
    assert reviews["sv"].fully_reviewed
    assert not reviews["da"].fully_reviewed


# --- pages: lang, dir, notice, picker (§2, §4, §5) -------------------------------------

def _page(client: FlaskClient, path: str = "/", **headers: str) -> Any:
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return lxml_html.fromstring(response.get_data(as_text=True))


@pytest.mark.parametrize(("code", "expected"), [("ar", "rtl"), ("ur", "rtl"), ("de", "ltr"),
                                                ("th", "ltr"), ("en", "ltr")])
def test_every_page_sets_lang_and_direction(client: FlaskClient, code: str,
                                            expected: str) -> None:
    client.get(f"/language/{code}?next=/")
    for path in ("/", "/report", "/followup", "/privacy"):
        root = _page(client, path)
        assert (root.get("lang"), root.get("dir")) == (code, expected), path


def test_the_browser_language_alone_makes_an_urdu_page_right_to_left(
        client: FlaskClient) -> None:
    root = _page(client, "/", **{"Accept-Language": "ur-PK,ur;q=0.9,en;q=0.5"})
    assert (root.get("lang"), root.get("dir")) == ("ur", "rtl")


def test_unreviewed_languages_carry_the_notice_and_english_does_not(
        client: FlaskClient) -> None:
    assert not _page(client, "/").xpath('//*[@id="translation-notice"]')
    client.get("/language/nb?next=/")
    notice = _page(client, "/").xpath('//*[@id="translation-notice"]')
    assert len(notice) == 1
    # In Norwegian, not in English.
    assert notice[0].text_content().strip() != NOTICE
    assert "morsmål" in notice[0].text_content()


def _picker(root: Any) -> tuple[list[str], list[str]]:
    nav = root.xpath('//nav[contains(@class, "languages")]')[0]
    first = [a.get("hreflang") for a in nav.xpath("./ul/li/a")]
    more = [a.get("hreflang") for a in nav.xpath('.//details/ul/li/a')]
    return first, more


def test_picker_puts_the_company_languages_then_the_browser_first_and_the_rest_behind_more(
        portal_app: Flask, client: FlaskClient) -> None:
    unit_id = make_unit(portal_app, "VN-FACTORY", "Saigon Textiles")
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        db.get_one(OrgUnit, unit_id).languages = "vi en"
    root = _page(client, "/?unit=VN-FACTORY", **{"Accept-Language": "de-DE,de;q=0.9"})
    first, more = _picker(root)
    # The company's languages in its order, then the browser's (German, the page's language).
    assert first == ["vi", "en", "de"]
    assert root.get("lang") == "de"
    assert sorted(first + more) == sorted(LANGUAGE_CODES)
    assert not set(first) & set(more)
    assert root.xpath('//details[contains(@class, "more-languages")]/summary')
    # The language links keep the company, so its languages stay first after a switch.
    link = root.xpath('//a[@hreflang="vi"]')[0].get("href")
    assert "unit%3DVN-FACTORY" in link or "unit=VN-FACTORY" in link


def test_without_company_or_browser_preference_only_the_current_language_leads(
        client: FlaskClient) -> None:
    first, more = _picker(_page(client, "/"))
    assert first == ["en"] and len(more) == 23


# --- the switch (§4) ---------------------------------------------------------------------

def _admin(admin_app: Flask) -> FlaskClient:
    user, password, secret = make_user(admin_app, roles=["admin"])
    client = admin_app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    return client


def test_admin_sees_unreviewed_languages_and_switches_one_off_audited(
        admin_app: Flask, portal_app: Flask, client: FlaskClient) -> None:
    staff = _admin(admin_app)
    page = staff.get("/admin/languages")
    assert page.status_code == 200
    root = lxml_html.fromstring(page.get_data(as_text=True))
    unreviewed = root.xpath('//ul[@id="unreviewed-languages"]/li/@lang')
    assert sorted(unreviewed) == sorted(set(LANGUAGE_CODES) - {"en"})
    assert "Not reviewed" in root.xpath('string(//tr[@id="language-ar"])')

    client.get("/language/ar?next=/")
    assert _page(client, "/").get("lang") == "ar"
    response = staff.post("/admin/languages/ar", data={
        "csrf_token": csrf_token(staff, "/admin/languages")})
    assert response.status_code == 303, response.headers.get("Location")
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert db.get_one(LanguageSwitch, "ar").enabled is False
        actions = db.scalars(select(AuditEvent.action)).all()
    assert "language.switched_off" in actions
    # Gone from the picker, and a reader whose cookie says Arabic falls back.
    root = _page(client, "/", **{"Accept-Language": "ar,fr;q=0.8"})
    assert (root.get("lang"), root.get("dir")) == ("fr", "ltr")
    first, more = _picker(root)
    assert "ar" not in first + more
    assert client.get("/language/ar?next=/").headers.get("Set-Cookie") is None

    staff.post("/admin/languages/ar", data={
        "csrf_token": csrf_token(staff, "/admin/languages"), "enabled": "on"})
    assert _page(client, "/", **{"Accept-Language": "ar"}).get("dir") == "rtl"


def test_the_default_language_cannot_be_switched_off(admin_app: Flask) -> None:
    staff = _admin(admin_app)
    staff.post("/admin/languages/en", data={
        "csrf_token": csrf_token(staff, "/admin/languages")})
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert db.get(LanguageSwitch, "en") is None


def test_staff_pages_offer_only_the_staff_languages(admin_app: Flask) -> None:
    root = lxml_html.fromstring(admin_app.test_client().get("/admin/login")
                                .get_data(as_text=True))
    first, more = _picker(root)
    assert set(first + more) == set(STAFF_LANGUAGES)


def test_cli_sets_a_company_languages(runner: FlaskCliRunner, admin_app: Flask) -> None:
    make_unit(admin_app, "PL-PLANT", "Gdańsk Plant")
    result = runner.invoke(args=["units", "languages", "PL-PLANT", "pl", "uk", "en"])
    assert result.exit_code == 0, result.output
    assert "pl uk en" in result.output
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        unit = db.scalar(select(OrgUnit).where(OrgUnit.code == "PL-PLANT"))
        assert unit is not None and unit.languages == "pl uk en"
        assert "unit.languages_set" in db.scalars(select(AuditEvent.action)).all()
    refused = runner.invoke(args=["units", "languages", "PL-PLANT", "klingon"])
    assert refused.exit_code != 0 and "klingon" in refused.output


# --- fonts and outside resources (§3) -----------------------------------------------------

CSS = (ROOT / "portal" / "static" / "aktsom.css").read_text()


def test_stylesheet_names_no_web_font_and_uses_logical_properties() -> None:
    assert "@font-face" not in CSS and "url(" not in CSS and "@import" not in CSS
    body_fonts = re.search(r"body \{[^}]*font-family:([^;]+);", CSS, re.S)
    assert body_fonts is not None
    for family in ("Noto Sans", "Noto Sans Arabic", "Noto Sans Bengali",
                   "Noto Sans Devanagari", "Noto Sans Thai", "Noto Sans CJK SC"):
        assert f'"{family}"' in body_fonts.group(1), family
    # Physical sides would not mirror in Arabic and Urdu.
    assert not re.search(r"(margin|padding|border)-(left|right)|text-align:\s*(left|right)"
                         r"|(?<![-\w])(left|right):", CSS)


@pytest.mark.parametrize("path", ["/", "/report", "/followup", "/privacy", "/authorities",
                                  "/information-request"])
def test_reporter_pages_load_nothing_from_outside(client: FlaskClient, path: str) -> None:
    client.get("/language/bn?next=/")
    root = _page(client, path)
    sources = root.xpath("//link/@href | //script/@src | //img/@src | //iframe/@src"
                         " | //source/@src | //*/@srcset | //object/@data")
    assert sources, "the stylesheet link at least"
    for source in sources:
        assert source.startswith("/") and not source.startswith("//"), source
    assert not root.xpath("//*[@style]") and not root.xpath("//style")


@pytest.mark.parametrize(("code", "expected"), [("de", "1,5"), ("en", "1.5"), ("ar", "1.5")])
def test_numbers_follow_the_locale(portal_app: Flask, code: str, expected: str) -> None:
    """§2: sizes on the reporter's case page go through Babel (before: '%.1f' everywhere)."""
    from flask import render_template_string
    from flask_babel import force_locale

    with portal_app.test_request_context("/"), force_locale(code):
        assert render_template_string("{{ 1.5|decimalformat('#,##0.0') }}") == expected


@pytest.mark.parametrize("header", ["no", "no-NO,en;q=0.5", "nn-NO,nn;q=0.9"])
def test_a_browser_asking_for_norwegian_as_no_or_nn_gets_bokmal(client: FlaskClient,
                                                                 header: str) -> None:
    """Session 4 noticed that a browser sending only "no" (the macrolanguage) got English."""
    root = _page(client, "/", **{"Accept-Language": header})
    assert root.get("lang") == "nb"
    first, _more = _picker(root)
    assert first[0] == "nb" and "nb" not in _more
