"""The privacy notice in a real browser with JavaScript off (issue 11 §4): linked from the
landing page and the report form, chosen per company with a plain GET form, and rendered
under the content security policy."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from portal.db import session_factory, transaction
from portal.models import OrgUnit
from tests.factories import make_unit

pytestmark = pytest.mark.browser


@pytest.fixture
def company(portal_app: Flask) -> str:
    make_unit(portal_app, "NORDIC", "Nordic Security AS")
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        db.query(OrgUnit).filter_by(code="NORDIC").one().country = "NO"
    return "NORDIC"


def test_privacy_link_on_landing_and_report_form(page: Any, live_server: str,
                                                  company: str) -> None:
    page.goto(live_server + "/")
    assert page.locator("#privacy-link").count() == 1
    page.goto(live_server + "/report")
    assert page.locator("#privacy-link").count() == 1
    assert page.locator("#report-privacy-link").count() == 1
    page.locator("#privacy-link").click()
    page.wait_for_load_state()
    assert page.url.endswith("/privacy")
    assert page.locator("h1").inner_text() == "Privacy notice"


def test_notice_for_a_company_without_javascript(page: Any, live_server: str,
                                                 company: str) -> None:
    page.goto(live_server + "/privacy")
    page.select_option("#privacy-unit", company)
    page.get_by_role("button", name="Show the notice for this company").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/privacy/{company}")
    assert "Nordic Security AS" in page.locator("h1").inner_text()
    text = page.locator("main").inner_text()
    assert "Datatilsynet" in text
    assert "days after the case is closed" in text
    violations = [line for line in page.console_messages_seen
                  if "Content Security Policy" in line or "Refused" in line]
    assert violations == []
