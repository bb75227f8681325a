"""The register's rules: validation of a supplier, "large and important", valid certificates."""

from __future__ import annotations

import dataclasses
from datetime import date

from flask import Flask
from sqlalchemy import select

from config import Settings
from portal.audit import CONSOLE
from portal.extensions import server_keys_of
from supplier_dd.models import Supplier
from supplier_dd.register import (
    RegisterFilter,
    SupplierInput,
    add_certification,
    check_supplier,
    country_code,
    filtered_suppliers,
    is_large_and_important,
    large_and_important_condition,
    save_supplier,
    valid_certifications,
)
from tests.supplier_dd.support import db_of


def _fields(problems: list) -> set[str]:  # type: ignore[type-arg]
    return {problem.field for problem in problems}


def test_a_good_supplier_passes(admin_app: Flask, settings: Settings) -> None:
    with db_of(admin_app) as db:
        data = SupplierInput(name="Board Works", country="CN", tier=2, org_number="SZ-1",
                             sector="manufacturing", product_groups=["ict_electronics"],
                             spend_band="over_10m")
        assert check_supplier(db, settings, data) == []


def test_every_rule_names_its_field(admin_app: Flask, settings: Settings) -> None:
    with db_of(admin_app) as db:
        save_supplier(db, settings, server_keys_of(admin_app), CONSOLE,
                      SupplierInput(name="First", country="NO", tier=1, org_number="NO-1"))
        bad = SupplierInput(
            name=" ", country="XX", tier=4, org_number="NO-1", sector="nope",
            product_groups=["ict_electronics", "unicorns"], spend_band="huge",
            large_by_hand=True, large_reason=" ", fronts_id="0" * 32,
            buyer_unit_ids=["f" * 32], contract_start=date(2026, 5, 1),
            contract_end=date(2026, 4, 1))
        problems = check_supplier(db, settings, bad)
    assert _fields(problems) == {"name", "org_number", "country", "tier", "sector",
                                 "product_groups", "spend_band", "large_reason", "fronts_id",
                                 "buyer_unit_ids", "contract_end"}
    fronts = next(problem for problem in problems if problem.field == "fronts_id")
    assert fronts.english() == "Only a wholesaler fronts a producer."
    group = next(problem for problem in problems if problem.field == "product_groups")
    assert group.english() == "Unknown product group: unicorns."


def test_a_wholesaler_fronts_another_supplier_in_the_register(admin_app: Flask,
                                                              settings: Settings) -> None:
    keys = server_keys_of(admin_app)
    with db_of(admin_app) as db:
        producer = save_supplier(db, settings, keys, CONSOLE,
                                 SupplierInput(name="Maker", country="VN", tier=1))
        wholesaler = save_supplier(db, settings, keys, CONSOLE, SupplierInput(
            name="Trader", country="NO", tier=1, is_wholesaler=True, fronts_id=producer.id))
        assert wholesaler.fronts_id == producer.id
        itself = SupplierInput(name="Trader", country="NO", tier=1, is_wholesaler=True,
                               fronts_id=wholesaler.id)
        assert _fields(check_supplier(db, settings, itself, wholesaler)) == {"fronts_id"}


def test_country_codes_come_from_iso_3166() -> None:
    assert country_code("no") == "NO"
    assert country_code("CHN") == "CN"
    assert country_code("Viet Nam") == "VN"
    assert country_code("Atlantis") is None
    assert country_code("") is None


def test_large_and_important_by_spend_or_by_hand(admin_app: Flask, settings: Settings) -> None:
    keys = server_keys_of(admin_app)
    with db_of(admin_app) as db:
        big = save_supplier(db, settings, keys, CONSOLE, SupplierInput(
            name="Big", country="NO", tier=1, spend_band="over_10m"))
        small = save_supplier(db, settings, keys, CONSOLE, SupplierInput(
            name="Small", country="NO", tier=1, spend_band="under_100k"))
        marked = save_supplier(db, settings, keys, CONSOLE, SupplierInput(
            name="Only source", country="NO", tier=1, spend_band="under_100k",
            large_by_hand=True, large_reason="The only maker of this part"))
        assert [is_large_and_important(item, settings) for item in (big, small, marked)] == [
            True, False, True]
        by_sql = set(db.scalars(select(Supplier.name).where(
            large_and_important_condition(settings))))
        assert by_sql == {"Big", "Only source"}
        # The rule is configuration: with no bands counting, only the manual flag remains.
        strict = dataclasses.replace(settings, large_spend_bands=())
        assert not is_large_and_important(big, strict)
        assert set(db.scalars(select(Supplier.name).where(
            large_and_important_condition(strict)))) == {"Only source"}


def test_an_expired_certificate_counts_for_nothing(admin_app: Flask, settings: Settings) -> None:
    keys = server_keys_of(admin_app)
    with db_of(admin_app) as db:
        supplier = save_supplier(db, settings, keys, CONSOLE,
                                 SupplierInput(name="Certified", country="IN", tier=2))
        for scheme, expiry in (("SA8000", date(2026, 6, 30)), ("ISO 14001", date(2027, 1, 1)),
                               ("SMETA", date(2026, 7, 1))):
            add_certification(db, keys, CONSOLE, supplier, scheme=scheme, expires_on=expiry,
                              reference=None)
        on_expiry_day = valid_certifications(db, supplier, date(2026, 6, 30))
        next_day = valid_certifications(db, supplier, date(2026, 7, 1))
    assert {item.scheme for item in on_expiry_day} == {"SA8000", "ISO 14001", "SMETA"}
    assert {item.scheme for item in next_day} == {"ISO 14001", "SMETA"}


def test_the_list_says_how_many_match_when_it_shows_fewer(admin_app: Flask,
                                                          settings: Settings) -> None:
    keys = server_keys_of(admin_app)
    with db_of(admin_app) as db:
        for number in range(5):
            save_supplier(db, settings, keys, CONSOLE, SupplierInput(
                name=f"S{number}", country="NO" if number % 2 else "SE", tier=1))
        rows, total = filtered_suppliers(db, settings, RegisterFilter(), limit=3)
        assert ([row.name for row in rows], total) == (["S0", "S1", "S2"], 5)
        rows, total = filtered_suppliers(db, settings, RegisterFilter(country="NO"), limit=3)
        assert ([row.name for row in rows], total) == (["S1", "S3"], 2)
