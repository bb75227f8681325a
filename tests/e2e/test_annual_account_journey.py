"""Issue 13 §5 in a real browser with JavaScript off: one compliance officer drafts a
company's Transparency Act account, a second approves it (four eyes), the board's signature is
recorded, the account is published, and the public reads it at /transparency from the landing
page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskCliRunner

from tests.e2e.test_reporter_and_handler import totp_now

pytestmark = pytest.mark.browser

PASSWORD = "a long passphrase for compliance"
YEAR = datetime.now(UTC).year - 1


def _officer(runner: FlaskCliRunner, email: str, name: str) -> str:
    created = runner.invoke(args=["users", "create", "--email", email, "--name", name,
                                  "--role", "compliance", "--password-stdin"], input=PASSWORD)
    assert created.exit_code == 0, created.output
    uri = next(word for word in created.output.split() if word.startswith("otpauth://"))
    return parse_qs(urlsplit(uri).query)["secret"][0]


def _signed_in(browser: Any, live_server: str, email: str, secret: str) -> Any:
    staff = browser.new_context(java_script_enabled=False, locale="en-GB").new_page()
    staff.goto(live_server + "/admin/login")
    staff.get_by_label("Email address").fill(email)
    staff.get_by_label("Password", exact=True).fill(PASSWORD)
    staff.get_by_label("Code from your authenticator app").fill(totp_now(secret))
    staff.get_by_role("button", name="Sign in").click()
    return staff


def _open_account(staff: Any) -> None:
    staff.get_by_role("link", name="Transparency account").first.click()
    staff.locator(f"section:has(h2#year-{YEAR})").get_by_role(
        "link", name="Nordic Gloves AS").click()


def test_compliance_publishes_and_the_public_reads(
    page: Any, browser: Any, live_server: str, runner: FlaskCliRunner,
) -> None:
    assert runner.invoke(args=["units", "create", "--code", "GLOVES",
                               "--name", "Nordic Gloves AS"]).exit_code == 0
    cora = _officer(runner, "cora@example.org", "Cora Compliance")
    olav = _officer(runner, "olav@example.org", "Olav Compliance")

    writer = _signed_in(browser, live_server, "cora@example.org", cora)
    _open_account(writer)
    writer.locator("#a_nb").fill("Vi har **rutiner** for aktsomhetsvurderinger.")
    writer.locator("#a_en").fill("We have **routines** for due diligence.")
    writer.locator("#b_nb").fill("Risiko for lange arbeidsdager hos en hanskeprodusent.")
    writer.locator("#b_en").fill("Risk of long working days at a glove maker.")
    writer.locator("#c_nb").fill("- Revisjon\n- Handlingsplan")
    writer.locator("#c_en").fill("- Audit\n- Action plan")
    writer.get_by_role("button", name="Save the texts").click()
    assert "The texts were saved." in writer.content()
    writer.get_by_role("button", name="Approve the account").click()
    assert "A second person must approve the account" in writer.content()

    approver = _signed_in(browser, live_server, "olav@example.org", olav)
    _open_account(approver)
    approver.get_by_role("button", name="Approve the account").click()
    assert "The account was approved." in approver.content()
    approver.get_by_label("Company").select_option(label="Nordic Gloves AS")
    approver.get_by_label("Name of the board member").fill("Kari Styre")
    approver.get_by_label("Board role").fill("Chair of the board")
    approver.get_by_label("Date of signature").fill(datetime.now(UTC).date().isoformat())
    approver.get_by_role("button", name="Record the signature").click()
    assert approver.locator("#status").inner_text() == "Signed, ready to publish"
    approver.get_by_role("button", name="Publish the account").click()
    assert approver.locator("#status").inner_text() == "Published"
    writer.context.close()
    approver.context.close()

    page.goto(live_server + "/")
    page.get_by_role("link", name="Read our Transparency Act accounts").click()
    page.get_by_role("link", name=f"Account for {YEAR}, version 1").click()
    content = page.content()
    assert "<strong>rutiner</strong>" in content and "Risk of long working days" in content
    assert "Reports received" in content
    assert "Kari Styre" in content and "Chair of the board" in content
