"""The landing page in a real browser: language switch, no CSP violation, no script."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_landing_switch_language_without_csp_violations(page: Any, live_server: str) -> None:
    response = page.goto(live_server + "/")
    assert response.status == 200
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert page.locator("h1").inner_text() == "Report a concern, safely"
    # Norwegian is not the browser's language: it is under "More languages" (issue 16 §5).
    page.locator("summary", has_text="More languages").click()
    page.get_by_role("link", name="Norsk bokmål").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.locator("h1").inner_text() != "Report a concern, safely"
    violations = [text for text in page.console_messages_seen
                  if "Content Security Policy" in text or "Refused" in text]
    assert violations == []


def test_stylesheet_loads_under_the_policy(page: Any, live_server: str) -> None:
    loaded: list[str] = []
    page.on("response", lambda response: loaded.append(f"{response.status} {response.url}"))
    page.goto(live_server + "/")
    assert any(entry.startswith("200 ") and entry.endswith("/static/aktsom.css")
               for entry in loaded)
