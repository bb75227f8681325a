"""Issue 13 §1 in a real browser with JavaScript off: a member of the public finds the
information-request form from the landing page and files a question; a compliance officer
made on the command line signs in, reads it in the register and answers it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskCliRunner

from tests.e2e.test_reporter_and_handler import totp_now

pytestmark = pytest.mark.browser

PASSWORD = "a long passphrase for compliance"
QUESTION = "Which factories make your work gloves, and how do you check their working hours?"


def test_the_public_asks_and_compliance_answers(
    page: Any, browser: Any, live_server: str, runner: FlaskCliRunner,
) -> None:
    assert runner.invoke(args=["units", "create", "--code", "GLOVES",
                               "--name", "Nordic Gloves AS"]).exit_code == 0
    created = runner.invoke(args=["users", "create", "--email", "cora@example.org",
                                  "--name", "Cora Compliance", "--role", "compliance",
                                  "--password-stdin"], input=PASSWORD)
    assert created.exit_code == 0, created.output
    uri = next(word for word in created.output.split() if word.startswith("otpauth://"))
    secret = parse_qs(urlsplit(uri).query)["secret"][0]

    page.goto(live_server + "/")
    page.get_by_role("link", name="Ask about our supply chain").click()
    page.get_by_label("Which company are you asking?").select_option(label="Nordic Gloves AS")
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_label("By post").check()
    page.get_by_label("Your e-mail or postal address").fill("Storgata 1\n0155 Oslo")
    page.get_by_role("button", name="Send the question").click()
    assert page.locator("h1").inner_text() == "Your question has been received"
    reference = page.locator(".reference").inner_text().strip()
    assert reference.startswith("IR-")
    # Reloading shows the same page and files nothing twice.
    page.reload()
    assert page.locator(".reference").inner_text().strip() == reference

    staff = browser.new_context(java_script_enabled=False, locale="en-GB").new_page()
    staff.goto(live_server + "/admin/login")
    staff.get_by_label("Email address").fill("cora@example.org")
    staff.get_by_label("Password", exact=True).fill(PASSWORD)
    staff.get_by_label("Code from your authenticator app").fill(totp_now(secret))
    staff.get_by_role("button", name="Sign in").click()
    staff.get_by_role("link", name="Information requests").click()
    rows = staff.locator("tbody tr")
    assert rows.count() == 1
    staff.get_by_role("link", name=reference).click()
    assert QUESTION in staff.content()
    assert "0155 Oslo" in staff.content()
    staff.get_by_label("The answer", exact=True).fill("Two factories in Malaysia; we audit them.")
    staff.get_by_role("button", name="Record and send the answer").click()
    assert "The answer was recorded." in staff.content()
    assert "Print the last letter" in staff.content()
    staff.get_by_role("button", name="The letter has been posted").click()
    assert staff.locator("#delivery").inner_text() == "Posted"
    staff.context.close()
