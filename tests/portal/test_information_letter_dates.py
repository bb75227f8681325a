"""Issue 16 §2, gap 2 of the audit: the information-request letters to the public put their
dates in the requester's language, as that language writes dates (Babel's long format), not
as ISO text inside a translated sentence.

Before the fix `extension_text`, `refusal_text` and `moved_to_channel_text` wrote
`received_at.date().isoformat()` and `last_day(...).isoformat()`: a Norwegian letter said
"2027-01-04" where Norwegian writes "4. januar 2027"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from babel.dates import format_date
from flask import Flask

from config import Settings
from portal.extensions import settings_of
from portal.information import service
from portal.information.states import RefusalGround
from portal.models import InformationRequest

RECEIVED = datetime(2027, 1, 4, 9, 30, tzinfo=UTC)
UNTIL = datetime(2027, 2, 22, tzinfo=UTC)  # midnight: the last day is 21 February


def _opened(language: str) -> service.OpenedRequest:
    request = InformationRequest(reference="IR-TEST", received_at=RECEIVED)
    return service.OpenedRequest(request=request, key=b"k" * 32, name="", contact="",
                                 question="?", language=language, letters=[])


LETTERS: dict[str, Callable[[service.OpenedRequest, Settings], str]] = {
    "extension": lambda opened, settings: service.extension_text(
        opened, settings, until=UNTIL, reason="40 sub-suppliers"),
    "refusal": lambda opened, settings: service.refusal_text(
        opened, settings, ground=RefusalGround.UNCLEAR, explanation=""),
    "moved": lambda opened, settings: service.moved_to_channel_text(
        opened, settings),
}


@pytest.mark.parametrize("language", ["nb", "ar"])
@pytest.mark.parametrize("letter", sorted(LETTERS))
def test_letter_dates_are_written_in_the_requesters_language(
        portal_app: Flask, language: str, letter: str) -> None:
    with portal_app.app_context():
        text = LETTERS[letter](_opened(language), settings_of(portal_app))
    received = format_date(RECEIVED.date(), "long", locale=language)  # "4. januar 2027"
    assert received in text, (letter, text)
    if letter == "extension":
        last_day = service.last_day(UNTIL)
        assert last_day == date(2027, 2, 21)
        assert format_date(last_day, "long", locale=language) in text, text
    assert "2027-01-04" not in text and "2027-02-21" not in text, text
