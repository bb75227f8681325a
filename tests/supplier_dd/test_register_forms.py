"""The register's pages: forms with server-side checks that keep what was typed, the supplier
page, contacts and certificates, filters, the upload and export, CSRF and roles."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.models import Role
from supplier_dd.models import Supplier, SupplierCertification, SupplierContact
from tests.admin.helpers import csrf_token, make_user, sign_in
from tests.supplier_dd.support import db_of, supplier_count

NEW = "/admin/suppliers/new"


def _signed_in(app: Flask, role: Role = Role.COMPLIANCE) -> FlaskClient:
    user, password, secret = make_user(app, roles=[role])
    client = app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    return client


def _form(client: FlaskClient, **fields: object) -> dict[str, object]:
    data: dict[str, object] = {"csrf_token": csrf_token(client, NEW), "name": "Board Works",
                               "org_number": "CN-1", "country": "China", "tier": "2"}
    data.update(fields)
    return data


def _supplier_id(app: Flask, org_number: str) -> str:
    with db_of(app) as db:
        return db.scalars(select(Supplier.id).where(Supplier.org_number == org_number)).one()


def test_the_form_checks_on_the_server_and_keeps_what_was_typed(admin_app: Flask) -> None:
    client = _signed_in(admin_app)
    response = client.post(NEW, data=_form(client, country="Atlantis", large_by_hand="y",
                                           large_reason="", name="Board Works Ltd"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Not a country: Atlantis. Use the ISO 3166 code, e.g. NO or CN." in page
    assert "Give the reason for marking the supplier large and important by hand." in page
    assert 'value="Board Works Ltd"' in page and 'value="Atlantis"' in page
    assert supplier_count(admin_app) == 0

    response = client.post(NEW, data=_form(client, product_groups=["ict_electronics"],
                                           spend_band="over_10m", termination_clause="yes"))
    assert response.status_code == 303
    supplier_id = _supplier_id(admin_app, "CN-1")
    assert response.headers["Location"].endswith(f"/admin/suppliers/{supplier_id}")
    page = client.get(f"/admin/suppliers/{supplier_id}").get_data(as_text=True)
    assert "China (CN)" in page
    assert "ICT and electronics <strong>(high risk)</strong>" in page
    assert re.search(r'id="large">\s*Yes', page)


def test_editing_changes_the_supplier(admin_app: Flask) -> None:
    client = _signed_in(admin_app)
    assert client.post(NEW, data=_form(client)).status_code == 303
    supplier_id = _supplier_id(admin_app, "CN-1")
    edit = f"/admin/suppliers/{supplier_id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert 'value="CN-1"' in page
    response = client.post(edit, data={"csrf_token": csrf_token(client, edit),
                                       "name": "Board Works", "org_number": "CN-1",
                                       "country": "VN", "tier": "3"})
    assert response.status_code == 303
    with db_of(admin_app) as db:
        supplier = db.get(Supplier, supplier_id)
        assert supplier is not None and (supplier.country, supplier.tier) == ("VN", 3)


def test_contacts_and_certificates(admin_app: Flask) -> None:
    client = _signed_in(admin_app)
    assert client.post(NEW, data=_form(client)).status_code == 303
    supplier_id = _supplier_id(admin_app, "CN-1")
    page_url = f"/admin/suppliers/{supplier_id}"
    token = csrf_token(client, page_url)
    # A contact without a name is refused on the page itself.
    response = client.post(f"{page_url}/contacts", data={"csrf_token": token,
                                                         "contact_role": "Sales"})
    assert response.status_code == 200
    assert "Enter the contact's name." in response.get_data(as_text=True)
    assert client.post(f"{page_url}/contacts", data={
        "csrf_token": token, "contact_name": "Li Wei", "contact_email": "li@board.example",
    }).status_code == 303
    for scheme, expiry in (("SA8000", "2020-01-31"), ("ISO 14001", "2099-12-31")):
        assert client.post(f"{page_url}/certifications", data={
            "csrf_token": token, "scheme": scheme, "expires_on": expiry}).status_code == 303
    page = client.get(page_url).get_data(as_text=True)
    assert "Li Wei" in page
    assert page.count("Expired: counts for nothing") == 1
    with db_of(admin_app) as db:
        contact_id = db.scalars(select(SupplierContact.id)).one()
        expired_id = db.scalars(select(SupplierCertification.id).where(
            SupplierCertification.scheme == "SA8000")).one()
    assert client.post(f"{page_url}/contacts/{contact_id}/remove",
                       data={"csrf_token": token}).status_code == 303
    assert client.post(f"{page_url}/certifications/{expired_id}/remove",
                       data={"csrf_token": token}).status_code == 303
    with db_of(admin_app) as db:
        assert db.scalars(select(SupplierContact)).all() == []
        assert db.scalars(select(SupplierCertification.scheme)).all() == ["ISO 14001"]


def test_a_post_without_the_csrf_token_is_refused(admin_app: Flask) -> None:
    client = _signed_in(admin_app)
    response = client.post(NEW, data={"name": "X", "country": "NO", "tier": "1"})
    assert response.status_code == 400
    assert supplier_count(admin_app) == 0


def test_the_list_filters_by_tier_country_and_large(admin_app: Flask) -> None:
    client = _signed_in(admin_app)
    for org, country, tier, band in (("A", "NO", "1", "over_10m"), ("B", "CN", "2", ""),
                                     ("C", "CN", "1", "under_100k")):
        assert client.post(NEW, data=_form(client, org_number=org, name=f"Supplier {org}",
                                           country=country, tier=tier,
                                           spend_band=band)).status_code == 303

    def names(query: str) -> list[str]:
        page = client.get(f"/admin/suppliers/?{query}").get_data(as_text=True)
        return re.findall(r">(Supplier [ABC])</a>", page)

    assert names("") == ["Supplier A", "Supplier B", "Supplier C"]
    assert names("tier=1") == ["Supplier A", "Supplier C"]
    assert names("country=China") == ["Supplier B", "Supplier C"]
    assert names("large=1") == ["Supplier A"]
    assert names("tier=2&country=NO") == []


def test_the_upload_imports_all_or_nothing(admin_app: Flask) -> None:
    client = _signed_in(admin_app)
    url = "/admin/suppliers/import"
    bad = b"org_number,name,country,tier\nNO-1,Good,NO,1\nNO-2,Bad,NO,7\n"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "supplier_list": (io.BytesIO(bad), "list.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<td>3</td><td>tier</td><td>The tier must be 1, 2 or 3.</td>" in page
    assert supplier_count(admin_app) == 0
    good = bad.replace(b",7", b",3")
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "supplier_list": (io.BytesIO(good), "list.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    assert supplier_count(admin_app) == 2
    export = client.get("/admin/suppliers/export.csv")
    assert export.headers["Content-Disposition"] == 'attachment; filename="suppliers.csv"'
    assert "NO-2,Bad,NO,3" in export.get_data(as_text=True)


def test_an_administrator_sees_names_and_nothing_else(admin_app: Flask) -> None:
    compliance = _signed_in(admin_app)
    assert compliance.post(NEW, data=_form(compliance)).status_code == 303
    supplier_id = _supplier_id(admin_app, "CN-1")
    administrator = _signed_in(admin_app, Role.ADMIN)
    page = administrator.get("/admin/suppliers/").get_data(as_text=True)
    assert "Board Works" in page and "CN-1" not in page
    for url in (f"/admin/suppliers/{supplier_id}", "/admin/suppliers/export.csv",
                "/admin/suppliers/dashboard"):
        assert administrator.get(url).status_code == 403
