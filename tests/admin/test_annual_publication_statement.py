"""Every account states where the group publishes it (issue 13 §5, gap 2 of the audit):
AKTSOM_TRANSPARENCY_PUBLICATION_URL when it is set, otherwise the portal's own /transparency
page, in the staff view of the approved account, on the public page and in the
`annual-report` HTML and PDF. Before, nothing was stated when the setting was unset."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import admin
from admin.annual.figures import account_figures
from admin.annual.outputs import publication_statement, render
from admin.annual.pdf import render_pdf
from portal.db import engine_of, session_factory, transaction
from portal.extensions import settings_of
from portal.states import Role
from tests.admin.case_support import World, make_person, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.test_annual_accounts import YEAR, _draft_and_approve, _publish, _sign
from tests.admin.test_annual_figures import NOW, fill

ELSEWHERE = "https://konsern.example/apenhetsloven"
AT = "The group publishes its Transparency Act accounts at:"
ON_THE_PORTAL = ("The group publishes its Transparency Act accounts on the Transparency Act "
                 "page of its reporting portal (/transparency).")


@pytest.fixture
def admin_elsewhere(admin_app: Flask) -> Iterator[Flask]:
    """The staff app over the same database with the publication URL set."""
    app = admin.create_app(dataclasses.replace(settings_of(admin_app),
                                               transparency_publication_url=ELSEWHERE))
    app.config.update(TESTING=True)
    yield app
    engine_of(app).dispose()


def _approved_and_published(app: Flask, world: World) -> tuple[str, str]:
    cora = make_person(app, "Cora", (Role.COMPLIANCE,), ())
    account_id = _draft_and_approve(app, world, world.unit_id, writer=world.carl,
                                    approver=cora)
    page = signed_in(app, world.carl).get(
        f"/admin/annual-accounts/{YEAR}/{world.unit_id}").get_data(as_text=True)
    _sign(app, account_id, world.unit_id, cora, "Kari Styre")
    return page, _publish(app, account_id, world.carl)


def test_unset_the_account_states_the_portal_s_own_page(
        world: World, admin_app: Flask, portal_app: Flask) -> None:
    assert settings_of(admin_app).transparency_publication_url is None
    staff_page, published_id = _approved_and_published(admin_app, world)
    # The staff app does not know the address the portal is reached at: the path.
    assert ON_THE_PORTAL in staff_page
    public = portal_app.test_client().get(f"/transparency/{published_id}").get_data(
        as_text=True)
    assert f'{AT} <a href="http://localhost/transparency"' in public


def test_set_the_account_states_the_setting_s_address(
        world: World, admin_elsewhere: Flask, portal_app: Flask) -> None:
    staff_page, published_id = _approved_and_published(admin_elsewhere, world)
    assert f'{AT} <a href="{ELSEWHERE}"' in staff_page and ON_THE_PORTAL not in staff_page
    public = portal_app.test_client().get(f"/transparency/{published_id}").get_data(
        as_text=True)
    assert f'{AT} <a href="{ELSEWHERE}"' in public
    assert "localhost/transparency" not in public


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext (poppler-utils) is needed to read the PDF under CI")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "figures.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"],  # noqa: S603,S607
                          check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize("url", [None, ELSEWHERE])
def test_the_annual_report_html_and_pdf_state_it(world: World, admin_app: Flask,
                                                 tmp_path: Path, url: Any) -> None:
    fill(admin_app, world)
    settings = dataclasses.replace(settings_of(admin_app), transparency_publication_url=url)
    with admin_app.app_context(), admin_app.test_request_context(), \
            transaction(session_factory(admin_app)) as db:
        figures = account_figures(db, settings, year=2025, unit_id=None, now=NOW)
        html = render("html", figures, settings, "en", db)
        pdf = render_pdf(figures, settings, "en", db)
        sentence = publication_statement(settings)
    if url is None:
        assert ON_THE_PORTAL in html and sentence == ON_THE_PORTAL
    else:
        assert f'{AT} <a href="{ELSEWHERE}"' in html and sentence == f"{AT} {ELSEWHERE}"
    text = " ".join(_pdf_text(pdf, tmp_path).split())
    assert sentence in text, text[:600]
