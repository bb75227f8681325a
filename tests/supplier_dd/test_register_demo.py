"""The demo's supplier register: realistic in shape, made through the register's rules."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from config import Settings
from portal.extensions import server_keys_of
from portal.models import OrgUnit
from supplier_dd.demo import add_supplier_register
from supplier_dd.models import SupplierCertification
from supplier_dd.register import is_large_and_important, valid_certifications
from tests.factories import make_unit
from tests.supplier_dd.support import db_of

TODAY = date(2026, 12, 2)


def test_the_demo_register(admin_app: Flask, settings: Settings) -> None:
    make_unit(admin_app, "DEMO-NO", "Demo Nordic AS")
    make_unit(admin_app, "DEMO-LT", "Demo Baltic UAB")
    with db_of(admin_app) as db:
        units = {unit.code: unit for unit in db.scalars(select(OrgUnit))}
        suppliers = add_supplier_register(db, settings, server_keys_of(admin_app), units,
                                          today=TODAY)
        assert {supplier.tier for supplier in suppliers} == {1, 2, 3}
        assert len({supplier.country for supplier in suppliers}) >= 8
        wholesalers = [supplier for supplier in suppliers if supplier.is_wholesaler]
        assert len(wholesalers) == 1 and wholesalers[0].fronts_id in {
            supplier.id for supplier in suppliers}
        large = [supplier for supplier in suppliers
                 if is_large_and_important(supplier, settings)]
        assert len(large) >= 4 and any(supplier.large_by_hand for supplier in large)
        expired = db.scalars(select(SupplierCertification).where(
            SupplierCertification.expires_on < TODAY)).all()
        assert len(expired) >= 3
        uniforms = next(supplier for supplier in suppliers if "Uniform" in supplier.name)
        assert [item.scheme for item in valid_certifications(db, uniforms, TODAY)] == ["SMETA"]
