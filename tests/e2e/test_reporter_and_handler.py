"""Issue 5, done-when, in a real browser with JavaScript off: a handler made on the command
line signs in with password and TOTP, finds the new case, reads it, acknowledges, replies,
and the reporter reads that reply with the case code."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.admin.helpers import totp_code
from tests.factories import make_recovery_key

pytestmark = pytest.mark.browser

PASSWORD = "a long passphrase for the handler"


def totp_now(secret_b32: str) -> str:
    """What the handler's authenticator app shows now for the enrolled secret."""
    return totp_code(base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8)))


def test_handler_from_the_cli_answers_and_the_reporter_reads_it(
    page: Any, browser: Any, live_server: str, runner: FlaskCliRunner, admin_app: Flask
) -> None:
    assert runner.invoke(args=["units", "create", "--code", "NORDIC",
                               "--name", "Nordic Security AS"]).exit_code == 0
    created = runner.invoke(args=["users", "create", "--email", "hanna@example.org",
                                  "--name", "Hanna Handler", "--role", "handler",
                                  "--unit", "NORDIC", "--password-stdin"], input=PASSWORD)
    assert created.exit_code == 0, created.output
    uri = next(word for word in created.output.split() if word.startswith("otpauth://"))
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    make_recovery_key(admin_app)

    # The reporter reports.
    page.goto(live_server + "/report")
    page.get_by_label("Unfair wages (below a living wage)").check()
    page.get_by_label("Which company does it concern?").select_option(label="Nordic Security AS")
    page.get_by_label("Describe what happened").fill("Night shifts are not paid.")
    page.get_by_role("button", name="Send report").click()
    code = page.locator("#case-code").inner_text().strip()

    # The handler signs in, finds the case, reads it, acknowledges and replies.
    staff = browser.new_context(java_script_enabled=False, locale="en-GB").new_page()
    staff.goto(live_server + "/admin/login")
    staff.get_by_label("Email address").fill("hanna@example.org")
    staff.get_by_label("Password", exact=True).fill(PASSWORD)
    staff.get_by_label("Code from your authenticator app").fill(totp_now(secret))
    staff.get_by_role("button", name="Sign in").click()
    staff.goto(live_server + "/admin/cases")
    link = staff.locator("a[href^='/admin/cases/']").filter(has_not_text="Register").first
    href = link.get_attribute("href")
    assert href is not None and len(href.rsplit("/", 1)[1]) == 32
    link.click()
    assert "Night shifts are not paid." in staff.content()
    staff.get_by_role("button", name="Acknowledge receipt").click()
    staff.get_by_label("Reply to the reporter").fill("Thank you. We are looking into the rotas.")
    # The reply's kind is a required choice with no default (issue 11 §1(a)).
    staff.get_by_label("A question or an update").check()
    staff.get_by_role("button", name="Send to the reporter").click()
    assert "Thank you. We are looking into the rotas." in staff.content()

    # The reporter comes back with the code and reads the reply.
    page.goto(live_server + "/followup")
    page.get_by_label("Case code").fill(code)
    page.get_by_role("button", name="Open my case").click()
    content = page.content()
    assert "Thank you. We are looking into the rotas." in content
    assert "Acknowledged" in content
    for seen in (page.console_messages_seen,):
        assert [m for m in seen if "Content Security Policy" in m] == []
    staff.context.close()
