"""Issue 12's real-browser journey with JavaScript off: compliance imports a supplier list as a
CSV upload, records the Code of Conduct coverage of one supplier, assesses its risk and reads
the reasons, and opens an action item; every step through the pages' own links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.db import session_factory, transaction
from portal.models import Role
from supplier_dd.models.actions import ActionItem
from supplier_dd.models.conduct import CodeOfConductReview, ConductStatus
from supplier_dd.models.risk import RiskAssessment
from tests.admin.helpers import make_user, totp_code
from tests.supplier_dd.support import supplier_count

pytestmark = pytest.mark.browser

CSV = (
    "org_number,name,country,tier,product_groups,spend_band,certifications\n"
    "CN-0042,Shenzhen Board Works,CN,1,ict_electronics;office_supplies,over_10m,"
    "RBA:2020-01-31;ISO 9001:2099-12-31\n"
    "NO-0007,Oslo Paper AS,NO,1,office_supplies,under_100k,\n"
)


def test_compliance_imports_records_coverage_assesses_and_opens_an_action(
    page: Any, live_server: str, admin_app: Flask, tmp_path: Path
) -> None:
    user, password, secret = make_user(admin_app, roles=[Role.COMPLIANCE])
    page.goto(live_server + "/admin/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Code from your authenticator app").fill(totp_code(secret))
    page.get_by_role("button", name="Sign in").click()

    # 1. Import the list (CSV).
    page.get_by_role("link", name="Suppliers", exact=True).click()
    page.get_by_role("link", name="Import a list").click()
    upload = tmp_path / "suppliers.csv"
    upload.write_text(CSV, encoding="utf-8")
    page.get_by_label("Supplier list (.csv or .xlsx)").set_input_files(str(upload))
    page.get_by_role("button", name="Import").click()
    assert "Imported: 2 added, 0 updated." in page.content()
    assert supplier_count(admin_app) == 2

    # 2. Code of Conduct: the supplier signs ours.
    page.get_by_role("link", name="Shenzhen Board Works").click()
    page.locator("#supplier-pages").get_by_role("link", name="Code of Conduct").click()
    page.get_by_label("Version of our code").fill("2025-1")
    page.get_by_label("Signed on").fill("2026-01-15")
    page.get_by_role("button", name="Record the signature").click()
    assert "The Code of Conduct coverage is recorded." in page.content()

    # 3. Risk: read from the register, with the reasons in words.
    page.get_by_role("link", name="Risk assessment").click()
    content = page.content()
    assert "This supplier is not large and important" not in content  # over_10m: large
    assert "RBA · valid until 2020-01-31" in content
    page.get_by_label("Supply-chain mapping shared").check()
    page.get_by_label("Has its own whistleblowing channel").check()
    page.get_by_role("button", name="Assess the risk").click()
    reasons = page.locator("section.assessment").first.inner_text()
    assert "High-risk product groups: ICT and electronics." in reasons
    assert "Valid certificates: ISO 9001." in reasons
    assert "Expired, counted for nothing: RBA." in reasons
    assert "2 of 4 transparency questions answered yes." in reasons

    # 4. An action item on the supplier's plan.
    page.get_by_role("link", name="Suppliers", exact=True).click()
    page.get_by_role("link", name="Shenzhen Board Works").click()
    page.locator("#supplier-pages").get_by_role("link", name="Action plan").click()
    page.get_by_label("Kind of action").select_option("corrective")
    page.get_by_label("Title").fill("Share the supply-chain mapping for mica")
    page.get_by_label("Due date").fill("2027-01-31")
    page.get_by_label("Indicator (how we will know it worked)").fill(
        "Mapping received down to the smelters")
    page.get_by_role("button", name="Add the action").click()
    assert "The action has been added to the plan." in page.content()
    assert "Share the supply-chain mapping for mica" in page.content()

    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert db.scalars(select(CodeOfConductReview.status)).one() == ConductStatus.SIGNED_OURS
        assert len(db.scalars(select(RiskAssessment)).all()) == 1
        assert db.scalars(select(ActionItem.title)).one() == (
            "Share the supply-chain mapping for mica")
    assert [m for m in page.console_messages_seen if "Content Security Policy" in m] == []
