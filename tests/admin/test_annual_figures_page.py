"""/admin/annual-report/figures: compliance reads the protected figures and downloads them;
other roles are refused (the access matrix covers every role)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from flask import Flask

from portal.states import Role
from tests.admin.case_support import World
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.helpers import make_user, sign_in
from tests.admin.test_annual_figures import fill


def _client(app: Flask, role: Role, language: str = "en") -> object:
    user, password, secret = make_user(app, (role,))
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    assert sign_in(client, user.email, password, secret).status_code == 303
    return client


def test_compliance_reads_the_protected_figures(world: World, admin_app: Flask) -> None:
    fill(admin_app, world)
    client = _client(admin_app, Role.COMPLIANCE)
    page = client.get(f"/admin/annual-report/figures?year=2025&unit={world.unit_id}")  # type: ignore[attr-defined]
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Reports by category" in html and "&lt; 3" in html
    # The table of categories: fraud "< 3", corruption withheld, forced labour 9 (change +3).
    row = re.search(r"<tr><th scope=\"row\">Fraud[^<]*</th>(.*?)</tr>", html)
    assert row is not None and "&lt; 3" in row.group(1)
    for svg in re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL):
        ET.fromstring(svg)  # noqa: S314 (our own output)
    download = client.get(  # type: ignore[attr-defined]
        f"/admin/annual-report/figures?year=2025&unit={world.unit_id}&download=json"
        "&language=nb")
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.get_data(as_text=True))
    assert data["language"] == "nb" and data["unit"]["id"] == world.unit_id


def test_the_page_follows_the_language(world: World, admin_app: Flask) -> None:
    client = _client(admin_app, Role.COMPLIANCE, "nb")
    html = client.get("/admin/annual-report/figures?year=2025").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Mottatte varsler" in html and "Reports received" not in html


def test_a_handler_is_refused(world: World, admin_app: Flask) -> None:
    client = _client(admin_app, Role.HANDLER)
    assert client.get("/admin/annual-report/figures").status_code == 403  # type: ignore[attr-defined]
