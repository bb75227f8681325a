"""Issue 11 §2: what reporters are told is true. Who can read a report is stated before sending
and follows the routing the submission really uses; the retention period stated is the one the
purge applies; the protection text is the one of each company's country (no "reasonable
grounds" test for Norway, the Directive's test for Sweden and Denmark), and everyone gets the
group's own commitment; and the false sentences of earlier releases appear on no reporter page
in any language."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from config.jurisdictions import GROUP_COMMITMENT, PROTECTION_BY_COUNTRY, protection_text
from portal.cases.keys import route_case
from portal.cases.retention import purge_expired_cases, retention_days_for
from portal.db import session_factory, transaction, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import Case, CaseKeyWrap, OrgUnit, User
from portal.states import CaseStatus, RecipientKind
from tests.portal.conftest import Organisation
from tests.portal.helpers import follow_up, submit

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "nb", "sv", "da", "pl", "zh", "vi")
# Texts of earlier releases that were not true (issue 11 §2), and which of their sentences
# were false (None: all of them); the others said something true and may stay.
FALSE_SENTENCES: tuple[tuple[str, tuple[int, ...] | None], ...] = (
    ("Your report is encrypted before it is stored. Only the case handlers' keys and your case "
     "code can open it; not even the system administrators can read it.", (1,)),
    ("Only the designated case handlers of the company you choose. If your report is about one "
     "of them, you can leave them out. We confirm that we have received your report within "
     "%(days)s days and give you feedback within %(months)s months.", (0,)),
    ("Retaliation is forbidden against anyone who reports with reasonable grounds to believe "
     "that what they report is true.", None),
    ("Your report is encrypted and can be read only by the case handlers of the company "
     "concerned (and, if keys are lost, with the organisation's offline recovery key). It is "
     "used only to follow up the matter you report. We keep it for as long as the case "
     "requires and delete it after the retention period. You can ask questions about the "
     "processing through this channel.", (0, 2)),
    # The report form offers to give a name in confidence (issue 11 §8).
    ("We do not ask for your name and do not store your IP address or device details. But what "
     "you write, and the files you attach, could still point to you: for example a detail only "
     "a few people know, or a photo taken from your desk. Think about what to leave out.", (0,)),
)
# Fragments that must not come back in any wording.
FALSE_FRAGMENTS = ("not even the system administrators", "as long as the case requires",
                   "only by the case handlers of the company")


def _text(page: str) -> str:
    """The visible text, tags dropped and entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _set_countries(app: Flask, **countries: str | None) -> None:
    with app.app_context(), transaction(session_factory(app)) as db:
        for code, country in countries.items():
            unit = db.scalar(select(OrgUnit).where(OrgUnit.code == code))
            assert unit is not None
            unit.country = country


def _translations(language: str) -> dict[str, str]:
    path = ROOT / "portal" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    return {str(message.id): str(message.string) for message in catalogue
            if message.id and isinstance(message.id, str) and message.string}


def _variants(msgid: str, language: str, sentences: tuple[int, ...] | None) -> list[str]:
    """The false sentences of `msgid` as a page in `language` would show them: split into
    sentences, and around placeholders (the fixed parts between them must not appear)."""
    text = msgid if language == "en" else _translations(language).get(msgid, msgid)
    parts = [part for part in re.split(r"(?<=[.。])\s*", text) if part.strip()]
    chosen = parts if sentences is None else [parts[index] for index in sentences]
    return [piece.strip() for part in chosen for piece in re.split(r"%\(\w+\)[sd]", part)
            if len(piece.strip()) > 12]


def test_who_can_read_is_stated_before_sending_and_follows_the_routing(
        client: FlaskClient, portal_app: Flask, organisation: Organisation) -> None:
    landing = _text(client.get("/").get_data(as_text=True))
    form = _text(client.get("/report").get_data(as_text=True))
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        keys = server_keys_of(portal_app)
        nordic = route_case(db, keys, organisation.unit_id, set())
        baltic = route_case(db, keys, organisation.other_unit_id, set())
        fallback = route_case(db, keys, None, set())
        nordic_names = ", ".join(user.name for user in nordic.handlers)
        group_names = ", ".join(user.name for user in fallback.handlers)
    assert not nordic.routed_to_group and baltic.routed_to_group
    assert nordic_names == "Alice Handler, Bob Handler" and group_names == "Grace Group"
    for page in (landing, form):
        assert (f"A report about Nordic Security AS: its case handlers ({nordic_names})."
                in page)
        assert (f"A report about Baltic Security UAB: the group's case handlers "
                f"({group_names}), because the company has no case handler of its own here."
                in page)
        assert f"leave out every case handler of the company: the group's case handlers " \
               f"({group_names})." in page
        assert "shares the case because the follow-up needs it" in page
        assert "A manager, if a case handler puts a serious breach before them" in page
        assert "Whoever holds the organisation's recovery sheet" in page
        assert "Anyone who has your case code." in page
    # What was stated is what happens: the Nordic report is wrapped to exactly the named
    # handlers, the recovery key and the reporter; the Baltic one to the group's.
    submit(client, organisation.unit_id, "Nordic report.")
    submit(client, organisation.other_unit_id, "Baltic report.")
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        for unit_id, names in ((organisation.unit_id, {"Alice Handler", "Bob Handler"}),
                               (organisation.other_unit_id, {"Grace Group"})):
            case = db.scalar(select(Case).where(Case.unit_id == unit_id))
            assert case is not None
            kinds = set(db.scalars(select(CaseKeyWrap.recipient_kind)
                                   .where(CaseKeyWrap.case_id == case.id)))
            assert kinds == {RecipientKind.USER, RecipientKind.RECOVERY, RecipientKind.REPORTER}
            readers = set(db.scalars(select(User.name).join(
                CaseKeyWrap, CaseKeyWrap.recipient_id == User.id).where(
                CaseKeyWrap.case_id == case.id)))
            assert readers == names


