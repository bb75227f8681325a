"""Issue 14 §1 and §2 in a real browser (JavaScript off): the case code page survives reload,
a language switch and Back, and never sends the report a second time; an expired session and
a too-large upload keep what was typed.

Reproduction before the fix: reload on the code page re-posted the report (a second case with
a new code); the language links led to an empty form; Back after "Done" offered to resubmit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from config import Settings
from portal.db import session_factory, transaction
from portal.models import Case, Message, ServerSession
from tests.factories import make_handler, make_recovery_key, make_unit

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(make_settings: Any, database_url: str) -> Settings:
    """Small upload limits, so that a too-large upload is quick to make."""
    made: Settings = make_settings(database_url=database_url, max_file_bytes=64 * 1024,
                                   max_total_upload_bytes=128 * 1024)
    return made


@pytest.fixture
def ready_portal(portal_app: Flask) -> str:
    unit = make_unit(portal_app, "NORDIC", "Nordic Security AS")
    make_handler(portal_app, "Alice Handler", [unit])
    make_recovery_key(portal_app)
    return unit


def _cases(app: Flask) -> int:
    with app.app_context(), transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(Case)) or 0)


def _code(page: Any) -> str:
    return str(page.locator("#case-code").inner_text()).strip()


def test_reload_language_switch_and_back_keep_one_case_and_its_code(
        page: Any, live_server: str, ready_portal: str, portal_app: Flask) -> None:
    page.goto(live_server + "/report")
    page.get_by_label("Forced labour and modern slavery (trafficking, debt bondage)").check()
    page.get_by_label("Which company does it concern?").select_option(label="Nordic Security AS")
    page.get_by_label("Describe what happened").fill("Recruitment fees are deducted from pay.")
    page.get_by_role("button", name="Send report").click()
    assert page.url.endswith("/report/submitted")
    code = _code(page)
    assert len(code.replace("-", "")) == 20

    # Reload: the same code, no second case (a POST would have made one).
    page.reload()
    assert _code(page) == code
    assert _cases(portal_app) == 1

    # The language links keep the code.
    # Norwegian is not the browser's language: it is under "More languages" (issue 16 §5).
    page.locator("summary", has_text="More languages").click()
    page.get_by_role("link", name="Norsk bokmål").click()
    assert page.url.endswith("/report/submitted")
    assert page.locator("html").get_attribute("lang") == "nb"
    assert _code(page) == code
    page.get_by_role("link", name="English").click()
    assert _code(page) == code

    # A wrong last group says so and keeps the page.
    last = code.rsplit("-", 1)[1]
    page.get_by_label("Type the last group of your case code").fill(
        "AAAAA" if last != "AAAAA" else "BBBBB")
    page.get_by_role("button", name="Done").click()
    assert "That is not the last group of your case code" in page.content()
    assert _code(page) == code

    page.get_by_label("Type the last group of your case code").fill(last.lower())
    page.get_by_role("button", name="Done").click()
    assert page.url.rstrip("/") == live_server

    # Back: the code page is closed, shows no code and sends nothing; once more Back is the
    # empty form, never a resubmission. Each Back waits until the page has loaded: Chromium
    # may swap the page's renderer while the redirect after "Done" is still loading, and a
    # history call in that moment fails with "Not attached to an active page" (CI, stop 22).
    page.wait_for_load_state("load")
    page.go_back()
    assert page.url.endswith("/report/submitted")
    assert page.locator("#case-code").count() == 0
    assert code not in page.content()
    assert "The case code page is closed" in page.content()
    # Every step Back is a GET page (no "confirm form resubmission"), down to the empty form.
    for _step in range(8):
        if page.url.endswith("/report"):
            break
        page.wait_for_load_state("load")
        page.go_back()
        assert page.locator("#case-code").count() == 0
    assert page.url.endswith("/report")
    assert page.get_by_label("Describe what happened").input_value() == ""
    page.reload()
    assert _cases(portal_app) == 1


def _report(page: Any, live_server: str) -> str:
    page.goto(live_server + "/report")
    page.get_by_label("Forced labour and modern slavery (trafficking, debt bondage)").check()
    page.get_by_label("Which company does it concern?").select_option(label="Nordic Security AS")
    page.get_by_label("Describe what happened").fill("Recruitment fees are deducted from pay.")
    page.get_by_role("button", name="Send report").click()
    return _code(page)


def test_a_message_written_past_the_idle_timeout_comes_back_after_the_code(
        page: Any, live_server: str, ready_portal: str, portal_app: Flask) -> None:
    code = _report(page, live_server)
    page.goto(live_server + "/followup")
    page.get_by_label("Case code").fill(code)
    page.get_by_role("button", name="Open my case").click()
    answer = "A long answer written slowly. " * 30
    page.get_by_label("Your message").fill(answer)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        for row in db.scalars(select(ServerSession).where(ServerSession.kind == "reporter")):
            row.last_seen_at -= timedelta(days=1)
    page.get_by_role("button", name="Send message").click()
    assert page.url.endswith("/case/messages")
    assert page.get_by_label("Your message, not sent yet").input_value() == answer
    page.get_by_label("Case code").fill(code)
    page.get_by_role("button", name="Open my case").click()
    assert page.get_by_label("Your message").input_value() == answer
    page.get_by_role("button", name="Send message").click()
    assert page.url.endswith("/case")
    assert answer.strip() in page.locator(".dialogue").inner_text()
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalar(select(func.count()).select_from(Message)) == 1


def test_a_too_large_upload_keeps_the_form(
        page: Any, live_server: str, ready_portal: str, portal_app: Flask,
        tmp_path: Path) -> None:
    video = tmp_path / "interview.mp4"
    video.write_bytes(b"v" * (1400 * 1024))  # over max_request_bytes (128 KiB + 1 MiB)
    page.goto(live_server + "/report")
    page.get_by_label("Forced labour and modern slavery (trafficking, debt bondage)").check()
    page.get_by_label("Which company does it concern?").select_option(label="Nordic Security AS")
    page.get_by_label("Describe what happened").fill("Recruitment fees are deducted from pay.")
    page.get_by_label("Attachments (optional)").set_input_files(str(video))
    page.get_by_role("button", name="Send report").click()
    assert page.get_by_label("Describe what happened").input_value() == (
        "Recruitment fees are deducted from pay.")
    assert "interview.mp4" in page.content()
    assert "The files are too large together" in page.content()
    assert _cases(portal_app) == 0


def test_a_report_whose_form_cookie_was_lost_keeps_the_text(
        page: Any, live_server: str, ready_portal: str, portal_app: Flask) -> None:
    """Audit gap 6: the form's session cookie lost (Tor Browser's "New identity") before
    "Send report". Before the fix: the bare 400 page, and the text was gone."""
    text = "The foreman keeps our passports in his office safe. " * 20
    page.goto(live_server + "/report")
    page.get_by_label("Forced labour and modern slavery (trafficking, debt bondage)").check()
    page.get_by_label("Which company does it concern?").select_option(label="Nordic Security AS")
    page.get_by_label("Describe what happened").fill(text)
    page.context.clear_cookies(name="aktsom_reporter_csrf")
    page.get_by_role("button", name="Send report").click()
    assert "This form had expired; check your text and send it again." in page.content()
    assert page.get_by_label("Describe what happened").input_value() == text
    assert _cases(portal_app) == 0
    page.get_by_role("button", name="Send report").click()
    assert page.url.endswith("/report/submitted")
    assert len(_code(page).replace("-", "")) == 20
    assert _cases(portal_app) == 1


def test_one_tap_selects_the_whole_case_code(
        page: Any, live_server: str, ready_portal: str) -> None:
    """Audit gap 4: the code stays a <code> element (a read-only input does not select all of
    its text on one tap without JavaScript; docs/architecture.md), so its CSS is what makes one
    tap select all of it: pinned here, with its isolated left-to-right monospace."""
    code = _report(page, live_server)
    element = page.locator("#case-code")
    style = element.evaluate(
        "e => { const s = getComputedStyle(e); return {tag: e.tagName, dir: e.dir,"
        " userSelect: s.userSelect || s.webkitUserSelect, direction: s.direction,"
        " bidi: s.unicodeBidi, font: s.fontFamily} }")
    assert style["tag"] == "CODE"
    assert style["userSelect"] == "all"
    assert (style["dir"], style["direction"], style["bidi"]) == ("ltr", "ltr", "isolate")
    assert "monospace" in style["font"]
    # And the tap itself: one click selects the whole code, not a word or a caret.
    element.click()
    assert page.evaluate("() => String(getSelection())").strip() == code
