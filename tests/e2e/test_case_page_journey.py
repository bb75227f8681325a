"""Issue 14 §9, §10 and §12 in a real browser with JavaScript off: the handler's case page has
the overview first and the actions in groups that open without JavaScript; closing a case
is asked on a page of its own and nothing changes until it is confirmed; the original of a
photo is reached only through the evidence-copy warning, downloads under a different name
and is audited; the landing page's category columns do not run into each other."""

from __future__ import annotations

import base64
import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from PIL import Image
from sqlalchemy import select

from portal.db import session_factory, transaction
from portal.models import AuditEvent, Case
from portal.states import AuditAction
from tests.admin.helpers import totp_code
from tests.factories import make_recovery_key

pytestmark = pytest.mark.browser

PASSWORD = "a long passphrase for the handler"


def _photo() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "MakerMarker"
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def _handler(runner: FlaskCliRunner, app: Flask) -> str:
    """A unit and a certified handler made on the command line; the TOTP secret."""
    assert runner.invoke(args=["units", "create", "--code", "NORDIC",
                               "--name", "Nordic Security AS"]).exit_code == 0
    created = runner.invoke(args=["users", "create", "--email", "hanna@example.org",
                                  "--name", "Hanna Handler", "--role", "handler",
                                  "--unit", "NORDIC", "--password-stdin"], input=PASSWORD)
    assert created.exit_code == 0, created.output
    uri = next(word for word in created.output.split() if word.startswith("otpauth://"))
    make_recovery_key(app)
    return parse_qs(urlsplit(uri).query)["secret"][0]


def _report(page: Any, live_server: str, *, photo: bool = False) -> None:
    page.goto(live_server + "/report")
    page.get_by_label("Unfair wages (below a living wage)").check()
    page.get_by_label("Which company does it concern?").select_option(label="Nordic Security AS")
    page.get_by_label("Describe what happened").fill("Night shifts are not paid.")
    if photo:
        page.locator("#attachments").set_input_files(
            files=[{"name": "rota.jpg", "mimeType": "image/jpeg", "buffer": _photo()}])
        page.get_by_label("Also keep my original files unchanged").check()
    page.get_by_role("button", name="Send report").click()
    assert page.locator("#case-code").count() == 1


def _sign_in_and_open(browser: Any, live_server: str, secret: str) -> Any:
    staff = browser.new_context(java_script_enabled=False, locale="en-GB").new_page()
    staff.goto(live_server + "/admin/login")
    staff.get_by_label("Email address").fill("hanna@example.org")
    staff.get_by_label("Password", exact=True).fill(PASSWORD)
    code = base64.b32decode(secret + "=" * (-len(secret) % 8))
    staff.get_by_label("Code from your authenticator app").fill(totp_code(code))
    staff.get_by_role("button", name="Sign in").click()
    staff.goto(live_server + "/admin/cases")
    staff.locator("a[href^='/admin/cases/']").filter(has_not_text="Register").first.click()
    return staff


def _status(app: Flask) -> str:
    with app.app_context(), transaction(session_factory(app)) as db:
        (status,) = db.scalars(select(Case.status)).all()
        return str(status)


