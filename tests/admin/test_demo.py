"""`aktsom demo` makes an organisation one can sign in to and cases one can open."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from portal.db import session_factory, transaction
from portal.models import Case, CaseKeyWrap, User
from tests.factories import make_recovery_key
from tests.portal.helpers import follow_up


def test_demo_makes_accounts_and_cases_that_open(runner: FlaskCliRunner, admin_app: Flask,
                                                 client: FlaskClient) -> None:
    make_recovery_key(admin_app)
    result = runner.invoke(args=["demo", "--password", "demo password 123"])
    assert result.exit_code == 0, result.output
    assert result.output.count("otpauth://totp/") == 8
    codes = re.findall(r"[0-9A-Z]{5}(?:-[0-9A-Z]{5}){3}", result.output)
    assert len(codes) == 3
    with transaction(session_factory(admin_app)) as db:
        assert db.scalar(select(func.count()).select_from(User)) == 8
        assert db.scalar(select(func.count()).select_from(Case)) == 3
        acknowledged = db.scalars(select(Case).where(Case.acknowledged_at.is_not(None))).all()
        assert len(acknowledged) == 1
        assert db.scalar(select(func.count()).select_from(CaseKeyWrap)) > 0
    assert follow_up(client, codes[0]).status_code == 303
    page = client.get("/case").get_data(as_text=True)
    assert "Which agency is it" in page and "Nordic Staffing" in page
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0
    assert "exists already" in again.output


def test_demo_needs_init_first(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "aktsom init" in result.output