def test_a_new_handler_changes_the_statement(client: FlaskClient, portal_app: Flask,
                                             organisation: Organisation) -> None:
    from tests.factories import make_handler

    make_handler(portal_app, "Olga Baltic", [organisation.other_unit_id])
    page = _text(client.get("/report").get_data(as_text=True))
    assert "A report about Baltic Security UAB: its case handlers (Olga Baltic)." in page
    assert "because the company has no case handler of its own here" not in page


def test_the_stated_retention_is_the_one_the_purge_applies(
        client: FlaskClient, portal_app: Flask, organisation: Organisation) -> None:
    settings = settings_of(portal_app)
    page = _text(client.get("/").get_data(as_text=True))
    assert (f"deleted at the latest {settings.retention_days} days after the case is closed"
            in page)
    assert "kept until the hold ends" in page
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        unit = db.get(OrgUnit, organisation.unit_id)
        assert unit is not None
        unit.retention_days = 30
        assert retention_days_for(unit, settings) == 30
        assert retention_days_for(None, settings) == settings.retention_days
    for path in ("/", "/report"):
        page = _text(client.get(path).get_data(as_text=True))
        assert f"Baltic Security UAB: {settings.retention_days} days" in page
        assert "Nordic Security AS: 30 days" in page
    # The purge keeps exactly that promise: a Nordic case closed 31 days ago goes, one closed
    # 29 days ago stays.
    submit(client, organisation.unit_id, "first")
    submit(client, organisation.unit_id, "second")
    now = utcnow()
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        cases = list(db.scalars(select(Case).order_by(Case.id)))
        for case, days in zip(cases, (31, 29), strict=True):
            case.status = CaseStatus.CLOSED
            case.closed_at = now - timedelta(days=days)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        result = purge_expired_cases(db, settings, server_keys_of(portal_app), now=now)
        assert result.purged == 1


def test_protection_follows_each_companys_country(client: FlaskClient, portal_app: Flask,
                                                  organisation: Organisation) -> None:
    organisation_name = settings_of(portal_app).organisation_name
    commitment = GROUP_COMMITMENT % {"organisation": organisation_name}
    # No country known: only the group's commitment, and no legal claim at all.
    page = _text(client.get("/").get_data(as_text=True))
    assert commitment in page
    for text in PROTECTION_BY_COUNTRY.values():
        assert text not in page
    assert "reasonable grounds" not in page
    # A Norwegian company: the Working Environment Act without any test of grounds.
    _set_countries(portal_app, NORDIC="NO", BALTIC="LT")
    for path in ("/", "/report"):
        page = _text(client.get(path).get_data(as_text=True))
        assert PROTECTION_BY_COUNTRY["NO"] in page and commitment in page
        assert "Our companies there: Nordic Security AS" in page
        assert "no test of your grounds or good faith applies" in page
        assert "reasonable grounds" not in page
        assert "Baltic Security UAB" not in page.split("Protection against retaliation")[1]
    # Sweden and Denmark: the Directive's reasonable-grounds test, and their own acts.
    _set_countries(portal_app, NORDIC="SE", BALTIC="DK")
    page = _text(client.get("/").get_data(as_text=True))
    assert PROTECTION_BY_COUNTRY["SE"] in page and PROTECTION_BY_COUNTRY["DK"] in page
    assert PROTECTION_BY_COUNTRY["NO"] not in page
    assert "(2021:890)" in page and "Danish Data Protection Agency" in page
    assert protection_text("se") == PROTECTION_BY_COUNTRY["SE"]
    assert protection_text("LT") is None and protection_text(None) is None
    for country in ("SE", "DK"):
        assert "reasonable grounds to believe" in PROTECTION_BY_COUNTRY[country]
    # Supplier workers are promised only what the group itself can keep.
    assert "requires its suppliers not to retaliate" in GROUP_COMMITMENT
    assert "your legal protection depends on the law that applies to your work" in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_reporter_page_says_the_false_sentences_in_any_language(
        client: FlaskClient, portal_app: Flask, organisation: Organisation,
        language: str) -> None:
    _set_countries(portal_app, NORDIC="NO", BALTIC="SE")
    client.set_cookie("aktsom_lang", language)
    pages = {path: client.get(path).get_data(as_text=True)
             for path in ("/", "/report", "/followup")}
    response = client.post("/report", data={
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                pages["/report"]).group(1),  # type: ignore[union-attr]
        "category": "forced_labour", "unit": organisation.unit_id, "description": "x"},
        content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    pages["submitted"] = response.get_data(as_text=True)
    code = re.search(r'id="case-code">([^<]+)<', pages["submitted"])
    assert code is not None
    follow_up(client, code.group(1))
    pages["/case"] = client.get("/case").get_data(as_text=True)
    for path, page in pages.items():
        visible = _text(page)
        assert f'lang="{language}"' in page or language == "en", path
        for sentence, which in FALSE_SENTENCES:
            for part in _variants(sentence, language, which):
                assert part not in visible, (path, part)
        for fragment in FALSE_FRAGMENTS:
            assert fragment not in visible, (path, fragment)
    # The true statements are shown in the language of the page, translated.
    if language != "en":
        catalogue = _translations(language)
        for msgid in (PROTECTION_BY_COUNTRY["NO"], PROTECTION_BY_COUNTRY["SE"],
                      "Anyone who has your case code. Keep it safe."):
            assert catalogue.get(msgid), msgid
            assert catalogue[msgid] in _text(pages["/"]), msgid
