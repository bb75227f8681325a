"""Issue 12 §2-4 in a real browser with JavaScript off: compliance compares a supplier's own
code with the checklist (a missing essential area opens a gap), assesses the supplier (a high
risk with its reasons in words), records the thorough analysis with the dialogue step, and
closes the assessment."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from config.conduct import DEFAULT_CONDUCT_AREAS
from portal.db import session_factory, transaction
from portal.models import Role
from supplier_dd.models import Supplier, SupplierProductGroup
from supplier_dd.models.risk import AssessmentStatus, RiskAssessment
from tests.admin.helpers import make_user, totp_code

pytestmark = pytest.mark.browser


def test_compliance_records_coverage_assesses_and_analyses(
        page: Any, live_server: str, admin_app: Flask) -> None:
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        supplier = Supplier(name="Shenzhen Board Works", country="CN", tier=2)
        db.add(supplier)
        db.flush()
        db.add(SupplierProductGroup(supplier_id=supplier.id, group_code="ict_electronics"))
        supplier_id = supplier.id
    user, password, secret = make_user(admin_app, roles=[Role.COMPLIANCE])
    page.goto(live_server + "/admin/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Code from your authenticator app").fill(totp_code(secret))
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server}/admin/suppliers/{supplier_id}/conduct")
    page.get_by_label("Title or version of the supplier's code").fill("SBW Code of Ethics 2.1")
    page.get_by_label("Compared on").fill("2026-01-15")
    for area in DEFAULT_CONDUCT_AREAS:
        mark = "missing" if area.code == "working_hours" else "covered"
        page.locator(f'input[name="mark_{area.code}"][value="{mark}"]').check()
    page.get_by_role("button", name="Record the comparison").click()
    assert "The Code of Conduct coverage is recorded." in page.content()
    gaps = page.locator("table").first.inner_text()
    assert "Working hours" in gaps

    page.get_by_role("link", name="Risk assessment").click()
    assert "Indicative value" in page.content()
    page.get_by_label("Supply-chain mapping shared").check()
    page.get_by_role("button", name="Assess the risk").click()
    content = page.content()
    assert "The assessment is recorded: high risk." in content
    assert "High-risk product groups: ICT and electronics." in content
    assert "waiting for the thorough analysis" in content

    page.get_by_role("button", name="Close the assessment").click()
    assert "needs a complete thorough analysis" in page.content()
    page.get_by_role("link", name="Open the analysis").click()
    page.get_by_label("Questions examined").fill("Is overtime voluntary and paid?")
    page.get_by_label("Findings of the analysis").fill("Peak-season weeks above 60 hours")
    page.get_by_label("Evidence (references to documents, audit reports)").fill("RBA audit 2025")
    page.get_by_label("Conclusion of the analysis").fill("Overtime cap in the action plan")
    page.get_by_label("Date of the dialogue").fill("2026-01-20")
    page.get_by_label("With whom").select_option("worker_representatives")
    page.get_by_label("How it was held").select_option("on_site_interviews")
    page.get_by_role("button", name="Save the analysis").click()
    assert "The analysis is saved." in page.content()
    page.get_by_role("link", name="Risk assessment").click()
    page.get_by_role("button", name="Close the assessment").click()
    assert "The assessment is closed." in page.content()
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert db.scalars(select(RiskAssessment.status)).one() == AssessmentStatus.CLOSED
    assert [m for m in page.console_messages_seen if "Content Security Policy" in m] == []
