"""Issue 16 §7, gap 3 of the audit: the fixed texts the system sends to a reporter or a
requester reach them in every reporter language, not only in the staff languages the earlier
tests used (nb, sv).

For each language of the registry (config.languages.LANGUAGE_CODES) but the source one: the
acknowledgement, the note that a case was shared beyond its company (each reason), the notice
that the reporter's identity was disclosed (each legal basis), the note to a reporter whose
case became an information request, and the information-request letters (extension, refusal
on each ground, closing as a report of wrongdoing) differ from English, and no sentence of the
English text is left in them. Then one Arabic report acknowledged through the staff app's
acknowledge route shows the Arabic acknowledgement on the reporter's case page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from config import Settings
from config.languages import LANGUAGE_CODES, SOURCE_LANGUAGE
from portal.cases.access_grants import reporter_boundary_note
from portal.cases.handling import acknowledgement_text
from portal.cases.identity import disclosure_notice_text
from portal.extensions import settings_of
from portal.information import service
from portal.information.states import REFUSAL_GROUND_LABELS, RefusalGround
from portal.models import InformationRequest
from portal.states import (
    DISCLOSURE_BASIS_LABELS,
    GRANT_REASON_REPORTER_TEXTS,
    DisclosureBasis,
    GrantReason,
)
from tests.admin.case_support import World, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.test_identity_disclosure import reported
from tests.portal.helpers import follow_up

TRANSLATED = [code for code in LANGUAGE_CODES if code != SOURCE_LANGUAGE]
AUTHORITY = "Authority-Quokka 5521"
REFERENCE = "IR-QUOKKA"
REASON = "Reason-Quokka 7731"


def test_every_reporter_language_but_english_is_checked() -> None:
    assert len(TRANSLATED) == len(LANGUAGE_CODES) - 1 == 23


def _opened(language: str) -> service.OpenedRequest:
    request = InformationRequest(reference=REFERENCE,
                                 received_at=datetime(2027, 1, 4, 9, 30, tzinfo=UTC))
    return service.OpenedRequest(request=request, key=b"k" * 32, name="", contact="",
                                 question="?", language=language, letters=[])


def _texts(language: str, settings: Settings) -> dict[str, str]:
    """Every fixed text to a reporter or requester, in `language`."""
    texts = {"acknowledgement": acknowledgement_text(language, settings)}
    for reason in GrantReason:
        texts[f"shared beyond the company: {reason}"] = reporter_boundary_note(language, reason)
    for basis in DisclosureBasis:
        texts[f"identity disclosed: {basis}"] = disclosure_notice_text(
            language, authority=AUTHORITY, basis=basis, disclosed_on=date(2027, 3, 1))
    for has_address in (True, False):
        texts[f"case moved to a request, address {has_address}"] = service._moved_message(
            language, REFERENCE, has_address)
    opened = _opened(language)
    texts["letter: extension"] = service.extension_text(
        opened, settings, until=datetime(2027, 2, 22, tzinfo=UTC), reason=REASON)
    for ground in RefusalGround:
        texts[f"letter: refusal, {ground}"] = service.refusal_text(
            opened, settings, ground=ground, explanation=REASON)
    texts["letter: moved to the channel"] = service.moved_to_channel_text(opened, settings)
    with force_locale(language):
        texts["letter: subject"] = service._letter_subject(REFERENCE)
    return texts


def _labels(language: str) -> dict[str, str]:
    """The labels put into those texts, each read in `language`."""
    with force_locale(language):
        return {str(key): str(label) for mapping in (
            GRANT_REASON_REPORTER_TEXTS, DISCLOSURE_BASIS_LABELS, REFUSAL_GROUND_LABELS)
            for key, label in mapping.items()}


def _english_sentences(text: str, settings: Settings) -> list[str]:
    """The English text's sentences of three words or more, less the data put into it."""
    data = (settings.organisation_name, AUTHORITY, REFERENCE, REASON)
    pieces = (piece.strip() for piece in re.split(r"[.:;\n]+", text))
    return [piece for piece in pieces
            if len(piece.split()) >= 3 and not any(value in piece for value in data)]


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_fixed_texts_to_the_reporter_are_translated(portal_app: Flask,
                                                        language: str) -> None:
    settings = settings_of(portal_app)
    with portal_app.app_context():
        english, translated = _texts(SOURCE_LANGUAGE, settings), _texts(language, settings)
        english_labels, labels = _labels(SOURCE_LANGUAGE), _labels(language)
    for name, text in translated.items():
        assert text != english[name], (language, name)
        left = [sentence for sentence in _english_sentences(english[name], settings)
                if sentence in text]
        assert left == [], (language, name, left)
    for key, label in labels.items():
        assert label != english_labels[key], (language, key)
    # The translated labels are the ones used (a lookup in the wrong language would not be).
    everything = "\n".join(translated.values())
    for key, label in labels.items():
        assert label in everything, (language, key)


def test_an_arabic_report_is_acknowledged_in_arabic(
        client: FlaskClient, world: World, admin_app: Flask, portal_app: Flask) -> None:
    """Through the staff app's own route (whose picker offers only the staff languages): the
    reporter reads the acknowledgement in Arabic on their case page."""
    case_id, code = reported(portal_app, world.unit_id, name=None, language="ar")
    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{case_id}"
    assert post(alice, f"{url}/acknowledge", token_from=url).status_code == 303
    with portal_app.app_context():
        arabic = acknowledgement_text("ar", settings_of(portal_app))
        english = acknowledgement_text("en", settings_of(portal_app))
    assert "شكر" in arabic  # "thank", in Arabic script
    follow_up(client, code)
    page = client.get("/case").get_data(as_text=True)
    assert arabic in page and english not in page
