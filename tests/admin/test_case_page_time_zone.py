"""Times on the staff case page follow the organisation's time-zone setting (issue 14 §9):
the same stored instant reads differently in New York than in Oslo, and names its zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from config import Settings
from tests.admin.case_support import World, new_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)


@pytest.fixture
def settings(make_settings: Any, database_url: str) -> Settings:
    made: Settings = make_settings(database_url=database_url, time_zone="America/New_York")
    return made


def test_times_follow_the_time_zone_setting(world: World, portal_app: Flask,
                                            admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id,
                          now=datetime(2026, 1, 15, 23, 30, tzinfo=UTC))
    page = signed_in(admin_app, world.alice).get(f"/admin/cases/{case_id}").get_data(
        as_text=True)
    due = re.search(r"Acknowledgement due</dt>\s*<dd>([^<]*)<", page)
    assert due, page[:500]
    # Midnight UTC is 7 p.m. the evening before in New York (EST, UTC-5).
    assert due.group(1).strip().endswith("EST")
    assert "7:00:00" in due.group(1)
    assert "CET" not in page
