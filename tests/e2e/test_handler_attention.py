"""Issue 14 §8 in a real browser with JavaScript off (Debian Chromium): a handler's sign-in
lands on the case list; a reporter's new message marks the case unread there until the
handler opens it; each role starts on its own page; the case list and the audit log fit a
390 px phone screen without a sideways scroll of the page."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.admin.case_support import Person, World, new_case
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.helpers import totp_code

pytestmark = pytest.mark.browser

NEW_MESSAGE = "new message from the reporter"
NOT_OPENED = "not opened by you yet"
PHONE = {"width": 390, "height": 844}


def staff_page(browser: Any, viewport: dict[str, int] | None = None) -> Any:
    context = browser.new_context(java_script_enabled=False, locale="en-GB",
                                  viewport=viewport or {"width": 1280, "height": 900})
    return context.new_page()


def sign_in(page: Any, live_server: str, person: Person) -> None:
    page.goto(live_server + "/admin/login")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password", exact=True).fill(person.password)
    page.get_by_label("Code from your authenticator app").fill(totp_code(person.totp_secret))
    page.get_by_role("button", name="Sign in").click()


def case_row(page: Any, reference: str) -> Any:
    return page.locator("table.case-table tbody tr").filter(has_text=reference)


def test_a_reporter_message_marks_the_case_unread_until_the_handler_opens_it(
        page: Any, browser: Any, live_server: str, world: World) -> None:
    # The reporter reports, in the browser, and keeps the code.
    page.goto(live_server + "/report")
    page.get_by_label("Unfair wages (below a living wage)").check()
    page.get_by_label("Which company does it concern?").select_option(label="NORDIC company")
    page.get_by_label("Describe what happened").fill("Overtime is never paid.")
    page.get_by_role("button", name="Send report").click()
    code = page.locator("#case-code").inner_text().strip()

    # The handler signs in and lands on the case list; the new case is marked.
    staff = staff_page(browser)
    sign_in(staff, live_server, world.alice)
    assert staff.url == live_server + "/admin/cases"
    row = staff.locator("table.case-table tbody tr").first
    reference = row.locator(".case-reference").inner_text().strip()
    assert row.locator(".unread-mark").inner_text().strip() == NOT_OPENED
    row.locator(".case-reference").click()
    assert "Overtime is never paid." in staff.content()
    staff.goto(live_server + "/admin/cases")
    assert case_row(staff, reference).locator(".unread-mark").count() == 0

    # The reporter writes again: the list shows it, and only "unread" finds the case.
    page.goto(live_server + "/followup")
    page.get_by_label("Case code").fill(code)
    page.get_by_role("button", name="Open my case").click()
    page.get_by_label("Your message").fill("They threatened me after I asked.")
    page.get_by_role("button", name="Send message").click()
    staff.goto(live_server + "/admin/cases")
    mark = case_row(staff, reference).locator(".unread-mark")
    assert mark.inner_text().strip() == NEW_MESSAGE
    assert "They threatened me" not in staff.content()
    staff.get_by_label("Unread").check()
    staff.get_by_role("button", name="Filter").click()
    assert "unread=y" in staff.url
    assert case_row(staff, reference).count() == 1

    # Opening the case clears the mark; the "unread" filter no longer finds it.
    case_row(staff, reference).locator(".case-reference").click()
    assert "They threatened me after I asked." in staff.content()
    staff.goto(live_server + "/admin/cases?unread=y")
    assert case_row(staff, reference).count() == 0
    staff.goto(live_server + "/admin/cases")
    assert case_row(staff, reference).locator(".unread-mark").count() == 0
    assert [m for m in page.console_messages_seen if "Content Security Policy" in m] == []
    staff.context.close()


@pytest.mark.parametrize(("who", "start"), [
    ("alice", "/admin/cases"),
    ("mona", "/admin/cases#escalations"),
    ("carl", "/admin/suppliers/"),
    ("audrey", "/admin/audit"),
    ("adam", "/admin/users"),
])
def test_each_role_starts_on_its_own_page(browser: Any, live_server: str, world: World,
                                          who: str, start: str) -> None:
    staff = staff_page(browser)
    sign_in(staff, live_server, world.people[who])
    assert staff.url == live_server + start
    assert staff.locator("h1").count() == 1
    staff.context.close()


def _no_sideways_scroll(page: Any) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


def test_the_case_list_and_the_audit_log_fit_a_phone(
        browser: Any, live_server: str, world: World, portal_app: Flask) -> None:
    for _ in range(3):
        new_case(portal_app, world.unit_id)
    phone = staff_page(browser, PHONE)
    sign_in(phone, live_server, world.alice)
    phone.goto(live_server + "/admin/cases")
    assert phone.locator("table.case-table tbody tr").count() == 3
    _no_sideways_scroll(phone)
    # Every value is under its column's name, inside the screen.
    cell = phone.locator("table.case-table tbody tr").first.locator("td.last-activity")
    box = cell.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    phone.context.close()

    auditor = staff_page(browser, PHONE)
    sign_in(auditor, live_server, world.audrey)
    auditor.goto(live_server + "/admin/audit")
    assert auditor.locator("table.audit-table tbody tr").count() > 3
    _no_sideways_scroll(auditor)
    auditor.context.close()

    # On a desk the list uses the width: wider than the 52rem reading column.
    desk = staff_page(browser, {"width": 1600, "height": 900})
    sign_in(desk, live_server, world.bob)
    desk.goto(live_server + "/admin/cases")
    table = desk.locator("table.case-table").bounding_box()
    assert table is not None and table["width"] > 52 * 16 + 100
    desk.context.close()
