"""The public routines page (AML §2A-6; issue 11 §7(a)) in a real browser with JavaScript off:
reached from the landing page by plain links, no CSP violation."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.factories import make_unit

pytestmark = pytest.mark.browser


def test_from_the_landing_page_to_a_companys_routines(page: Any, live_server: str,
                                                      portal_app: Flask) -> None:
    make_unit(portal_app, "NORDIC", "Nordic Textiles AS")
    assert page.goto(live_server + "/").status == 200
    page.get_by_role("link", name="Read the routines").click()
    page.wait_for_load_state()
    assert page.url.endswith("/routines")
    page.get_by_role("link", name="Nordic Textiles AS").click()
    page.wait_for_load_state()
    assert page.url.endswith("/routines/NORDIC")
    assert page.locator("h1").inner_text() == "Routines for reporting at Nordic Textiles AS"
    clocks = page.locator("#routine-clocks").inner_text()
    assert "within 7 days" in clocks and "within 3 months of the acknowledgement" in clocks
    assert "No version of these routines" in page.locator("#routine-version").inner_text()
    # The language switch works on it too, without script.
    # Norwegian is not the browser's language: it is under "More languages" (issue 16 §5).
    page.locator("summary", has_text="More languages").click()
    page.get_by_role("link", name="Norsk bokmål").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.url.endswith("/routines/NORDIC")
    violations = [text for text in page.console_messages_seen
                  if "Content Security Policy" in text or "Refused" in text]
    assert violations == []
