"""The case page's supplier link (issue 12 §7): a picker over the register (names only),
validated on the admin side; old free references are matched by the migration or shown as
unmatched until relinked."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import create_engine, select, text

from portal.db import session_factory, transaction
from portal.models import AuditEvent, Case
from portal.schema import downgrade, upgrade
from supplier_dd.models import Supplier
from tests.admin.case_support import World, case_row, new_case, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)


def _supplier(app: Flask, name: str, org_number: str | None = None) -> str:
    with app.app_context(), transaction(session_factory(app)) as db:
        supplier = Supplier(name=name, org_number=org_number, country="VN", tier=1,
                            sector="electronics")
        db.add(supplier)
        db.flush()
        return supplier.id


def test_the_picker_offers_names_and_refuses_an_unknown_id(world: World, portal_app: Flask,
                                                           admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app, "Hanoi Cables JSC")
    case_id, _code = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert f'<option value="{supplier_id}">Hanoi Cables JSC</option>' in page
    # Names only: nothing else of the register reaches the case page.
    assert "electronics" not in page

    response = post(alice, f"/admin/cases/{case_id}/supplier", {"supplier_id": "0" * 32})
    assert response.status_code == 303
    shown = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "There is no such supplier in the register." in shown
    row = case_row(portal_app, case_id)
    assert row is not None and row.supplier_id is None
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert db.scalar(select(AuditEvent.seq).where(
            AuditEvent.action == "case.supplier_linked")) is None

    post(alice, f"/admin/cases/{case_id}/supplier", {"supplier_id": supplier_id})
    row = case_row(portal_app, case_id)
    assert row is not None and row.supplier_id == supplier_id
    shown = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert '<dd id="supplier-link">Hanoi Cables JSC' in shown
    # Unlinking stays possible.
    post(alice, f"/admin/cases/{case_id}/supplier", {"supplier_id": ""})
    row = case_row(portal_app, case_id)
    assert row is not None and row.supplier_id is None


def test_an_unmatched_free_reference_is_shown_until_relinked(world: World, portal_app: Flask,
                                                             admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app, "Hanoi Cables JSC")
    case_id, _code = new_case(portal_app, world.unit_id)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        case = db.get(Case, case_id)
        assert case is not None
        case.supplier_id = "OLD-REF-7"
    alice = signed_in(admin_app, world.alice)
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "Unmatched reference: OLD-REF-7." in page
    post(alice, f"/admin/cases/{case_id}/supplier", {"supplier_id": supplier_id})
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "Unmatched reference" not in page


def test_the_migration_matches_free_references(world: World, portal_app: Flask,
                                               admin_app: Flask, database_url: str) -> None:
    by_id, by_number, unknown = (new_case(portal_app, world.unit_id)[0] for _ in range(3))
    # The revision before 0010 in the chain (its down_revision).
    downgrade(database_url, "0008")
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            for supplier_id, org in (("sup-a", "NO-912345678"), ("sup-b", "VN-0101")):
                connection.execute(text(
                    "INSERT INTO suppliers (id, name, org_number, country, tier, "
                    "is_wholesaler, large_by_hand, created_at, updated_at) VALUES "
                    "(:id, :name, :org, 'NO', 1, false, false, :now, :now)"),
                    {"id": supplier_id, "name": supplier_id, "org": org,
                     "now": "2026-01-01 00:00:00+00:00"})
            for case_id, reference in ((by_id, "sup-a"), (by_number, "vn-0101"),
                                       (unknown, "SUP-0042")):
                connection.execute(text("UPDATE cases SET supplier_id = :ref WHERE id = :id"),
                                   {"ref": reference, "id": case_id})
        upgrade(database_url)
        with engine.connect() as connection:
            links = dict(connection.execute(text("SELECT id, supplier_id FROM cases")).all())
    finally:
        engine.dispose()
    assert (links[by_id], links[by_number], links[unknown]) == ("sup-a", "sup-b", "SUP-0042")


def test_references_are_matched_again_after_the_register_is_imported(
        world: World, portal_app: Flask, admin_app: Flask, runner: Any) -> None:
    by_number, unknown = (new_case(portal_app, world.unit_id)[0] for _ in range(2))
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        for case_id, reference in ((by_number, "vn-0101"), (unknown, "SUP-0042")):
            case = db.get(Case, case_id)
            assert case is not None
            case.supplier_id = reference
    supplier_id = _supplier(admin_app, "Hanoi Cables JSC", org_number="VN-0101")
    result = runner.invoke(args=["suppliers", "match-case-references"])
    assert result.exit_code == 0, result.output
    assert "Linked 1 cases to the register; 1 references match no supplier." in result.output
    assert (case_row(portal_app, by_number) or Case()).supplier_id == supplier_id
    assert (case_row(portal_app, unknown) or Case()).supplier_id == "SUP-0042"
