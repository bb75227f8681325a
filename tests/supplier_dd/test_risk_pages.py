"""The compliance pages of issue 12 §2-4 with JavaScript off: forms post, errors are clear and
keep what was typed, CSRF is checked, reasons are shown in words, a high risk goes through its
analysis before it closes, and only compliance reads the analysis."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.db import session_factory, transaction
from portal.models import Role
from supplier_dd.models import Supplier, SupplierCertification, SupplierProductGroup
from supplier_dd.models.actions import ActionItem, ActionKind
from supplier_dd.models.conduct import ConductGap
from supplier_dd.models.risk import AssessmentStatus, CountryOverride, RiskAssessment
from tests.admin.helpers import csrf_token, make_user, sign_in


def _supplier(app: Flask, country: str = "BD", group: str | None = "textiles") -> str:
    with app.app_context(), transaction(session_factory(app)) as db:
        supplier = Supplier(name="Dhaka Workwear", country=country, tier=1)
        db.add(supplier)
        db.flush()
        if group:
            db.add(SupplierProductGroup(supplier_id=supplier.id, group_code=group))
        db.add(SupplierCertification(supplier_id=supplier.id, scheme="SA8000",
                                     expires_on=date(2020, 1, 1)))
        return supplier.id


def _client(app: Flask, role: Role = Role.COMPLIANCE) -> FlaskClient:
    user, password, secret = make_user(app, roles=[role])
    client = app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    return client


def _post(client: FlaskClient, url: str, data: dict[str, str]) -> tuple[int, str]:
    token = csrf_token(client, "/admin/suppliers/countries")  # one token per session
    response = client.post(url, data={"csrf_token": token, **data},
                           follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def test_a_comparison_with_a_missing_essential_area_shows_a_gap(admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    client = _client(admin_app)
    url = f"/admin/suppliers/{supplier_id}/conduct"
    marks = {f"mark_{code}": "covered" for code in re.findall(
        r'name="mark_([a-z_]+)"', client.get(url).get_data(as_text=True))}
    assert len(marks) == 18
    marks["mark_child_labour"] = "missing"
    # A bad date: the error is named and what was typed stays.
    status, page = _post(client, url, {"record": "own_compared",
                                       "own_code_title": "Dhaka Workwear Code 2024",
                                       "compared_on": "31.05.2026", **marks,
                                       "reference_wages": "section 4.2"})
    assert status == 200
    assert "Enter the comparison date as a date (YYYY-MM-DD)." in page
    assert 'value="Dhaka Workwear Code 2024"' in page
    assert 'value="section 4.2"' in page
    assert 'name="mark_child_labour" value="missing" checked' in page
    status, page = _post(client, url, {"record": "own_compared",
                                       "own_code_title": "Dhaka Workwear Code 2024",
                                       "compared_on": "2026-05-31", **marks})
    assert "The Code of Conduct coverage is recorded." in page
    assert "Child labour and minimum age" in page
    assert "Open: add an item to the action plan" in page  # no item yet to close it with
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        gap = db.scalars(select(ConductGap)).one()
    status, page = _post(client, f"{url}/gaps/{gap.id}/close", {"action_id": "b" * 32})
    assert "Choose an item of this supplier&#39;s action plan to close the gap." in page
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        item = ActionItem(supplier_id=supplier_id, kind=ActionKind.CLOSE_GAP,
                          title="Age verification at hiring", due_date=date(2026, 9, 1))
        db.add(item)
        db.flush()
        item_id = item.id
    assert "Age verification at hiring (2026-09-01)" in client.get(url).get_data(as_text=True)
    status, page = _post(client, f"{url}/gaps/{gap.id}/close", {"action_id": item_id})
    assert "The gap is closed." in page and "closed by an action" in page
    assert "action item Age verification at hiring" in page


def test_a_post_without_the_csrf_token_is_refused(admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    client = _client(admin_app)
    response = client.post(f"/admin/suppliers/{supplier_id}/conduct", data={"record": "none"})
    assert response.status_code == 400
    response = client.post(f"/admin/suppliers/{supplier_id}/risk", data={})
    assert response.status_code == 400


def test_a_high_risk_goes_through_its_analysis_before_closing(admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)  # Bangladesh (5 indicative), textiles (high-risk)
    client = _client(admin_app)
    risk_url = f"/admin/suppliers/{supplier_id}/risk"
    page = client.get(risk_url).get_data(as_text=True)
    assert "Indicative value: import the publisher's file for a real one." in page
    # Certificates come from the register (issue 12 follow-up), shown with their state;
    # the form asks only the transparency questions.
    assert "SA8000 · valid until 2020-01-01 <strong>(expired: counts for nothing)" in page
    assert "cert_sa8000" not in page
    assert "This supplier is not large and important" in page
    status, page = _post(client, risk_url, {"own_channel": "1"})
    assert "The assessment is recorded: high risk." in page
    assert "High-risk product groups: Textiles and uniforms." in page
    assert "Expired, counted for nothing: SA8000." in page
    assert "1 of 4 transparency questions answered yes." in page
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assessment = db.scalars(select(RiskAssessment)).one()
    close_url = f"{risk_url}/{assessment.id}/close"
    status, page = _post(client, close_url, {})
    assert ("A high risk needs a complete thorough analysis before the assessment can be "
            "closed.") in page
    analysis_url = f"/admin/suppliers/{supplier_id}/analysis"
    text = {"questions": "Are overtime hours voluntary?", "findings": "Peak-season overtime",
            "evidence": "Audit report A-17", "conclusion": "Overtime cap agreed in the plan"}
    status, page = _post(client, analysis_url, {**text, "dialogue_on": "2026-01-10"})
    assert "Record the dialogue with its date, with whom and how" in page
    assert "Peak-season overtime" in page
    status, page = _post(client, analysis_url, {**text, "dialogue_on": "2026-01-10",
                                                "dialogue_with": "trade_union",
                                                "dialogue_how": "on_site_interviews"})
    assert "The analysis is saved." in page
    status, page = _post(client, close_url, {})
    assert "The assessment is closed." in page
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        closed = db.get(RiskAssessment, assessment.id)
        assert closed is not None and closed.status == AssessmentStatus.CLOSED


@pytest.mark.parametrize("role", [Role.ADMIN, Role.HANDLER, Role.AUDITOR, Role.MANAGER])
def test_only_compliance_reads_the_analysis(admin_app: Flask, role: Role) -> None:
    supplier_id = _supplier(admin_app)
    client = _client(admin_app, role)
    assert client.get(f"/admin/suppliers/{supplier_id}/analysis").status_code == 403
    assert client.get(f"/admin/suppliers/{supplier_id}/risk").status_code == 403


def test_a_country_is_overridden_with_a_reason_on_the_page(admin_app: Flask) -> None:
    client = _client(admin_app)
    page = client.get("/admin/suppliers/countries").get_data(as_text=True)
    assert "(indicative)" in page and 'id="country-CN"' in page
    status, page = _post(client, "/admin/suppliers/countries",
                         {"country": "Bangladesh", "score": "4", "reason": ""})
    assert "Give the reason for the override." in page
    assert 'value="Bangladesh"' in page
    status, page = _post(client, "/admin/suppliers/countries",
                         {"country": "Bangladesh", "score": "4",
                          "reason": "Own audits of the Gazipur factories"})
    assert "The override is saved." in page
    assert "4: Own audits of the Gazipur factories" in page
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert db.get(CountryOverride, "BD") is not None
    status, page = _post(client, "/admin/suppliers/countries/BD/override/remove", {})
    assert "The override is removed." in page


def test_an_override_reason_is_shown_as_text_in_the_reasons(admin_app: Flask) -> None:
    client = _client(admin_app)
    _post(client, "/admin/suppliers/countries",
          {"country": "BD", "score": "3", "reason": "<script>alert(1)</script>"})
    supplier_id = _supplier(admin_app)
    status, page = _post(client, f"/admin/suppliers/{supplier_id}/risk", {})
    assert "Overridden to 3: &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page
