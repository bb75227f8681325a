"""Issue 14 §12: the staff app's error pages lead back to the staff start page, not to the
reporters' landing page; the portal's still lead to its own start."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.admin.case_support import World, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)


def test_the_staff_403_page_links_to_the_staff_start(world: World, admin_app: Flask) -> None:
    answer = signed_in(admin_app, world.adam).get("/admin/cases")  # an admin has no cases
    assert answer.status_code == 403
    page = answer.get_data(as_text=True)
    assert 'id="start-link"' in page
    assert 'href="/admin/" id="start-link"' in page


def test_the_portal_error_page_still_links_to_the_landing_page(client: FlaskClient) -> None:
    answer = client.get("/no-such-page")
    assert answer.status_code == 404
    assert 'href="/" id="start-link"' in answer.get_data(as_text=True)
