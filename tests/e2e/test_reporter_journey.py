"""A reporter with JavaScript off: report with an attachment, keep the code, log out, come
back, read the status, write again (issue 4, done-when)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.db import session_factory, transaction
from portal.models import CaseIdentity
from tests.factories import make_handler, make_recovery_key, make_unit

pytestmark = pytest.mark.browser


@pytest.fixture
def ready_portal(portal_app: Flask) -> str:
    unit = make_unit(portal_app, "NORDIC", "Nordic Security AS")
    make_handler(portal_app, "Alice Handler", [unit])
    make_recovery_key(portal_app)
    return unit


def test_report_follow_up_and_reply_without_javascript(
    page: Any, live_server: str, ready_portal: str, tmp_path: Path, portal_app: Flask
) -> None:
    evidence = tmp_path / "evidence.txt"
    evidence.write_text("Overtime sheets, March.")

    page.goto(live_server + "/")
    page.get_by_role("link", name="Make a report").click()
    page.get_by_label("Forced labour and modern slavery (trafficking, debt bondage)").check()
    page.get_by_label("Which company does it concern?").select_option(label="Nordic Security AS")
    page.get_by_label("Describe what happened").fill("Recruitment fees are deducted from pay.")
    page.get_by_label("Attachments (optional)").set_input_files(str(evidence))
    # Confidential with a name (issue 11 §8): sealed apart, never shown with the case code.
    page.get_by_label("Give my name in confidence").check()
    page.get_by_label("Your name (only if you give it in confidence)").fill("Kari Journey")
    page.get_by_role("button", name="Send report").click()

    code = page.locator("#case-code").inner_text().strip()
    assert len(code.replace("-", "")) == 20
    assert "evidence.txt" not in page.content() or "could not check" in page.content()

    page.goto(live_server + "/followup")
    page.get_by_label("Case code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Open my case").click()
    assert page.url.endswith("/case")
    assert "Recruitment fees are deducted from pay." in page.content()
    assert "Kari Journey" not in page.content()
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(func.count()).select_from(CaseIdentity)) == 1
    assert page.get_by_text("Received").count() >= 1
    assert page.get_by_role("link", name="evidence.txt").count() == 1

    page.get_by_role("button", name="Log out").click()
    assert page.url.rstrip("/") == live_server
    page.goto(live_server + "/case")
    assert page.url.endswith("/followup")

    page.get_by_label("Case code").fill(code)
    page.get_by_role("button", name="Open my case").click()
    page.get_by_label("Your message").fill("It also happens at the second site.")
    page.get_by_role("button", name="Send message").click()
    assert page.url.endswith("/case")
    assert "It also happens at the second site." in page.content()
    assert "Your message has been sent." in page.content()
    assert [m for m in page.console_messages_seen if "Content Security Policy" in m] == []