def test_the_page_has_the_overview_first_and_closing_is_confirmed(
        page: Any, browser: Any, live_server: str, runner: FlaskCliRunner,
        admin_app: Flask) -> None:
    secret = _handler(runner, admin_app)
    _report(page, live_server)
    staff = _sign_in_and_open(browser, live_server, secret)

    # The DOM: the overview straight under the heading, then the report, the dialogue and
    # the actions, in that order down the page; the groups are <details>, only the reply open.
    assert staff.locator("main h1 + section#overview").count() == 1
    tops = [staff.locator(f"section#{name}").bounding_box()["y"]
            for name in ("overview", "report", "dialogue", "actions")]
    assert tops == sorted(tops)
    assert staff.locator("#next-step").inner_text().startswith("Next step: Acknowledge receipt")
    summaries = staff.locator("section#actions > details.action-group > summary")
    assert summaries.count() == 6
    assert summaries.first.inner_text() == "Reply to the reporter"
    assert staff.locator("#group-reply").get_attribute("open") is not None
    assert staff.locator("#group-handling").get_attribute("open") is None
    assert not staff.get_by_label("New status").is_visible()

    staff.get_by_role("button", name="Acknowledge receipt").click()
    assert _status(admin_app) == "acknowledged"
    # A group opens without JavaScript.
    staff.locator("#group-handling > summary").click()
    assert staff.get_by_label("New status").is_visible()
    staff.get_by_label("New status").select_option(label="Closed")
    staff.get_by_label("Reason for closing without feedback").select_option(
        label="Duplicate of another case")
    staff.get_by_role("button", name="Change the status").click()

    # The confirmation page: it says what follows, and nothing has changed yet.
    assert "/status/confirm-close" in staff.url
    assert staff.locator("h1").inner_text().startswith("Close case")
    assert staff.locator("#confirm-close-warning").is_visible()
    assert _status(admin_app) == "acknowledged"
    staff.get_by_role("link", name="No, back to the case").click()
    assert "Acknowledged" in staff.locator("#case-status").inner_text()
    assert _status(admin_app) == "acknowledged"

    staff.locator("#group-handling > summary").click()
    staff.get_by_label("New status").select_option(label="Closed")
    staff.get_by_label("Reason for closing without feedback").select_option(
        label="Duplicate of another case")
    staff.get_by_role("button", name="Change the status").click()
    staff.get_by_role("button", name="Yes, close the case").click()
    assert _status(admin_app) == "closed"
    assert "Duplicate of another case" in staff.locator("#case-status").inner_text()
    assert staff.locator("#next-step").inner_text().startswith("Next step: Nothing is due")
    assert [m for m in page.console_messages_seen if "Content Security Policy" in m] == []
    staff.context.close()


def test_the_evidence_copy_is_a_deliberate_audited_step(
        page: Any, browser: Any, live_server: str, runner: FlaskCliRunner,
        admin_app: Flask) -> None:
    secret = _handler(runner, admin_app)
    _report(page, live_server, photo=True)
    staff = _sign_in_and_open(browser, live_server, secret)
    case_url = staff.url

    # The original is not a download link on the case page: only the step to the warning.
    staff.get_by_role("link", name="Evidence copy…").click()
    assert "/evidence-copy" in staff.url
    assert staff.locator("#evidence-copy-warning").is_visible()
    with staff.expect_download() as download:
        staff.get_by_role("button", name="Download the evidence copy").click()
    name = download.value.suggested_filename
    assert name.startswith("ORIGINAL-WITH-METADATA-") and name.endswith("rota.jpg")
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        actions = list(db.scalars(select(AuditEvent.action)))
    assert AuditAction.CASE_EVIDENCE_COPY_DOWNLOADED in actions
    # The cleaned copy keeps its own name and its own audit action.
    staff.goto(case_url)
    with staff.expect_download() as cleaned:
        staff.get_by_role("link", name="rota.jpg").click()
    assert not cleaned.value.suggested_filename.startswith("ORIGINAL-WITH-METADATA-")
    staff.context.close()


def test_the_category_columns_do_not_run_into_each_other(page: Any, live_server: str) -> None:
    """Issue 14 §12: on a desktop the second column's bullets sat on the first column's
    text. The gap between the columns leaves room for them."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server + "/")
    items = page.locator("ul.categories > li")
    boxes = [items.nth(index).bounding_box() for index in range(items.count())]
    left = min(box["x"] for box in boxes)
    first = [box for box in boxes if box["x"] == left]
    second = [box for box in boxes if box["x"] > left]
    assert first and second, "two columns on a desktop"
    gap = min(box["x"] for box in second) - max(box["x"] + box["width"] for box in first)
    assert gap >= 24  # a bullet and its space
