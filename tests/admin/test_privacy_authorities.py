"""The administrators see every external channel with its source and the defaults still to
confirm for their organisation (issue 11 §6)."""

from __future__ import annotations

import dataclasses

from flask import Flask

from config import DEFAULT_AUTHORITIES
from portal.extensions import SETTINGS, settings_of
from portal.models import Role
from tests.admin.helpers import make_user, sign_in


def _admin_page(app: Flask) -> str:
    user, password, secret = make_user(app, roles=[Role.ADMIN])
    client = app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    response = client.get("/admin/privacy/authorities")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_defaults_are_flagged_with_their_sources(admin_app: Flask) -> None:
    page = _admin_page(admin_app)
    assert 'id="authorities-to-confirm"' in page
    assert f"{len(DEFAULT_AUTHORITIES)} entries are defaults" in page
    assert page.count("confirm for your organisation") == len(DEFAULT_AUTHORITIES)
    assert "https://lovdata.no/dokument/NL/lov/2021-06-18-99" in page


def test_confirmed_list_shows_no_flag(admin_app: Flask) -> None:
    own = tuple(dataclasses.replace(item, confirm=False) for item in DEFAULT_AUTHORITIES)
    admin_app.extensions[SETTINGS] = dataclasses.replace(settings_of(admin_app),
                                                         authorities=own)
    page = _admin_page(admin_app)
    assert 'id="authorities-to-confirm"' not in page
    assert "confirm for your organisation" not in page
