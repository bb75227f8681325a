"""The supplier register page: compliance sees the register, an administrator names only."""

from __future__ import annotations

from flask import Flask

from portal.db import session_factory, transaction
from portal.models import Role
from supplier_dd.models import Supplier
from tests.admin.helpers import make_user, sign_in


def _add(app: Flask) -> None:
    with app.app_context(), transaction(session_factory(app)) as db:
        db.add(Supplier(name="Shenzhen Board Works", org_number="SZ-0042", country="CN",
                        tier=2))


def test_compliance_sees_country_and_tier(admin_app: Flask) -> None:
    _add(admin_app)
    user, password, secret = make_user(admin_app, roles=[Role.COMPLIANCE])
    client = admin_app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    page = client.get("/admin/suppliers/").get_data(as_text=True)
    assert "Shenzhen Board Works" in page
    assert "<td>CN</td>" in page


def test_an_administrator_sees_names_only(admin_app: Flask) -> None:
    _add(admin_app)
    user, password, secret = make_user(admin_app, roles=[Role.ADMIN])
    client = admin_app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    page = client.get("/admin/suppliers/").get_data(as_text=True)
    assert "Shenzhen Board Works" in page
    assert "<td>CN</td>" not in page


def test_the_supplier_page_and_the_list_link_every_part_of_the_module(admin_app: Flask) -> None:
    _add(admin_app)
    user, password, secret = make_user(admin_app, roles=[Role.COMPLIANCE])
    client = admin_app.test_client()
    assert sign_in(client, user.email, password, secret).status_code == 303
    listing = client.get("/admin/suppliers/").get_data(as_text=True)
    for path in ("/admin/suppliers/dashboard", "/admin/suppliers/countries",
                 "/admin/suppliers/reviews/", "/admin/suppliers/meetings/"):
        assert f'href="{path}"' in listing, path
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        supplier_id = db.query(Supplier.id).scalar()
    page = client.get(f"/admin/suppliers/{supplier_id}").get_data(as_text=True)
    for part in ("conduct", "risk", "analysis", "actions", "meetings"):
        path = f"/admin/suppliers/{supplier_id}/{part}"
        assert f'href="{path}"' in page, path
        assert client.get(path).status_code == 200, path
    assert 'href="/admin/suppliers/reviews/"' in page
