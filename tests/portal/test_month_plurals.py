"""Issue 16 §1, a weak spot of the gap audit: the feedback period is a setting of 1 to 3
months, and "month" takes several forms in many reporter languages. The acknowledgement and
the landing page's promise use a plural (ngettext), so Ukrainian reads "1 місяць" / "3
місяці" and Arabic "شهر واحد" / "شهرين" / "3 أشهر".

Before the fix both were plain gettext with "%(months)d months": with the setting at 1 a
Ukrainian reporter read "через 1 місяці" and an Arabic one "في غضون 1 أشهر"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from flask import Flask

from portal.cases.handling import acknowledgement_text
from portal.extensions import settings_of

ACKNOWLEDGEMENT = {
    ("en", 1): "within 1 month at the latest", ("en", 3): "within 3 months at the latest",
    ("uk", 1): "через 1 місяць.", ("uk", 3): "через 3 місяці.",
    ("ar", 1): "في غضون شهر واحد", ("ar", 2): "في غضون شهرين", ("ar", 3): "في غضون 3 أشهر",
    ("pl", 1): "w ciągu 1 miesiąca", ("pl", 3): "w ciągu 3 miesięcy",
}
WRONG = {"uk": "1 місяці", "ar": "1 أشهر", "pl": "1 miesięcy", "en": "1 months"}
LANDING = {
    ("en", 1): "feedback within 1 month.", ("en", 3): "feedback within 3 months.",
    ("uk", 1): "протягом 1 місяця.", ("uk", 3): "протягом 3 місяців.",
    ("ar", 1): "خلال شهر واحد", ("ar", 2): "خلال شهرين", ("ar", 3): "خلال 3 أشهر",
}


@pytest.mark.parametrize(("language", "months"), sorted(ACKNOWLEDGEMENT))
def test_the_acknowledgement_names_the_months_in_the_right_plural_form(
        portal_app: Flask, language: str, months: int) -> None:
    settings = replace(settings_of(portal_app), feedback_months=months)
    with portal_app.app_context():
        text = acknowledgement_text(language, settings)
    assert ACKNOWLEDGEMENT[(language, months)] in text, text
    assert WRONG[language] not in text, text


@pytest.mark.parametrize(("language", "months"), sorted(LANDING))
def test_the_landing_page_names_the_months_in_the_right_plural_form(
        make_portal_app: Callable[..., Flask], language: str, months: int) -> None:
    app = make_portal_app(feedback_months=months)
    page = app.test_client().get("/", headers={"Accept-Language": language})
    text = " ".join(page.get_data(as_text=True).split())
    assert LANDING[(language, months)] in text, text[-3000:]
    assert WRONG[language] not in text
