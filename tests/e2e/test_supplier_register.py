"""Issue 12 §1 in a real browser with JavaScript off: compliance signs in, imports a supplier
list (a bad one first: the report, nothing imported; then the corrected one) and opens a
supplier."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask

from portal.models import Role
from tests.admin.helpers import make_user, totp_code
from tests.supplier_dd.support import supplier_count

pytestmark = pytest.mark.browser

ROWS = [
    ["org_number", "name", "country", "tier", "product_groups", "wholesaler",
     "fronts_org_number", "certifications"],
    ["NO-1001", "Nordic Office Supply AS", "NO", 1, "office_supplies", "yes", "VN-2002",
     "ISO 14001:2020-01-31"],
    ["VN-2002", "Hanoi Furniture JSC", "Viet Nam", 1, "furniture", "no", "", ""],
]


def _xlsx(rows: list[list[Any]], path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_compliance_imports_a_list_and_opens_a_supplier(
    page: Any, live_server: str, admin_app: Flask, tmp_path: Path
) -> None:
    user, password, secret = make_user(admin_app, roles=[Role.COMPLIANCE])
    page.goto(live_server + "/admin/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Code from your authenticator app").fill(totp_code(secret))
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Suppliers", exact=True).click()
    assert "The register is empty." in page.content()
    page.get_by_role("link", name="Import a list").click()

    bad = [row[:] for row in ROWS]
    bad[2][3] = 4
    page.get_by_label("Supplier list (.csv or .xlsx)").set_input_files(
        str(_xlsx(bad, tmp_path / "bad.xlsx")))
    page.get_by_role("button", name="Import").click()
    report = page.locator("#import-problems").inner_text()
    assert "3\ttier\tThe tier must be 1, 2 or 3." in report
    assert supplier_count(admin_app) == 0

    page.get_by_label("Supplier list (.csv or .xlsx)").set_input_files(
        str(_xlsx(ROWS, tmp_path / "good.xlsx")))
    page.get_by_role("button", name="Import").click()
    assert "Imported: 2 added, 0 updated." in page.content()

    page.get_by_role("link", name="Nordic Office Supply AS").click()
    content = page.content()
    assert "Norway (NO)" in content
    assert "Expired: counts for nothing" in content
    page.get_by_role("link", name="Hanoi Furniture JSC").click()
    assert "Viet Nam (VN)" in page.content()
    assert [m for m in page.console_messages_seen if "Content Security Policy" in m] == []
